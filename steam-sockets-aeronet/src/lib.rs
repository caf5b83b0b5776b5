//! An [aeronet](https://crates.io/crates/aeronet) IO layer over
//! [steam-sockets](https://crates.io/crates/steam-sockets): aeronet's [`Session`](aeronet_io::Session)s carried by
//! Valve's `ISteamNetworkingSockets`, on the Steamworks SDK (`steam` feature, the default) or
//! the open-source GameNetworkingSockets (`gns`), which needs no Steam client. aeronet's
//! transport layer and lightyear run on top of it as on any aeronet IO layer.
//!
//! * [`SteamSocketsClient::connect`]: a session to a server, by IP address or by P2P identity
//!   and virtual port ([`ConnectTarget`]).
//! * [`SteamSocketsServer::open`]: a [`Server`](aeronet_io::server::Server) listening by IP or
//!   by P2P virtual port ([`ListenTarget`]); each client that asks to connect becomes a child
//!   session entity and a [`SessionRequest`] your app answers.
//! * [`SteamSockets`]: the resource that owns the library handle and the poll group every
//!   session reads from. Insert it before spawning sessions.
//!
//! Received packets become [`RecvPacket`](aeronet_io::packet::RecvPacket)s whose `payload` is
//! the library's own buffer (`Bytes::from(Message)`): no copy. Packets in
//! [`Session::send`](aeronet_io::Session::send) go to the library as shared `Bytes`, also without a copy, every session's
//! in one batch (one library call per 64 packets), unreliably and without Nagle (aeronet's
//! transport layer does its own reliability). Empty packets pass both ways.
//!
//! # A server and a client
//! One `App` each, in one process, over UDP on 127.0.0.1 (the same code as the README's; it
//! runs as a test on GNS):
//!
#![cfg_attr(feature = "gns", doc = "```")]
// On the `steam` backend it needs a Steam client: compiled, not run.
#![cfg_attr(not(feature = "gns"), doc = "```no_run")]
//! use std::time::{Duration, Instant};
//!
//! use aeronet_io::{Session, server::Server};
//! use bevy_app::prelude::*;
//! use bevy_ecs::prelude::*;
//! use bevy_ecs::system::EntityCommand;
//! use steam_sockets::Sockets;
//! use steam_sockets_aeronet::{
//!     SessionRequest, SessionResponse, SteamSockets, SteamSocketsClient, SteamSocketsPlugin,
//!     SteamSocketsServer,
//! };
//!
//! fn app() -> Result<App, steam_sockets::Error> {
//!     let mut app = App::new();
//!     // On Steam: Sockets::attach_steam_client()? (after steamworks::Client::init).
//!     app.add_plugins(SteamSocketsPlugin).insert_resource(SteamSockets::new(Sockets::init_gns()?)?);
//!     Ok(app)
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let mut server = app()?;
//!     server.add_observer(|mut request: On<SessionRequest>| {
//!         let _ = request.respond(SessionResponse::Accepted);
//!     });
//!     let server_entity = server.world_mut().spawn_empty().id();
//!     SteamSocketsServer::open("127.0.0.1:0".parse::<std::net::SocketAddr>()?, Vec::new())
//!         .apply(server.world_mut().entity_mut(server_entity));
//!     let addr = server.world().get::<SteamSocketsServer>(server_entity).and_then(|s| s.local_addr());
//!     let addr = addr.ok_or("not listening")?;
//!
//!     let mut client = app()?;
//!     let session = client.world_mut().spawn_empty().id();
//!     SteamSocketsClient::connect(addr, Vec::new()).apply(client.world_mut().entity_mut(session));
//!
//!     let start = Instant::now();
//!     while start.elapsed() < Duration::from_secs(20) {
//!         server.update();
//!         client.update();
//!         // Echo on the server: every child session sends back what it received.
//!         let mut sessions = server.world_mut().query::<&mut Session>();
//!         for mut session in sessions.iter_mut(server.world_mut()) {
//!             let echoes: Vec<_> = session.recv.drain(..).map(|packet| packet.payload).collect();
//!             session.send.extend(echoes);
//!         }
//!         if let Some(mut session) = client.world_mut().get_mut::<Session>(session) {
//!             if let Some(echo) = session.recv.pop() {
//!                 assert_eq!(&echo.payload[..], b"hello");
//!                 return Ok(());
//!             }
//!             session.recv.clear();
//!             session.send.push("hello".into());
//!         }
//!         std::thread::sleep(Duration::from_millis(5));
//!     }
//!     assert!(server.world().get::<Server>(server_entity).is_some());
//!     Err("no echo within 20 s".into())
//! }
//! ```
//!
//! # Life of a session
//! * **Client**: [`SteamSocketsClient::connect`] starts the connection at once (the library
//!   never blocks on it) and adds [`SteamSocketsIo`]; the entity is a
//!   [`SessionEndpoint`](aeronet_io::SessionEndpoint) until the library reports the connection
//!   connected, then it gets its [`Session`](aeronet_io::Session).
//! * **Server**: [`SteamSocketsServer::open`] listens; the next update adds
//!   [`Server`](aeronet_io::server::Server). A connection request spawns a child entity with
//!   [`SteamSocketsServerClient`] (who is asking) and triggers [`SessionRequest`] on the
//!   server; [`SessionRequest::respond`] accepts or rejects it. A request no observer answers
//!   is rejected, with a warning.
//! * **Endings**: the peer closing, a timeout or a network problem trigger
//!   [`Disconnected`](aeronet_io::connection::Disconnected) with
//!   [`DisconnectReason::ByPeer`](aeronet_io::connection::DisconnectReason::ByPeer) (the text
//!   the peer closed with) or `ByError` ([`SessionError::Closed`], with the library's
//!   [`CloseReason`](steam_sockets::CloseReason)). Triggering aeronet's
//!   [`Disconnect`](aeronet_io::connection::Disconnect) closes the connection with its reason
//!   as the text the peer reads (up to 127 bytes); closing a server
//!   ([`Close`](aeronet_io::server::Close)) does so for every client. A session entity
//!   despawned any other way closes its connection with
//!   [`DROP_DISCONNECT_REASON`](aeronet_io::connection::DROP_DISCONNECT_REASON). A server that
//!   cannot listen, or a client that cannot connect, gets `Closed` / `Disconnected` with the
//!   library's error on the next update.
//!
//! # Dead peers
//! Like aeronet_steam, sessions send unreliably, and the library starts a connection's
//! timeout only when a packet that expects an acknowledgement goes unanswered; a peer that
//! vanishes without closing is noticed after the library's keepalive (10 s of silence) plus
//! [`TimeoutConnected`](steam_sockets::ConfigValue::TimeoutConnected). aeronet's transport
//! layer acknowledges what it receives, so a game sending anything both ways is noticed
//! sooner; lower `TimeoutConnected` in the options to be quicker.

//! # Migrating from aeronet_steam
#![doc = include_str!("migrating.md")]

mod client;
mod error;
mod io;
mod server;

use bevy_app::prelude::*;

pub use crate::client::{ConnectTarget, SteamSocketsClient};
pub use crate::error::SessionError;
pub use crate::io::{MIN_MTU, SteamSockets, SteamSocketsIo};
pub use crate::server::{
    ListenTarget, SessionRequest, SessionResponse, SteamSocketsServer, SteamSocketsServerClient,
};

/// Adds the IO layer's systems (in aeronet's [`IoSystems`](aeronet_io::IoSystems) sets) and
/// observers, and aeronet's own [`AeronetIoPlugin`](aeronet_io::AeronetIoPlugin) if it is not
/// there yet. Nothing touches the library until a [`SteamSockets`] resource is inserted, so the
/// plugin can always be added and Steam chosen at run time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SteamSocketsPlugin;

impl Plugin for SteamSocketsPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<aeronet_io::AeronetIoPlugin>() {
            app.add_plugins(aeronet_io::AeronetIoPlugin);
        }
        io::build(app);
        server::build(app);
    }
}
