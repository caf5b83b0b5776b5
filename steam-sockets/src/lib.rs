//! Safe, fast Rust bindings to Valve's `ISteamNetworkingSockets`: reliable and unreliable
//! messages over encrypted UDP, listen sockets, connections and poll groups, on either the
//! Steamworks SDK (`steam` feature, the default) or the open-source GameNetworkingSockets
//! library (`gns` feature).
//!
//! # A server and a client
//! ```no_run
//! use steam_sockets::{Event, SendFlags, Sockets};
//!
//! # fn main() -> steam_sockets::Result<()> {
//! let sockets = Sockets::init_gns()?; // or init_steam_client() / attach_steam_client()
//! let events = sockets.events();
//! let listener = sockets.listen_ip("127.0.0.1:27015", &[])?;
//! let client = sockets.connect_ip("127.0.0.1:27015", &[])?;
//! client.send(b"hello", SendFlags::RELIABLE)?;
//!
//! let mut server_side = Vec::new();
//! let mut inbox = Vec::new();
//! loop {
//!     sockets.run_callbacks();
//!     for event in events.try_iter() {
//!         match event {
//!             Event::Incoming(request) => server_side.push(request.accept()?),
//!             Event::ConnectionStatus(change) => println!("{:?}", change.info.state),
//!             _ => {}
//!         }
//!     }
//!     for conn in &server_side {
//!         conn.receive(&mut inbox, 64)?;
//!     }
//!     if let Some(msg) = inbox.pop() {
//!         assert_eq!(&*msg, b"hello");
//!         break;
//!     }
//! }
//! # drop(listener); Ok(()) }
//! ```
//!
//! # Backends
//! Enable exactly one: `steam` (default) links `steam_api` through `steamworks-sys` and needs
//! a Steam client at run time; `gns` builds GameNetworkingSockets from source (needs cmake,
//! protobuf, OpenSSL) and needs nothing at run time. Functions a backend lacks return
//! [`Error::Unsupported`].
//!
//! # Interface coverage
#![doc = include_str!("support.md")]
#![warn(missing_docs)]

mod address;
mod auth;
mod config;
mod connection;
mod error;
mod events;
mod ffi;
mod identity;
mod message;
mod p2p;
mod poll_group;
mod socket;
mod sockets;
mod steam_only;
mod utils;

pub use address::*;
pub use config::*;
pub use connection::{
    CloseError, CloseReason, ClosedBy, Connection, ConnectionFlags, ConnectionId, ConnectionInfo,
    ConnectionState, EndReason, IncomingConnection, Lane, LaneStatus, MAX_LANES, RealtimeStatus,
};
pub use error::{Error, Result};
pub use events::{Availability, ConnectionStatusChanged, Event, RelayNetworkStatus, ServiceStatus};
pub use identity::*;
pub use message::{MAX_MESSAGE_SIZE, Message, Outgoing, Payload, SendFlags, Timestamp};
pub use p2p::Signal;
pub use poll_group::{PollGroup, PollGroupId};
pub use socket::{ListenSocket, ListenSocketId};
pub use sockets::{CallbackThread, GameServerConfig, InterfaceKind, ServerMode, Sockets};
pub use steam_only::{FakeIpResult, FakeUdpPort, GameCoordinatorLogin, HostedAddress};
pub use utils::*;

/// Steam's result code (`EResult`), as kept in [`Error`].
pub use steam_sockets_sys::EResult as ResultCode;

/// The backend this build links: `"steam"` or `"gns"`.
pub const BACKEND: &str = steam_sockets_sys::BACKEND;
