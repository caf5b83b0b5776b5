//! The server side: listen sockets by IP and P2P, one poll group, and the clients' connections,
//! mapped to renet's [`ClientId`]s.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use renet::{ClientId, DisconnectReason, RenetServer};
use steam_sockets::crossbeam_channel::Receiver;
use steam_sockets::{
    CloseReason, ConfigValue, Connection, ConnectionId, ConnectionState, ConnectionStatusChanged,
    Event, IncomingConnection, IntoSocketAddr, ListenSocket, Message, NetworkIdentity, PollGroup,
    QueuedMessages, Sockets,
};

use crate::codes::CloseCode;
use crate::error::{Error, Result};
use crate::send::{
    DEFAULT_PROBE_INTERVAL, Outbox, Probe, RECEIVE_BATCH, RECEIVE_BATCHES_PER_UPDATE,
};

/// Decides whether a client may connect; see [`ServerConfig::access`].
pub type AccessCheck = Box<dyn Fn(&ClientInfo) -> bool + Send + Sync>;

/// Notices the server keeps for [`ServerTransport::next_event`] before dropping the oldest.
const MAX_NOTICES: usize = 1024;

/// How a [`ServerTransport`] admits clients.
pub struct ServerConfig {
    /// Most clients at once, counting those still connecting; one more is refused with
    /// [`CloseCode::ServerFull`].
    pub max_clients: usize,
    /// Called with every connection request that the server has room for, before it is
    /// accepted; `false` refuses it with [`CloseCode::NotAllowed`]. It replaces renet_steam's
    /// `AccessPermission`, which needs Steam's friends and lobby interfaces: check the remote
    /// identity against a list, a lobby of your own, a ban list, an address range. It runs
    /// inside [`ServerTransport::update`], on its thread, and should be quick.
    pub access: AccessCheck,
    /// How often one packet to each client (the last of a tick that sends it any) goes
    /// reliably rather than unreliably; `None`: never. Default 500 ms.
    ///
    /// The library starts a connection's timeout only when a packet that expects an
    /// acknowledgement goes unanswered, and renet's packets are unreliable, which expect none:
    /// with unreliable traffic alone, a client that vanished without closing is noticed only
    /// after the library's 10-second keepalive, plus
    /// [`TimeoutConnected`](steam_sockets::ConfigValue::TimeoutConnected). With a probe, it
    /// is noticed about `TimeoutConnected` after it went silent (as long as renet has packets
    /// for it, which it does while the game sends it anything). A probe is an ordinary renet
    /// packet, delivered once (a late copy is fine for renet), so peers on any renet transport
    /// over the same library, such as renet_steam, read it as usual.
    pub probe_interval: Option<Duration>,
}

impl ServerConfig {
    /// Up to `max_clients` clients, anyone allowed.
    pub fn new(max_clients: usize) -> ServerConfig {
        ServerConfig {
            max_clients,
            access: Box::new(|_| true),
            probe_interval: Some(DEFAULT_PROBE_INTERVAL),
        }
    }

    /// The same, with `check` as the [access check](ServerConfig::access).
    ///
    /// ```
    /// use std::collections::HashSet;
    /// use steam_sockets::{NetworkIdentity, SteamId};
    /// use steam_sockets_renet::ServerConfig;
    ///
    /// let invited: HashSet<NetworkIdentity> =
    ///     [NetworkIdentity::SteamId(SteamId(76561197960287930))].into();
    /// let config = ServerConfig::new(8).with_access(move |client| invited.contains(&client.identity));
    /// ```
    pub fn with_access(
        mut self,
        check: impl Fn(&ClientInfo) -> bool + Send + Sync + 'static,
    ) -> ServerConfig {
        self.access = Box::new(check);
        self
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("max_clients", &self.max_clients)
            .field("probe_interval", &self.probe_interval)
            .finish_non_exhaustive()
    }
}

/// Which listen socket of the server a client came through.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Listener {
    /// [`ServerTransport::listen_ip`], on this local address.
    Ip(SocketAddr),
    /// [`ServerTransport::listen_p2p`], on this virtual port.
    P2p(i32),
}

/// Who a client is, as the library reported its connection request.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// The remote identity: a SteamID on Steam; on GameNetworkingSockets over IP, usually
    /// [`NetworkIdentity::LocalHost`] or [`NetworkIdentity::Ip`] unless the client's
    /// `Sockets` was given an identity (they are not authenticated there: no certificates).
    pub identity: NetworkIdentity,
    /// The remote address, when there is one (not for relayed connections).
    pub addr: Option<SocketAddr>,
    /// The listen socket it came through.
    pub listener: Listener,
    /// Its connection.
    pub connection: ConnectionId,
}

/// Something the transport did or saw that renet's own events do not say.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerTransportEvent {
    /// A connection request was refused, with this code; the client never reached renet.
    Refused {
        /// Who asked.
        info: ClientInfo,
        /// Why it was refused ([`CloseCode::is_refusal`]).
        code: CloseCode,
    },
    /// A client's connection ended without the server closing it: the client left, timed out
    /// or had a network problem. renet reports it as
    /// `ServerEvent::ClientDisconnected { reason: DisconnectReason::Transport, .. }`; this is
    /// the library's account of it.
    Closed {
        /// The client's id.
        client_id: ClientId,
        /// Who it was.
        info: ClientInfo,
        /// How the connection ended.
        reason: CloseReason,
    },
}

/// The [`ClientId`] the server gives a client: the remote identity's SteamID when it is a valid
/// one (what renet_steam users expect, and what
/// [`ClientTransport::client_id`](crate::ClientTransport::client_id) predicts), otherwise the
/// connection's handle widened to 64 bits. The two never collide: a valid SteamID has its
/// universe in the top byte, and handles are 32-bit.
pub fn client_id_for(identity: &NetworkIdentity, connection: ConnectionId) -> ClientId {
    match identity {
        NetworkIdentity::SteamId(id) if id.is_valid() => id.0,
        _ => ClientId::from(connection.raw()),
    }
}

/// Whether an identity names one peer, so that a second connection with it is a duplicate.
/// Addresses and `LocalHost` do not: every unauthenticated client on one host reports
/// `LocalHost`.
fn names_a_peer(identity: &NetworkIdentity) -> bool {
    match identity {
        NetworkIdentity::SteamId(id) => id.is_valid(),
        NetworkIdentity::GenericString(_)
        | NetworkIdentity::GenericBytes(_)
        | NetworkIdentity::XboxPairwise(_)
        | NetworkIdentity::Psn(_)
        | NetworkIdentity::UnknownText(_) => true,
        _ => false,
    }
}

/// One client's connection, accepted.
struct Client {
    connection: Connection,
    info: ClientInfo,
    /// Whether renet has it (`add_connection`): from its first `Connected` report or message.
    in_renet: bool,
    probe: Probe,
}

/// A renet server transport over steam-sockets: listen sockets by IP and by P2P virtual port,
/// one [`PollGroup`] for every client, received messages handed to renet without a copy.
///
/// Call [`update`](ServerTransport::update) after `RenetServer::update` every tick and
/// [`send_packets`](ServerTransport::send_packets) after your game has queued its messages.
///
/// The transport reads the event channel of the [`Sockets`] it is given, and takes every event
/// on it: give it a handle of its own, from its own `Sockets::init_gns()` or
/// `Sockets::attach_steam_client()` call (each call makes a handle with its own channel; a
/// `clone()` shares the channel, and each event goes to only one receiver). The library
/// routes each object's events to the `Sockets` that created it, so the game's other handles
/// keep theirs.
///
/// Dropping the transport closes every client's connection with
/// [`CloseCode::ServerShutdown`], then its listen sockets.
pub struct ServerTransport {
    // Field order is drop order: connections, then the group, then the listen sockets (which
    // would destroy their connections anyway).
    clients: HashMap<ClientId, Client>,
    ids: HashMap<ConnectionId, ClientId>,
    group: PollGroup,
    listeners: Vec<(ListenSocket, Listener)>,
    sockets: Sockets,
    events: Receiver<Event>,
    max_clients: usize,
    access: AccessCheck,
    probe_interval: Option<Duration>,
    notices: VecDeque<ServerTransportEvent>,
    inbox: Vec<Message>,
    /// Connections that ended, handled once their last messages are read.
    ended: Vec<(ConnectionId, CloseReason)>,
    /// Clients renet disconnected (reused).
    gone: Vec<ClientId>,
    outbox: Outbox<ClientId>,
}

impl ServerTransport {
    /// A server with no listen socket yet, reading `sockets`' events (see the type's docs on
    /// why it should be a handle of its own). Add listen sockets with
    /// [`listen_ip`](ServerTransport::listen_ip) and [`listen_p2p`](ServerTransport::listen_p2p).
    ///
    /// # Errors
    /// [`Error::Sockets`] if the library cannot create a poll group.
    pub fn new(sockets: Sockets, config: ServerConfig) -> Result<ServerTransport> {
        let group = sockets.create_poll_group()?;
        Ok(ServerTransport {
            clients: HashMap::new(),
            ids: HashMap::new(),
            group,
            listeners: Vec::new(),
            events: sockets.events(),
            sockets,
            max_clients: config.max_clients,
            access: config.access,
            probe_interval: config.probe_interval,
            notices: VecDeque::new(),
            inbox: Vec::with_capacity(RECEIVE_BATCH),
            ended: Vec::new(),
            gone: Vec::new(),
            outbox: Outbox::default(),
        })
    }

    /// Listens on a local IP address and port (port 0: one the system picks) and returns the
    /// address it listens on. `options` are the listen socket's configuration values (for
    /// example [`ConfigValue::TimeoutConnected`]); accepted connections inherit them.
    ///
    /// # Errors
    /// [`Error::Sockets`]: a bad address or option, or the port is taken.
    pub fn listen_ip(
        &mut self,
        addr: impl IntoSocketAddr,
        options: &[ConfigValue],
    ) -> Result<SocketAddr> {
        let socket = self.sockets.listen_ip(addr, options)?;
        let local = socket.local_addr()?;
        self.listeners.push((socket, Listener::Ip(local)));
        Ok(local)
    }

    /// Listens for P2P connections on a virtual port (renet_steam listens on port 0): on Steam
    /// by SteamID through the relay network; on GameNetworkingSockets through the signaling the
    /// application set up (steam-sockets' `SignalingClient`).
    ///
    /// # Errors
    /// [`Error::Sockets`]: a bad option, or the library refuses.
    pub fn listen_p2p(&mut self, virtual_port: i32, options: &[ConfigValue]) -> Result<()> {
        let socket = self.sockets.listen_p2p(virtual_port, options)?;
        self.listeners.push((socket, Listener::P2p(virtual_port)));
        Ok(())
    }

    /// The listen sockets, in the order they were opened.
    pub fn listeners(&self) -> impl Iterator<Item = Listener> + '_ {
        self.listeners.iter().map(|(_, listener)| *listener)
    }

    /// The `Sockets` handle the transport reads.
    pub fn sockets(&self) -> &Sockets {
        &self.sockets
    }

    /// Most clients at once (counting those still connecting).
    pub fn max_clients(&self) -> usize {
        self.max_clients
    }

    /// Changes [`max_clients`](ServerTransport::max_clients); clients already connected stay.
    pub fn set_max_clients(&mut self, max_clients: usize) {
        self.max_clients = max_clients;
    }

    /// Changes [`ServerConfig::probe_interval`].
    pub fn set_probe_interval(&mut self, interval: Option<Duration>) {
        self.probe_interval = interval;
    }

    /// Replaces the [access check](ServerConfig::access); it applies to new connection
    /// requests only.
    pub fn set_access(&mut self, check: impl Fn(&ClientInfo) -> bool + Send + Sync + 'static) {
        self.access = Box::new(check);
    }

    /// Clients with a connection, including those still connecting.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// Every client: its id and who it is.
    pub fn clients(&self) -> impl Iterator<Item = (ClientId, &ClientInfo)> + '_ {
        self.clients.iter().map(|(id, client)| (*id, &client.info))
    }

    /// Who a client is: identity, address, listen socket and connection.
    pub fn client_info(&self, client_id: ClientId) -> Option<&ClientInfo> {
        self.clients.get(&client_id).map(|client| &client.info)
    }

    /// The client with that identity, if one is connected. Several clients can share an
    /// identity that does not name a peer (`LocalHost`, an address): this finds one of them.
    pub fn find_client(&self, identity: &NetworkIdentity) -> Option<ClientId> {
        self.clients.iter().find(|(_, client)| &client.info.identity == identity).map(|(id, _)| *id)
    }

    /// A client's connection, for what renet does not show: ping and quality
    /// ([`Connection::realtime_status`]), the library's detailed status.
    pub fn connection(&self, client_id: ClientId) -> Option<&Connection> {
        self.clients.get(&client_id).map(|client| &client.connection)
    }

    /// The oldest refusal or end of a connection not yet taken (the transport keeps the last
    /// 1024).
    pub fn next_event(&mut self) -> Option<ServerTransportEvent> {
        self.notices.pop_front()
    }

    /// Runs the library's callbacks, handles its events (accepting or refusing connection
    /// requests, adding clients to renet when they connect and removing them when their
    /// connection ends), hands every received packet to renet, and closes the connections of
    /// clients renet disconnected (`RenetServer::disconnect`, or a protocol error). Call it
    /// every tick, after `RenetServer::update`.
    ///
    /// Packets are received from the poll group into a reused buffer and handed to renet as
    /// views of the library's buffers: no copy and no allocation per packet on this side.
    /// Requests are checked in this order: room ([`CloseCode::ServerFull`]), a client already
    /// connected with the same identity ([`CloseCode::DuplicateIdentity`]; only identities that
    /// name a peer, such as SteamIDs, not addresses), then the access check
    /// ([`CloseCode::NotAllowed`]).
    pub fn update(&mut self, server: &mut RenetServer) {
        self.sockets.run_callbacks();
        // Only what is queued now: another thread running callbacks cannot keep this going.
        for _ in 0..self.events.len() {
            let Ok(event) = self.events.try_recv() else { break };
            match event {
                Event::Incoming(request) => self.on_request(request),
                Event::ConnectionStatus(change) => self.on_status(change, server),
                _ => {}
            }
        }
        self.receive(server);
        // Connections that ended, now that their last packets are read.
        let mut ended = std::mem::take(&mut self.ended);
        for (connection, reason) in ended.drain(..) {
            let Some(client_id) = self.ids.get(&connection).copied() else { continue };
            let Some(client) = self.forget(client_id) else { continue };
            if client.in_renet {
                server.remove_connection(client_id);
            }
            log::debug!(
                "client {client_id} ({}): connection ended: {reason:?}",
                client.info.identity
            );
            self.notice(ServerTransportEvent::Closed { client_id, info: client.info, reason });
            // Dropping the connection frees it.
        }
        self.ended = ended; // keeps its buffer
        // Clients renet disconnected: kicked through renet, or a protocol error.
        let mut gone = std::mem::take(&mut self.gone);
        gone.extend(server.disconnections_id_iter().filter(|id| self.clients.contains_key(id)));
        for client_id in gone.drain(..) {
            let code = match server.disconnect_reason(client_id) {
                Some(DisconnectReason::DisconnectedByServer) => CloseCode::Kicked,
                _ => CloseCode::Protocol,
            };
            server.remove_connection(client_id);
            if let Some(client) = self.forget(client_id) {
                close(client.connection, code, QueuedMessages::Discard);
            }
        }
        self.gone = gone;
    }

    /// Sends what renet has for every connected client: unreliably (renet does its own
    /// reliability; but see [`ServerConfig::probe_interval`]), all clients' packets in one
    /// batch (one library call per 64 packets), the last packet to each client without Nagle
    /// so that everything queued for it leaves now (no separate flush call). Call it once per
    /// tick, after your game queued its messages.
    ///
    /// A packet the library refuses (a full send buffer, a connection that just closed) is
    /// dropped and logged: renet sends reliable messages again.
    pub fn send_packets(&mut self, server: &mut RenetServer) {
        self.queue_packets(server, None);
        self.flush_outbox();
    }

    /// Disconnects a client: removes it from renet and closes its connection with
    /// [`CloseCode::Kicked`]. With `flush`, renet's packets for it are sent first and the
    /// connection lingers until the library has sent them.
    ///
    /// # Errors
    /// [`Error::UnknownClient`] if the transport has no such client (renet is left alone).
    pub fn disconnect_client(
        &mut self,
        client_id: ClientId,
        server: &mut RenetServer,
        flush: bool,
    ) -> Result<()> {
        if !self.clients.contains_key(&client_id) {
            return Err(Error::UnknownClient(client_id));
        }
        if flush {
            self.queue_packets(server, Some(client_id));
            self.flush_outbox();
        }
        self.drop_client(client_id, server, CloseCode::Kicked, flush);
        Ok(())
    }

    /// Disconnects every client, as [`disconnect_client`](ServerTransport::disconnect_client)
    /// does, with [`CloseCode::ServerShutdown`]; the listen sockets stay open.
    pub fn disconnect_all(&mut self, server: &mut RenetServer, flush: bool) {
        if flush {
            self.queue_packets(server, None);
            self.flush_outbox();
        }
        let ids: Vec<ClientId> = self.clients.keys().copied().collect();
        for client_id in ids {
            self.drop_client(client_id, server, CloseCode::ServerShutdown, flush);
        }
    }

    fn drop_client(
        &mut self,
        client_id: ClientId,
        server: &mut RenetServer,
        code: CloseCode,
        flush: bool,
    ) {
        let Some(client) = self.forget(client_id) else { return };
        if client.in_renet {
            // renet then reports `DisconnectedByServer` rather than `Transport`.
            server.disconnect(client_id);
            server.remove_connection(client_id);
        }
        let queued = if flush { QueuedMessages::Deliver } else { QueuedMessages::Discard };
        close(client.connection, code, queued);
    }

    /// Takes a client out of the transport's tables.
    fn forget(&mut self, client_id: ClientId) -> Option<Client> {
        let client = self.clients.remove(&client_id)?;
        self.ids.remove(&client.info.connection);
        Some(client)
    }

    fn notice(&mut self, event: ServerTransportEvent) {
        if self.notices.len() == MAX_NOTICES {
            self.notices.pop_front();
        }
        self.notices.push_back(event);
    }

    fn on_request(&mut self, request: IncomingConnection) {
        let reported = request.info();
        let Some(listener) = self
            .listeners
            .iter()
            .find(|(socket, _)| Some(socket.id()) == reported.listen_socket)
            .map(|(_, listener)| *listener)
        else {
            // Only this transport's listen sockets report to its channel; dropping refuses it.
            log::warn!("connection request on an unknown listen socket: {request:?}");
            return;
        };
        let info = ClientInfo {
            identity: reported.remote_identity.clone(),
            addr: reported.remote_addr,
            listener,
            connection: request.id(),
        };
        let client_id = client_id_for(&info.identity, info.connection);
        let refusal = if self.clients.len() >= self.max_clients {
            Some(CloseCode::ServerFull)
        } else if self.clients.contains_key(&client_id)
            || (names_a_peer(&info.identity)
                && self.clients.values().any(|client| client.info.identity == info.identity))
        {
            Some(CloseCode::DuplicateIdentity)
        } else if !(self.access)(&info) {
            Some(CloseCode::NotAllowed)
        } else {
            None
        };
        if let Some(code) = refusal {
            log::info!("refused {} from {:?}: {code}", info.identity, info.addr);
            // Our codes are application codes and our texts have no NUL: it cannot be refused.
            let _ = request.reject(code.end_reason(), code.description());
            self.notice(ServerTransportEvent::Refused { info, code });
            return;
        }
        let connection = match request.accept() {
            Ok(connection) => connection,
            Err(e) => {
                log::debug!("{} gave up before it was accepted: {e}", info.identity);
                return;
            }
        };
        if let Err(e) = connection.set_poll_group(Some(&self.group)) {
            log::warn!("{}: cannot join the poll group: {e}", info.identity);
            return;
        }
        self.ids.insert(info.connection, client_id);
        let probe = Probe::new(Instant::now());
        self.clients.insert(client_id, Client { connection, info, in_renet: false, probe });
    }

    fn on_status(&mut self, change: ConnectionStatusChanged, server: &mut RenetServer) {
        let Some(&client_id) = self.ids.get(&change.connection) else { return };
        if let Some(reason) = change.info.close_reason() {
            self.ended.push((change.connection, reason));
        } else if change.info.state == ConnectionState::Connected {
            if let Some(client) = self.clients.get_mut(&client_id) {
                if !client.in_renet {
                    client.in_renet = true;
                    server.add_connection(client_id);
                }
            }
        }
    }

    fn receive(&mut self, server: &mut RenetServer) {
        for _ in 0..RECEIVE_BATCHES_PER_UPDATE {
            let received = match self.group.receive(&mut self.inbox, RECEIVE_BATCH) {
                Ok(received) => received,
                Err(e) => {
                    log::error!("receiving from the poll group: {e}");
                    return;
                }
            };
            for message in self.inbox.drain(..) {
                let Some(&client_id) = self.ids.get(&message.connection()) else { continue };
                let Some(client) = self.clients.get_mut(&client_id) else { continue };
                if !client.in_renet {
                    // Its first packet overtook the report that it is connected.
                    client.in_renet = true;
                    server.add_connection(client_id);
                }
                if let Err(e) = server.process_packet_from(&message, client_id) {
                    log::debug!("packet from {client_id}: {e}");
                }
            }
            if received < RECEIVE_BATCH {
                return;
            }
        }
    }

    /// Moves renet's packets for every connected client (or one) into the outbox.
    fn queue_packets(&mut self, server: &mut RenetServer, only: Option<ClientId>) {
        let now = Instant::now();
        for (&client_id, client) in &mut self.clients {
            if !client.in_renet || only.is_some_and(|only| only != client_id) {
                continue;
            }
            match server.get_packets_to_send(client_id) {
                Ok(packets) if !packets.is_empty() => {
                    let last = client.probe.last_flags(now, self.probe_interval);
                    self.outbox.queue(client_id, packets, last);
                }
                _ => {}
            }
        }
    }

    fn flush_outbox(&mut self) {
        let clients = &self.clients;
        self.outbox.send(&self.sockets, |client_id| clients.get(client_id).map(|c| &c.connection));
    }
}

/// Closes a connection with one of the transport's codes.
fn close(connection: Connection, code: CloseCode, queued: QueuedMessages) {
    // Our codes are application codes and our texts have no NUL, so it is not refused; a
    // connection the library already destroyed is closed all the same.
    let _ = connection.close(code.end_reason(), code.description(), queued);
}

impl Drop for ServerTransport {
    fn drop(&mut self) {
        for (_, client) in self.clients.drain() {
            close(client.connection, CloseCode::ServerShutdown, QueuedMessages::Discard);
        }
    }
}

impl fmt::Debug for ServerTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTransport")
            .field("listeners", &self.listeners)
            .field("clients", &self.clients.len())
            .field("max_clients", &self.max_clients)
            .finish_non_exhaustive()
    }
}
