//! A [renet](https://crates.io/crates/renet) 2.0 transport over
//! [steam-sockets](https://crates.io/crates/steam-sockets): renet's channels, reliability and
//! connection bookkeeping on top of Valve's `ISteamNetworkingSockets`, on the Steamworks SDK
//! (`steam` feature, the default) or the open-source GameNetworkingSockets (`gns`), which needs
//! no Steam client.
//!
//! * [`ServerTransport`]: listens by IP ([`listen_ip`](ServerTransport::listen_ip)) and by P2P
//!   virtual port ([`listen_p2p`](ServerTransport::listen_p2p)), both into one server and one
//!   poll group; admits clients by [`ServerConfig`] (most clients, an access-check closure,
//!   no duplicate identities) and refuses the rest with a typed [`CloseCode`].
//! * [`ClientTransport`]: connects by IP ([`connect_ip`](ClientTransport::connect_ip)) or by
//!   identity ([`connect_p2p`](ClientTransport::connect_p2p)), follows the connection's state
//!   into renet, and keeps how it ended ([`close_reason`](ClientTransport::close_reason)).
//!
//! Received packets go to renet as views of the library's buffers, through a reused `Vec`: no
//! copy and no allocation per packet on this side. renet's packets for every client leave in
//! one batch (one library call per 64 packets), unreliably, since renet does its own
//! reliability.
//!
//! # A server and a client
//! One process, one of each, over UDP on 127.0.0.1 (the same code as the README's; it runs as
//! a test on GNS):
//!
#![cfg_attr(feature = "gns", doc = "```")]
// On the `steam` backend it needs a Steam client: compiled, not run.
#![cfg_attr(not(feature = "gns"), doc = "```no_run")]
//! use std::time::{Duration, Instant};
//!
//! use renet::{ConnectionConfig, DefaultChannel, RenetClient, RenetServer};
//! use steam_sockets::Sockets;
//! use steam_sockets_renet::{ClientTransport, ServerConfig, ServerTransport};
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // One `Sockets` per transport: each reads its own events.
//!     // On Steam: Sockets::attach_steam_client()? (after steamworks::Client::init).
//!     let mut server = RenetServer::new(ConnectionConfig::default());
//!     let mut server_transport = ServerTransport::new(Sockets::init_gns()?, ServerConfig::new(64))?;
//!     let addr = server_transport.listen_ip("127.0.0.1:0", &[])?;
//!
//!     let mut client = RenetClient::new(ConnectionConfig::default());
//!     let mut client_transport = ClientTransport::connect_ip(Sockets::init_gns()?, addr, &[])?;
//!     client.send_message(DefaultChannel::ReliableOrdered, "hello");
//!
//!     let tick = Duration::from_millis(10);
//!     let start = Instant::now();
//!     while start.elapsed() < Duration::from_secs(20) {
//!         // Server tick: receive, answer, send.
//!         server.update(tick);
//!         server_transport.update(&mut server);
//!         for id in server.clients_id() {
//!             while let Some(text) = server.receive_message(id, DefaultChannel::ReliableOrdered) {
//!                 server.send_message(id, DefaultChannel::ReliableOrdered, text); // echo
//!             }
//!         }
//!         server_transport.send_packets(&mut server);
//!
//!         // Client tick.
//!         client.update(tick);
//!         client_transport.update(&mut client);
//!         if let Some(echo) = client.receive_message(DefaultChannel::ReliableOrdered) {
//!             assert_eq!(&echo[..], b"hello");
//!             return Ok(());
//!         }
//!         client_transport.send_packets(&mut client)?;
//!         std::thread::sleep(tick);
//!     }
//!     Err("no echo within 20 s".into())
//! }
//! ```
//!
//! # Client ids
//! renet names clients by a [`ClientId`](renet::ClientId) (`u64`). The server gives a client
//! its SteamID when its identity is a valid SteamID (always on Steam: what renet_steam users
//! expect), otherwise its connection's handle, widened ([`client_id_for`]). The two cannot
//! collide. A second connection from an identity that names a peer (a SteamID, or a
//! GameNetworkingSockets name such as `str:alice`) while the first is open is refused with
//! [`CloseCode::DuplicateIdentity`]; addresses and `LocalHost` (what every unauthenticated
//! client on one host reports on GNS) are not checked.
//!
//! # Events and `Sockets` handles
//! Each transport takes the [`Sockets`](steam_sockets::Sockets) it reads. Every listen socket
//! and connection steam-sockets creates reports its state changes to the event channel of the
//! `Sockets` that created it, and the transport takes every event on that channel: so give each
//! transport a handle of its own, from its own `Sockets::init_gns()` or
//! `Sockets::attach_steam_client()` call (a `clone()` shares one channel, and each event goes
//! to only one receiver). The game's other handles keep their own events. Both `update`s call
//! [`Sockets::run_callbacks`](steam_sockets::Sockets::run_callbacks); a `CallbackThread` may
//! run them as well.
//!
//! # Threads
//! Both transports are `Send + Sync` (a bevy resource, or a networking thread of their own).
//! The access check must be `Send + Sync`.
//!
//! ```
//! fn shareable<T: Send + Sync>() {}
//! shareable::<steam_sockets_renet::ServerTransport>();
//! shareable::<steam_sockets_renet::ClientTransport>();
//! ```
//!
//! # With bevy_renet
//! bevy_renet's own plugins drive renet_steam's transports; with this crate, wrap each transport
//! in a resource and run its two calls in bevy_renet's system sets, as its plugins do (a
//! sketch, not compiled here: this crate does not depend on bevy):
//!
//! ```ignore
//! #[derive(Resource)]
//! struct Transport(steam_sockets_renet::ServerTransport);
//!
//! fn receive(mut server: ResMut<RenetServer>, mut transport: ResMut<Transport>) {
//!     transport.0.update(&mut server);
//! }
//! fn send(mut server: ResMut<RenetServer>, mut transport: ResMut<Transport>) {
//!     transport.0.send_packets(&mut server);
//! }
//!
//! app.add_plugins(RenetServerPlugin)
//!     .insert_resource(Transport(ServerTransport::new(Sockets::attach_steam_client()?, config)?))
//!     .add_systems(PreUpdate, receive.in_set(RenetReceive).after(RenetServerPlugin::update_system))
//!     .add_systems(PostUpdate, send.in_set(RenetSend));
//! ```
//!
//! # Migrating from renet_steam
#![doc = include_str!("migrating.md")]
#![warn(missing_docs)]

mod client;
mod codes;
mod error;
mod send;
mod server;

pub use client::ClientTransport;
pub use codes::CloseCode;
pub use error::{Error, Result};
pub use server::{
    AccessCheck, ClientInfo, Listener, ServerConfig, ServerTransport, ServerTransportEvent,
    client_id_for,
};

/// The renet this crate is built against, re-exported so that its version always matches.
pub use renet;
/// The steam-sockets this crate is built against, re-exported so that its version always
/// matches.
pub use steam_sockets;
