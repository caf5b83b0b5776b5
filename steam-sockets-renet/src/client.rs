//! The client side: one connection to a server, by IP or by P2P identity.

use std::fmt;
use std::time::{Duration, Instant};

use renet::{ClientId, DisconnectReason, RenetClient};
use steam_sockets::crossbeam_channel::Receiver;
use steam_sockets::{
    CloseReason, ClosedBy, ConfigValue, Connection, ConnectionState, Event, IntoSocketAddr,
    Message, NetworkIdentity, QueuedMessages, Sockets,
};

use crate::codes::CloseCode;
use crate::error::{Error, Result};
use crate::send::{
    DEFAULT_PROBE_INTERVAL, Outbox, Probe, RECEIVE_BATCH, RECEIVE_BATCHES_PER_UPDATE,
};

/// Where the connection is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Connecting,
    Connected,
    Closed(CloseReason),
}

/// A renet client transport over steam-sockets: one connection to a server, by IP address
/// ([`connect_ip`](ClientTransport::connect_ip)) or by identity and virtual port
/// ([`connect_p2p`](ClientTransport::connect_p2p)).
///
/// Call [`update`](ClientTransport::update) after `RenetClient::update` every tick and
/// [`send_packets`](ClientTransport::send_packets) after your game queued its messages. The
/// connection's state drives renet's: connecting, connected, and
/// `disconnect_due_to_transport` once it ends; [`close_reason`](ClientTransport::close_reason)
/// then says why (and [`close_code`](ClientTransport::close_code) whether it was one of the
/// server transport's codes: kicked, server full, not allowed...).
///
/// As for the server, give it a `Sockets` handle of its own: it reads every event on that
/// handle's channel.
///
/// Dropping the transport closes the connection with [`CloseCode::ClientLeft`].
pub struct ClientTransport {
    connection: Option<Connection>,
    sockets: Sockets,
    events: Receiver<Event>,
    state: State,
    inbox: Vec<Message>,
    outbox: Outbox<()>,
    probe: Probe,
    probe_interval: Option<Duration>,
}

impl ClientTransport {
    /// Connects to a server by IP address. `options` are the connection's configuration values
    /// (for example [`ConfigValue::TimeoutConnected`]).
    ///
    /// # Errors
    /// [`Error::Sockets`]: a bad address or option, or the library refuses.
    pub fn connect_ip(
        sockets: Sockets,
        addr: impl IntoSocketAddr,
        options: &[ConfigValue],
    ) -> Result<ClientTransport> {
        let connection = sockets.connect_ip(addr, options)?;
        Ok(ClientTransport::new(sockets, connection))
    }

    /// Connects to a server by identity (on Steam, its SteamID: what renet_steam's client
    /// does, on virtual port 0) and virtual port. On GameNetworkingSockets this needs the
    /// signaling the application set up (steam-sockets' `SignalingClient`).
    ///
    /// # Errors
    /// [`Error::Sockets`]: a bad identity or option, or the library refuses.
    pub fn connect_p2p(
        sockets: Sockets,
        server: &NetworkIdentity,
        virtual_port: i32,
        options: &[ConfigValue],
    ) -> Result<ClientTransport> {
        let connection = sockets.connect_p2p(server, virtual_port, options)?;
        Ok(ClientTransport::new(sockets, connection))
    }

    fn new(sockets: Sockets, connection: Connection) -> ClientTransport {
        ClientTransport {
            connection: Some(connection),
            events: sockets.events(),
            sockets,
            state: State::Connecting,
            inbox: Vec::with_capacity(RECEIVE_BATCH),
            outbox: Outbox::default(),
            probe: Probe::new(Instant::now()),
            probe_interval: Some(DEFAULT_PROBE_INTERVAL),
        }
    }

    /// The `Sockets` handle the transport reads.
    pub fn sockets(&self) -> &Sockets {
        &self.sockets
    }

    /// The connection, while it is open: for ping and quality
    /// ([`Connection::realtime_status`]) and the library's detailed status.
    pub fn connection(&self) -> Option<&Connection> {
        self.connection.as_ref()
    }

    /// The id a [`ServerTransport`](crate::ServerTransport) gives this client when it is known
    /// in advance: this host's SteamID (see [`client_id_for`](crate::client_id_for)). `None`
    /// when the host's identity is not a SteamID: the server then numbers the client by its
    /// connection, which only the server knows.
    pub fn client_id(&self) -> Option<ClientId> {
        match self.sockets.identity() {
            Ok(NetworkIdentity::SteamId(id)) if id.is_valid() => Some(id.0),
            _ => None,
        }
    }

    /// How often one packet to the server goes reliably, so that a server that vanished is
    /// noticed about [`TimeoutConnected`](steam_sockets::ConfigValue::TimeoutConnected) after
    /// it went silent rather than after the library's 10-second keepalive; `None`: never.
    /// Default 500 ms. See [`ServerConfig::probe_interval`](crate::ServerConfig::probe_interval).
    pub fn set_probe_interval(&mut self, interval: Option<Duration>) {
        self.probe_interval = interval;
    }

    /// Whether the connection is up.
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    /// Whether the connection is still being set up.
    pub fn is_connecting(&self) -> bool {
        self.state == State::Connecting
    }

    /// Whether the connection has ended.
    pub fn is_disconnected(&self) -> bool {
        matches!(self.state, State::Closed(_))
    }

    /// How the connection ended, once it has: closed by the server (with its code and text),
    /// timed out, a local problem, or closed here.
    pub fn close_reason(&self) -> Option<&CloseReason> {
        match &self.state {
            State::Closed(reason) => Some(reason),
            _ => None,
        }
    }

    /// The server transport's (or this transport's) code the connection ended with, if it is
    /// one of them: [`CloseCode::Kicked`], [`CloseCode::ServerFull`]...
    pub fn close_code(&self) -> Option<CloseCode> {
        self.close_reason().and_then(|reason| CloseCode::from_end_reason(reason.end))
    }

    /// Runs the library's callbacks, follows the connection's state into renet
    /// (`set_connecting`, `set_connected`, and `disconnect_due_to_transport` once the
    /// connection ended), and hands every received packet to renet, as views of the library's
    /// buffers (no copy, no allocation per packet). Packets the server sent before closing are
    /// handed over before renet learns it is disconnected. If renet itself disconnected
    /// (`RenetClient::disconnect`, or a protocol error), the connection is closed, with
    /// [`CloseCode::ClientLeft`] or [`CloseCode::Protocol`]. Call it every tick, after
    /// `RenetClient::update`.
    pub fn update(&mut self, client: &mut RenetClient) {
        self.sockets.run_callbacks();
        for _ in 0..self.events.len() {
            let Ok(event) = self.events.try_recv() else { break };
            let Event::ConnectionStatus(change) = event else { continue };
            if self.connection.as_ref().map(Connection::id) != Some(change.connection) {
                continue;
            }
            if let Some(reason) = change.info.close_reason() {
                self.state = State::Closed(reason);
            } else if change.info.state == ConnectionState::Connected
                && self.state == State::Connecting
            {
                self.state = State::Connected;
            }
        }
        if client.is_disconnected() && self.connection.is_some() && !self.is_disconnected() {
            let code = match client.disconnect_reason() {
                Some(DisconnectReason::DisconnectedByClient) => CloseCode::ClientLeft,
                _ => CloseCode::Protocol,
            };
            self.close(code);
        }
        if let Some(connection) = &self.connection {
            for _ in 0..RECEIVE_BATCHES_PER_UPDATE {
                let received = match connection.receive(&mut self.inbox, RECEIVE_BATCH) {
                    Ok(received) => received,
                    Err(e) => {
                        log::debug!("receiving: {e}");
                        break;
                    }
                };
                for message in self.inbox.drain(..) {
                    client.process_packet(&message);
                }
                if received < RECEIVE_BATCH {
                    break;
                }
            }
        }
        match self.state {
            State::Connecting => client.set_connecting(),
            State::Connected => client.set_connected(),
            State::Closed(_) => {
                // Its last packets are read: free it.
                self.connection = None;
                client.disconnect_due_to_transport();
            }
        }
    }

    /// Sends what renet has for the server: unreliably (renet does its own reliability; but see
    /// [`set_probe_interval`](ClientTransport::set_probe_interval)), in
    /// one library call per 64 packets, the last one without Nagle so that everything leaves
    /// now. While connecting it sends nothing (renet keeps its reliable messages).
    ///
    /// Packets the library refuses for a full send buffer are dropped (and logged at debug
    /// level): renet sends reliable messages again.
    ///
    /// # Errors
    /// [`Error::Disconnected`] once the connection has ended; [`Error::Sockets`] if the
    /// library refused the packets for another reason (the connection just closed: the next
    /// [`update`](ClientTransport::update) reports it).
    pub fn send_packets(&mut self, client: &mut RenetClient) -> Result<()> {
        match &self.state {
            State::Closed(reason) => return Err(Error::Disconnected(Some(reason.clone()))),
            State::Connecting => return Ok(()),
            State::Connected => {}
        }
        let Some(connection) = &self.connection else { return Err(Error::Disconnected(None)) };
        let packets = client.get_packets_to_send();
        if packets.is_empty() {
            return Ok(());
        }
        let last = self.probe.last_flags(Instant::now(), self.probe_interval);
        self.outbox.queue((), packets, last);
        match self.outbox.send(&self.sockets, |_| Some(connection)).error {
            Some(error) => Err(Error::Sockets(error)),
            None => Ok(()),
        }
    }

    /// Closes the connection with [`CloseCode::ClientLeft`], after the library has sent what
    /// is queued. The next [`update`](ClientTransport::update) marks renet disconnected. Does
    /// nothing once the connection has ended.
    pub fn disconnect(&mut self) {
        if !self.is_disconnected() {
            self.close(CloseCode::ClientLeft);
        }
    }

    fn close(&mut self, code: CloseCode) {
        if let Some(connection) = self.connection.take() {
            // Our codes are application codes and our texts have no NUL: not refused; a
            // connection the library already destroyed is closed all the same.
            let _ =
                connection.close(code.end_reason(), code.description(), QueuedMessages::Deliver);
        }
        self.state = State::Closed(CloseReason {
            closed_by: ClosedBy::Local,
            end: code.end_reason(),
            debug: code.description().to_string(),
        });
    }
}

impl Drop for ClientTransport {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            let code = CloseCode::ClientLeft;
            let _ =
                connection.close(code.end_reason(), code.description(), QueuedMessages::Discard);
        }
    }
}

impl fmt::Debug for ClientTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTransport")
            .field("connection", &self.connection)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}
