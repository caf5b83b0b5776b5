//! Servers: a listen socket per server entity, connection requests as [`SessionRequest`]s, and
//! the accepted clients as child sessions.

use std::net::SocketAddr;

use aeronet_io::SessionEndpoint;
use aeronet_io::connection::{DisconnectReason, Disconnected, LocalAddr, PeerAddr};
use aeronet_io::server::{Server, ServerEndpoint};
use bevy_app::prelude::*;
use bevy_ecs::prelude::*;
use bevy_platform::time::Instant;
use steam_sockets::crossbeam_channel::Sender;
use steam_sockets::{
    ConfigValue, Connection, EndReason, IncomingConnection, ListenSocket, NetworkIdentity,
};

use crate::error::SessionError;
use crate::io::{Failed, SteamSockets, end_text};

/// The text a request no observer answered is rejected with.
const NO_ANSWER: &str = "the server did not answer";

/// Where a [`SteamSocketsServer`] listens.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListenTarget {
    /// By IP address, over UDP. Port 0 picks a free port: read it from
    /// [`SteamSocketsServer::local_addr`] or the server's [`LocalAddr`].
    Ip(SocketAddr),
    /// By P2P virtual port: clients connect to this host's identity (its SteamID on Steam),
    /// through Valve's relays on Steam, or over ICE with the signaling the application set up
    /// on GameNetworkingSockets (steam-sockets' `SignalingClient`).
    P2p {
        /// The virtual port, like a UDP port for P2P connections.
        virtual_port: i32,
    },
}

impl From<SocketAddr> for ListenTarget {
    fn from(addr: SocketAddr) -> Self {
        ListenTarget::Ip(addr)
    }
}

/// A server's listen socket. Created by [`SteamSocketsServer::open`]; the next update adds
/// [`Server`] (watch for it with an `On<Add, Server>` observer). Despawning the entity (or
/// triggering aeronet's [`Close`](aeronet_io::server::Close)) closes the listen socket, and the
/// connections of its clients.
#[derive(Component)]
#[require(ServerEndpoint)]
pub struct SteamSocketsServer {
    socket: ListenSocket,
    target: ListenTarget,
    local_addr: Option<SocketAddr>,
}

impl SteamSocketsServer {
    /// An [`EntityCommand`] that makes the entity a server listening on `target`, with
    /// `options` (`ConfigValue`s applied to the listen socket and its connections, such as
    /// `SendRateMax` or `TimeoutConnected`). The world must have a [`SteamSockets`].
    ///
    /// If the library cannot listen (a port in use, a bad option), the next update triggers
    /// [`Closed`](aeronet_io::server::Closed) with [`SessionError::Sockets`].
    ///
    /// ```no_run
    /// use bevy_ecs::prelude::*;
    /// use steam_sockets_aeronet::{ListenTarget, SteamSocketsServer};
    ///
    /// fn open_servers(mut commands: Commands) {
    ///     let by_ip = "0.0.0.0:27015".parse::<std::net::SocketAddr>().unwrap();
    ///     commands.spawn_empty().queue(SteamSocketsServer::open(by_ip, Vec::new()));
    ///     commands.spawn_empty().queue(SteamSocketsServer::open(ListenTarget::P2p { virtual_port: 0 }, Vec::new()));
    /// }
    /// ```
    pub fn open(target: impl Into<ListenTarget>, options: Vec<ConfigValue>) -> impl EntityCommand {
        let target = target.into();
        move |mut entity: EntityWorldMut| {
            let id = entity.id();
            let opened = entity.world_scope(|world| {
                let mut steam =
                    world.get_resource_mut::<SteamSockets>().ok_or(SessionError::NoSteamSockets)?;
                let socket = match target {
                    ListenTarget::Ip(addr) => steam.sockets().listen_ip(addr, &options)?,
                    ListenTarget::P2p { virtual_port } => {
                        steam.sockets().listen_p2p(virtual_port, &options)?
                    }
                };
                steam.servers.insert(socket.id(), id);
                Ok::<_, SessionError>(socket)
            });
            match opened {
                Ok(socket) => {
                    let local_addr = socket.local_addr().ok();
                    entity.insert(SteamSocketsServer { socket, target, local_addr });
                    if let Some(addr) = local_addr {
                        entity.insert(LocalAddr(addr));
                    }
                }
                Err(error) => {
                    entity.insert((ServerEndpoint, Failed(Some(error))));
                }
            }
        }
    }

    /// What it listens on, as given to [`open`](SteamSocketsServer::open).
    pub fn target(&self) -> ListenTarget {
        self.target
    }

    /// The local address of an IP listen socket (with the port the system picked for port 0).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// The listen socket.
    pub fn listen_socket(&self) -> &ListenSocket {
        &self.socket
    }
}

impl std::fmt::Debug for SteamSocketsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SteamSocketsServer")
            .field("target", &self.target)
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

/// Who is on the other end of a server's session: on each child session entity from the
/// moment it asks to connect.
#[non_exhaustive]
#[derive(Component, Debug, Clone, PartialEq, Eq)]
#[require(SessionEndpoint)]
pub struct SteamSocketsServerClient {
    /// The remote identity: a SteamID on Steam; on GameNetworkingSockets over IP, usually
    /// `LocalHost` or an address unless the client's `Sockets` was given an identity (they are
    /// not authenticated there).
    pub identity: NetworkIdentity,
    /// The remote address, when there is one (not for relayed connections).
    pub addr: Option<SocketAddr>,
}

/// How a server answers a [`SessionRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionResponse {
    /// Let the client connect.
    Accepted,
    /// Turn it away with a reason, which the client reads as
    /// [`DisconnectReason::ByPeer`](aeronet_io::connection::DisconnectReason::ByPeer) (up to
    /// 127 bytes of it) and the server as `DisconnectReason::ByUser` on the child session.
    Rejected {
        /// Why.
        reason: String,
    },
}

impl SessionResponse {
    /// [`SessionResponse::Rejected`] with this reason.
    pub fn rejected(reason: impl Into<String>) -> Self {
        SessionResponse::Rejected { reason: reason.into() }
    }
}

/// Triggered on a [`SteamSocketsServer`] entity when a client asks to connect; the client is
/// already a child session entity ([`session_entity`](SessionRequest::session_entity), with
/// [`SteamSocketsServerClient`]). Answer with [`respond`](SessionRequest::respond) in an
/// observer; a request no observer answers is rejected (with a warning in the log), so a
/// server without an observer accepts nobody.
///
/// ```
/// use bevy_ecs::prelude::*;
/// use steam_sockets::NetworkIdentity;
/// use steam_sockets_aeronet::{SessionRequest, SessionResponse};
///
/// fn on_request(mut request: On<SessionRequest>, bans: Res<Banned>) -> Result {
///     let response = if bans.0.contains(&request.identity) {
///         SessionResponse::rejected("banned")
///     } else {
///         SessionResponse::Accepted
///     };
///     request.respond(response)?;
///     Ok(())
/// }
///
/// #[derive(Resource)]
/// struct Banned(Vec<NetworkIdentity>);
/// ```
#[derive(EntityEvent)]
pub struct SessionRequest {
    /// The server entity.
    #[event_target]
    pub server_entity: Entity,
    /// The client's session entity, a child of the server.
    pub session_entity: Entity,
    /// Who asks, as in [`SteamSocketsServerClient::identity`].
    pub identity: NetworkIdentity,
    /// From where, as in [`SteamSocketsServerClient::addr`].
    pub addr: Option<SocketAddr>,
    responder: Responder,
}

impl SessionRequest {
    /// Accepts or rejects the client. An accepted client's session gets [`SteamSocketsIo`]
    /// on the next update and its `Session` once connected; a rejected one is disconnected.
    ///
    /// # Errors
    /// [`SessionError::AlreadyAnswered`] on a second call; [`SessionError::Sockets`] if the
    /// client gave up before it was accepted (its session is then disconnected with that
    /// error).
    ///
    /// [`SteamSocketsIo`]: crate::SteamSocketsIo
    pub fn respond(&mut self, response: SessionResponse) -> Result<(), SessionError> {
        self.responder.respond(response)
    }

    /// Whether [`respond`](SessionRequest::respond) was called.
    pub fn is_answered(&self) -> bool {
        self.responder.request.is_none()
    }
}

impl std::fmt::Debug for SessionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRequest")
            .field("server_entity", &self.server_entity)
            .field("session_entity", &self.session_entity)
            .field("identity", &self.identity)
            .field("addr", &self.addr)
            .field("answered", &self.is_answered())
            .finish()
    }
}

/// What became of a request, sent back from the observer that answered it.
pub(crate) enum Answer {
    Accepted(Entity, Connection),
    Rejected(Entity, String),
    Failed(Entity, SessionError),
}

/// Holds a request until it is answered; rejects it if it never is.
struct Responder {
    request: Option<IncomingConnection>,
    session: Entity,
    answers: Sender<Answer>,
}

impl Responder {
    fn respond(&mut self, response: SessionResponse) -> Result<(), SessionError> {
        let request = self.request.take().ok_or(SessionError::AlreadyAnswered)?;
        let (answer, result) = match response {
            SessionResponse::Accepted => match request.accept() {
                Ok(connection) => (Answer::Accepted(self.session, connection), Ok(())),
                Err(e) => (Answer::Failed(self.session, e.clone().into()), Err(e.into())),
            },
            SessionResponse::Rejected { reason } => {
                reject(request, &reason);
                (Answer::Rejected(self.session, reason), Ok(()))
            }
        };
        // The receiver lives in the resource; without it there is nobody left to tell.
        let _ = self.answers.send(answer);
        result
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if self.request.is_some() {
            log::warn!("no observer answered the SessionRequest for {}: rejected", self.session);
            let _ = self.respond(SessionResponse::rejected(NO_ANSWER));
        }
    }
}

fn reject(request: IncomingConnection, reason: &str) {
    // An application code and a text without NUL: not refused.
    let _ = request.reject(EndReason::APP_GENERIC, &end_text(reason));
}

pub(crate) fn build(app: &mut App) {
    app.add_observer(on_remove_server);
}

/// Marks servers opened since the last update, and carries out the answers to requests.
pub(crate) fn open_and_answer(
    steam: &mut SteamSockets,
    opening: &Query<Entity, (With<SteamSocketsServer>, Without<Server>)>,
    commands: &mut Commands,
) {
    for server in opening {
        commands.entity(server).try_insert(Server::new(Instant::now()));
    }
    while let Ok(answer) = steam.answers.1.try_recv() {
        match answer {
            Answer::Accepted(session, connection) => {
                let io = steam.adopt(session, connection);
                // A session despawned meanwhile drops `io`, which closes the connection.
                commands.entity(session).try_insert(io);
            }
            Answer::Rejected(session, reason) => commands.trigger(Disconnected {
                entity: session,
                reason: DisconnectReason::ByUser(reason),
            }),
            Answer::Failed(session, error) => commands.trigger(Disconnected {
                entity: session,
                reason: DisconnectReason::by_error(error),
            }),
        }
    }
}

/// A connection request: a child session, and a [`SessionRequest`] on its server.
pub(crate) fn on_request(
    steam: &SteamSockets,
    request: IncomingConnection,
    commands: &mut Commands,
) {
    let info = request.info();
    let Some(&server) = info.listen_socket.and_then(|id| steam.servers.get(&id)) else {
        // Only this resource's listen sockets report to its channel.
        log::warn!("connection request on an unknown listen socket: {request:?}");
        return reject(request, NO_ANSWER);
    };
    let client =
        SteamSocketsServerClient { identity: info.remote_identity.clone(), addr: info.remote_addr };
    let mut session = commands.spawn((ChildOf(server), client.clone()));
    if let Some(addr) = client.addr {
        session.insert(PeerAddr(addr));
    }
    let session = session.id();
    commands.trigger(SessionRequest {
        server_entity: server,
        session_entity: session,
        identity: client.identity,
        addr: client.addr,
        responder: Responder { request: Some(request), session, answers: steam.answers.0.clone() },
    });
}

fn on_remove_server(
    trigger: On<Remove<SteamSocketsServer>>,
    servers: Query<&SteamSocketsServer>,
    steam: Option<ResMut<SteamSockets>>,
) {
    if let (Ok(server), Some(mut steam)) = (servers.get(trigger.event_target()), steam) {
        steam.servers.remove(&server.socket.id());
    }
}
