//! Helpers for the IO layer's tests: headless bevy `App`s (`MinimalPlugins`), each with its own
//! `Sockets` on GameNetworkingSockets, a server on 127.0.0.1 and clients, updated together
//! until a condition holds (with a deadline, so a broken test fails instead of hanging), and
//! observers that record what aeronet reported.
#![allow(dead_code)] // each test binary uses a different part

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use aeronet_io::Session;
use aeronet_io::connection::{DisconnectReason, Disconnected};
use aeronet_io::packet::NoClearBuffers;
use aeronet_io::server::{CloseReason, Closed};
use bevy_app::prelude::*;
use bevy_ecs::prelude::*;
use bevy_internal::MinimalPlugins;
use steam_sockets::{ConfigValue, Sockets};
use steam_sockets_aeronet::{
    SessionError, SessionRequest, SessionResponse, SteamSockets, SteamSocketsClient,
    SteamSocketsPlugin, SteamSocketsServer,
};

/// Longest any wait may take. Everything here takes milliseconds on loopback; the margin is
/// for a loaded 2-core machine.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// How an ending was reported, as comparable text: `user: ..`, `peer: ..` or `error: ..`.
pub fn describe(reason: &DisconnectReason) -> String {
    match reason {
        DisconnectReason::ByUser(text) => format!("user: {text}"),
        DisconnectReason::ByPeer(text) => format!("peer: {text}"),
        DisconnectReason::ByError(error) => match error.downcast_ref::<SessionError>() {
            Some(error) => format!("error: {error}"),
            None => format!("foreign error: {error}"),
        },
    }
}

/// Every `Disconnected` and `Closed` in an app, in order.
#[derive(Resource, Default, Debug)]
pub struct Endings {
    pub sessions: Vec<(Entity, String)>,
    pub servers: Vec<(Entity, String)>,
}

impl Endings {
    pub fn of(&self, entity: Entity) -> Option<&str> {
        self.sessions.iter().find(|(e, _)| *e == entity).map(|(_, text)| text.as_str())
    }
}

/// How the server answers requests.
#[derive(Resource, Clone, Debug)]
pub enum Policy {
    Accept,
    Reject(String),
    /// No observer answers.
    Ignore,
}

/// An app with the IO layer, its own `Sockets` and the endings recorder.
pub fn app() -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, SteamSocketsPlugin))
        .insert_resource(
            SteamSockets::new(Sockets::init_gns().expect("init GNS")).expect("poll group"),
        )
        .init_resource::<Endings>()
        // Received packets stay until a test takes them (aeronet clears them every update).
        .init_resource::<NoClearBuffers>()
        .add_observer(|trigger: On<Disconnected>, mut endings: ResMut<Endings>| {
            endings.sessions.push((trigger.event_target(), describe(&trigger.reason)));
        })
        .add_observer(|trigger: On<Closed>, mut endings: ResMut<Endings>| {
            let text = match &trigger.reason {
                CloseReason::ByUser(text) => format!("user: {text}"),
                CloseReason::ByError(error) => match error.downcast_ref::<SessionError>() {
                    Some(error) => format!("error: {error}"),
                    None => format!("foreign error: {error}"),
                },
            };
            endings.servers.push((trigger.event_target(), text));
        });
    app
}

/// A server app listening on 127.0.0.1, answering by `policy`.
pub struct Server {
    pub app: App,
    pub entity: Entity,
    pub addr: SocketAddr,
}

impl Server {
    pub fn start(policy: Policy) -> Server {
        Server::start_with(policy, Vec::new())
    }

    pub fn start_with(policy: Policy, options: Vec<ConfigValue>) -> Server {
        let mut app = app();
        if !matches!(policy, Policy::Ignore) {
            app.add_observer(|mut request: On<SessionRequest>, policy: Res<Policy>| {
                let response = match &*policy {
                    Policy::Reject(reason) => SessionResponse::rejected(reason.clone()),
                    _ => SessionResponse::Accepted,
                };
                request.respond(response).expect("first answer");
                assert_eq!(
                    request.respond(SessionResponse::Accepted),
                    Err(SessionError::AlreadyAnswered)
                );
            });
        }
        app.insert_resource(policy);
        let entity = app.world_mut().spawn_empty().id();
        let open = SteamSocketsServer::open("127.0.0.1:0".parse::<SocketAddr>().unwrap(), options);
        app.world_mut().commands().entity(entity).queue(open);
        app.update();
        let addr = app.world().get::<SteamSocketsServer>(entity).and_then(|s| s.local_addr());
        Server { app, entity, addr: addr.expect("listening") }
    }

    /// The connected child sessions.
    pub fn sessions(&mut self) -> Vec<Entity> {
        let world = self.app.world_mut();
        let mut query = world.query_filtered::<(Entity, &ChildOf), With<Session>>();
        let server = self.entity;
        query.iter(world).filter(|(_, parent)| parent.parent() == server).map(|(e, _)| e).collect()
    }
}

/// A client app with one session connecting to `addr`.
pub struct Client {
    pub app: App,
    pub entity: Entity,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        Client::connect_with(addr, Vec::new())
    }

    pub fn connect_with(addr: SocketAddr, options: Vec<ConfigValue>) -> Client {
        let mut app = app();
        let entity = app.world_mut().spawn_empty().id();
        app.world_mut().commands().entity(entity).queue(SteamSocketsClient::connect(addr, options));
        app.update();
        Client { app, entity }
    }

    pub fn is_connected(&self) -> bool {
        self.app.world().get::<Session>(self.entity).is_some()
    }

    pub fn exists(&self) -> bool {
        self.app.world().get_entity(self.entity).is_ok()
    }

    pub fn ending(&self) -> Option<String> {
        self.app.world().resource::<Endings>().of(self.entity).map(str::to_string)
    }
}

/// A server accepting everyone and one client, both connected (the connection created with
/// `options` on each side); the server's session entity for the client.
pub fn connected(options: Vec<ConfigValue>) -> (Server, [Client; 1], Entity) {
    let mut server = Server::start_with(Policy::Accept, options.clone());
    let mut clients = [Client::connect_with(server.addr, options)];
    run_until(&mut server, &mut clients, "connected", |s, c| {
        s.sessions().len() == 1 && c[0].is_connected()
    });
    let child = server.sessions()[0];
    (server, clients, child)
}

/// Updates every app, with a short sleep, until `done` holds; panics after [`DEADLINE`].
pub fn run_until(
    server: &mut Server,
    clients: &mut [Client],
    what: &str,
    mut done: impl FnMut(&mut Server, &mut [Client]) -> bool,
) {
    let start = Instant::now();
    loop {
        server.app.update();
        for client in clients.iter_mut() {
            client.app.update();
        }
        if done(server, clients) {
            return;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Takes what a session received.
pub fn take_received(app: &mut App, entity: Entity) -> Vec<bytes::Bytes> {
    match app.world_mut().get_mut::<Session>(entity) {
        Some(mut session) => session.recv.drain(..).map(|packet| packet.payload).collect(),
        None => Vec::new(),
    }
}

/// Queues packets on a session.
pub fn send(app: &mut App, entity: Entity, packets: impl IntoIterator<Item = bytes::Bytes>) {
    let mut session = app.world_mut().get_mut::<Session>(entity).expect("a connected session");
    session.send.extend(packets);
}
