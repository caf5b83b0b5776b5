//! Safe, fast Rust bindings to Valve's `ISteamNetworkingSockets`: reliable and unreliable
//! messages over encrypted UDP, listen sockets, connections and poll groups, lanes, P2P over the
//! Steam Datagram Relay, FakeIP and hosted dedicated servers, on either the Steamworks SDK
//! (`steam` feature, the default) or Valve's open-source GameNetworkingSockets (`gns`).
//!
//! One API for both: RAII handles ([`ListenSocket`], [`Connection`], [`PollGroup`]) that close
//! when dropped, typed [`Error`]s that keep the library's result code, zero-copy received
//! [`Message`]s, and [`Event`]s on a [`crossbeam_channel`] channel instead of callbacks.
//!
//! # Guide
//! * [Backends](#backends)
//! * [Initialisation](#initialisation)
//! * [A server loop](#a-server-loop) and [a client loop](#a-client-loop)
//! * [Events](#events)
//! * [Lanes](#lanes)
//! * [P2P without Steam](#p2p-without-steam)
//! * [Threads](#threads)
//! * [Zero-copy](#zero-copy)
//! * [Errors](#errors)
//! * [Examples](#examples)
//! * [Interface coverage](#interface-coverage): every C function and its method
//! * [Migrating from steamworks-rs networking](#migrating-from-steamworks-rs-networking)
//!
//! # Backends
//! Enable exactly one; both or neither is a compile error that says what to write.
//!
//! | feature | links | needs to build | needs at run time |
//! |---|---|---|---|
//! | `steam` (default) | `libsteam_api` through `steamworks-sys`; sits beside the `steamworks` crate | nothing | a running Steam client (or a game server's `steamclient`), and `libsteam_api` beside the binary (see `steam-sockets-build`) |
//! | `gns` | GameNetworkingSockets, built from source and linked statically | cmake, protobuf, OpenSSL, libclang | nothing |
//!
//! ```toml
//! steam-sockets = "0.1"                                                            # steam
//! steam-sockets = { version = "0.1", default-features = false, features = ["gns"] } # gns
//! ```
//!
//! Every method exists on both backends. What a backend lacks (FakeIP, hosted dedicated servers,
//! relay tickets and relay-network status on GNS; GNS initialisation on Steam) returns
//! [`Error::Unsupported`]; the [interface coverage](#interface-coverage) table says which. These
//! docs are built with the `steam` backend (docs.rs has no GNS build tools) and apply to both.
//! [`BACKEND`] says which one a build links ([`Backend`]).
//!
//! # Initialisation
//! Everything starts from a [`Sockets`], a cheap, cloneable handle to one networking interface
//! with its own event channel:
//!
//! | situation | call |
//! |---|---|
//! | GNS backend | [`Sockets::init_gns`] (or [`init_gns_with_identity`](Sockets::init_gns_with_identity)) |
//! | a game; nothing else initialised Steam | [`Sockets::init_steam_client`] (reads the app id from `SteamAppId` or `steam_appid.txt`) |
//! | a game that already uses the `steamworks` crate | [`Sockets::attach_steam_client`], after `steamworks::Client::init` |
//! | a dedicated server | [`Sockets::init_steam_game_server`] / [`Sockets::attach_steam_game_server`] |
//!
//! Without a Steam client, the Steam initialisers return [`Error::SteamInit`] with Steam's own
//! message (for example `Failed to load module '.../steamclient.so'`). `steam-sockets` never
//! shuts a library down: connections and messages may outlive every handle.
//!
//! # A server loop
//! A server listens, accepts each [`Event::Incoming`] request, puts the connections in one
//! [`PollGroup`] and reads all of them with one call into a reused `Vec` (no allocation per
//! message). This one echoes every message back, until its last client has left. (Runnable on
//! the GNS backend: a hidden client thread connects to it; on `steam` the example returns
//! early.)
//!
#![cfg_attr(feature = "gns", doc = "```")]
// On the `steam` backend these examples need a Steam client: compiled, not run.
#![cfg_attr(not(feature = "gns"), doc = "```no_run")]
//! use std::collections::HashMap;
//! use std::time::{Duration, Instant};
//! use steam_sockets::{ConfigValue, Connection, ConnectionId, Event, SendFlags, Sockets};
//!
//! fn serve(sockets: &Sockets, port: u16, until: Instant) -> steam_sockets::Result<usize> {
//!     let events = sockets.events();
//!     let options = [ConfigValue::SendRateMax(8 << 20)];
//!     let _listener = sockets.listen_ip(([127, 0, 0, 1], port), &options)?;
//!     let group = sockets.create_poll_group()?;
//!     let mut clients: HashMap<ConnectionId, Connection> = HashMap::new();
//!     let mut inbox = Vec::with_capacity(256);
//!     let mut echoed = 0;
//!     while Instant::now() < until {
//!         sockets.run_callbacks(); // turns the library's callbacks into events
//!         for event in events.try_iter() {
//!             match event {
//!                 Event::Incoming(request) => {
//!                     let conn = request.accept()?;
//!                     conn.set_poll_group(Some(&group))?;
//!                     clients.insert(conn.id(), conn);
//!                 }
//!                 Event::ConnectionStatus(change) if change.info.close_reason().is_some() => {
//!                     clients.remove(&change.connection); // dropping it frees the handle
//!                     if clients.is_empty() {
//!                         return Ok(echoed); // the last client left
//!                     }
//!                 }
//!                 _ => {}
//!             }
//!         }
//!         group.receive(&mut inbox, 256)?;
//!         for msg in inbox.drain(..) {
//!             if let Some(client) = clients.get(&msg.connection()) {
//!                 client.send(&msg, SendFlags::RELIABLE)?;
//!                 echoed += 1;
//!             }
//!         }
//!         std::thread::sleep(Duration::from_millis(1));
//!     }
//!     Ok(echoed)
//! }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let port = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
//! #     let client = std::thread::spawn(move || -> steam_sockets::Result<usize> {
//! #         let sockets = Sockets::init_gns()?;
//! #         std::thread::sleep(Duration::from_millis(200));
//! #         let conn = sockets.connect_ip(([127, 0, 0, 1], port), &[])?;
//! #         let (mut sent, mut back, mut inbox) = (0, 0, Vec::new());
//! #         let start = Instant::now();
//! #         while back < 3 && start.elapsed() < Duration::from_secs(20) {
//! #             sockets.run_callbacks();
//! #             if sent < 3 && conn.send(b"ping", SendFlags::RELIABLE).is_ok() { sent += 1; }
//! #             back += conn.receive(&mut inbox, 16)?;
//! #             std::thread::sleep(Duration::from_millis(1));
//! #         }
//! #         Ok(back) // dropping `conn` closes it: the server sees its last client leave
//! #     });
//! #     let echoed = serve(&Sockets::init_gns()?, port, Instant::now() + Duration::from_secs(30))?;
//! #     assert_eq!(client.join().unwrap()?, 3);
//! #     assert_eq!(echoed, 3);
//! #     Ok(())
//! # }
//! ```
//!
//! # A client loop
//! A client connects, waits for [`ConnectionState::Connected`] (sends before that fail with
//! [`Error::NotConnected`]), sends, and receives on its [`Connection`]. A full send buffer is
//! [`Error::SendBufferFull`]: back-pressure, not a failure. (Run on GNS against a hidden
//! echo server.)
//!
#![cfg_attr(feature = "gns", doc = "```")]
// On the `steam` backend these examples need a Steam client: compiled, not run.
#![cfg_attr(not(feature = "gns"), doc = "```no_run")]
//! use std::net::SocketAddr;
//! use std::time::{Duration, Instant};
//! use steam_sockets::{ConnectionState, Error, Event, SendFlags, Sockets};
//!
//! fn talk(sockets: &Sockets, server: SocketAddr) -> Result<Vec<String>, Box<dyn std::error::Error>> {
//!     let events = sockets.events();
//!     let conn = sockets.connect_ip(server, &[])?;
//!     let mut to_send = vec!["hello", "world"];
//!     let (mut replies, mut inbox) = (Vec::new(), Vec::new());
//!     let start = Instant::now();
//!     while replies.len() < 2 && start.elapsed() < Duration::from_secs(20) {
//!         sockets.run_callbacks();
//!         for event in events.try_iter() {
//!             if let Event::ConnectionStatus(change) = event {
//!                 if let Some(reason) = change.info.close_reason() {
//!                     return Err(format!("closed: {reason:?}").into());
//!                 }
//!             }
//!         }
//!         if conn.info()?.state == ConnectionState::Connected {
//!             while let Some(text) = to_send.first() {
//!                 match conn.send(text.as_bytes(), SendFlags::RELIABLE) {
//!                     Ok(_message_number) => drop(to_send.remove(0)),
//!                     Err(Error::SendBufferFull { .. }) => break, // try again next frame
//!                     Err(e) => return Err(e.into()),
//!                 }
//!             }
//!         }
//!         conn.receive(&mut inbox, 64)?;
//!         replies.extend(inbox.drain(..).map(|m| String::from_utf8_lossy(&m).into_owned()));
//!         std::thread::sleep(Duration::from_millis(1));
//!     }
//!     Ok(replies)
//! }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #     let port = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
//! #     let sockets = Sockets::init_gns()?;
//! #     let listener = sockets.listen_ip(([127, 0, 0, 1], port), &[])?;
//! #     let events = sockets.events();
//! #     let (stop_tx, stop_rx) = crossbeam_channel::bounded::<()>(1);
//! #     let server = std::thread::spawn(move || -> steam_sockets::Result<()> {
//! #         let (mut conns, mut inbox) = (Vec::new(), Vec::new());
//! #         while stop_rx.try_recv().is_err() {
//! #             sockets.run_callbacks();
//! #             for e in events.try_iter() { if let Event::Incoming(r) = e { conns.push(r.accept()?); } }
//! #             for c in &conns {
//! #                 c.receive(&mut inbox, 64)?;
//! #                 for m in inbox.drain(..) { c.send(&m, SendFlags::RELIABLE)?; }
//! #             }
//! #             std::thread::sleep(Duration::from_millis(1));
//! #         }
//! #         drop(listener);
//! #         Ok(())
//! #     });
//! #     let replies = talk(&Sockets::init_gns()?, SocketAddr::from(([127, 0, 0, 1], port)))?;
//! #     stop_tx.send(())?;
//! #     server.join().unwrap()?;
//! #     assert_eq!(replies, ["hello", "world"]);
//! #     Ok(())
//! # }
//! ```
//!
//! # Events
//! The library reports changes through callbacks. `steam-sockets` gives each listen socket and
//! connection it creates a handler of its own (accepted connections inherit their listen
//! socket's), so it shares the process with other users of the library (the `steamworks`
//! crate, renet_steam, gns-rs) without taking their events or losing its own. The handlers run
//! inside [`Sockets::run_callbacks`] (call it every frame) or a [`CallbackThread`] from
//! [`Sockets::spawn_callback_thread`]; they copy what they report into an owned [`Event`] and
//! send it to the channel of the [`Sockets`] that created the object ([`Sockets::events`]). No
//! user code runs inside the library, and no lock is held while you handle an event. The three
//! process-wide events need global handlers, which are installed only when you ask, with
//! [`Sockets::enable_global_events`] (see [`GlobalEvents`] for what that costs the Steam
//! callback queue).
//!
//! | event | when | what to do |
//! |---|---|---|
//! | [`Event::Incoming`] | a peer connects to one of your listen sockets | [`accept`](IncomingConnection::accept) or [`reject`](IncomingConnection::reject) it; dropping it rejects it |
//! | [`Event::ConnectionStatus`] | a connection changed state | on a [`close_reason`](ConnectionInfo::close_reason), drop (or [`close`](Connection::close)) the `Connection` |
//! | [`Event::AuthenticationStatus`] | certificates became (un)available (Steam; once [`GlobalEvents::AUTHENTICATION_STATUS`] is enabled) | informational |
//! | [`Event::RelayNetworkStatus`] | relay network access changed (Steam; once [`GlobalEvents::RELAY_NETWORK_STATUS`] is enabled) | wait for [`Availability::Current`] before P2P, if you like |
//! | [`Event::FakeIpResult`] | a [`begin_async_request_fake_ip`](Sockets::begin_async_request_fake_ip) finished (once [`GlobalEvents::FAKE_IP_RESULT`] is enabled) | read the address and ports |
//!
//! On GNS, call `run_callbacks` often: its callback queue asserts above 100 pending entries.
//!
//! # Lanes
//! A connection can carry up to [`MAX_LANES`] independent outbound streams. Each lane is in
//! order on its own and has its own message numbers, so a large transfer on one lane does not
//! hold up another. Lanes with a **lower** `priority` number are served first (a lane sends only
//! while every lower-numbered lane is empty); lanes of equal priority share the bandwidth by
//! `weight`. Lanes are configured per direction (each side configures its own), can be added but
//! never removed, and the receiver sees each message's lane in [`Message::lane`].
//!
#![cfg_attr(feature = "gns", doc = "```")]
// On the `steam` backend these examples need a Steam client: compiled, not run.
#![cfg_attr(not(feature = "gns"), doc = "```no_run")]
//! use steam_sockets::{Lane, SendFlags, Sockets};
//!
//! # fn main() -> steam_sockets::Result<()> {
//! let sockets = Sockets::init_gns()?;
//! let (a, b) = sockets.create_socket_pair(steam_sockets::PairTransport::InProcess, None)?; // two connected ends, in process
//! // Lane 0: gameplay, first. Lane 1: chat and downloads, whatever bandwidth is left.
//! a.configure_lanes(&[Lane { priority: 0, weight: 1 }, Lane { priority: 10, weight: 1 }])?;
//! a.send(b"level chunk", SendFlags::RELIABLE.on_lane(1))?;
//! a.send(b"player moved", SendFlags::RELIABLE.on_lane(0))?;
//! a.flush()?;
//!
//! let mut inbox = Vec::new();
//! while inbox.len() < 2 {
//!     b.receive(&mut inbox, 16)?;
//! }
//! let lanes: Vec<u16> = inbox.iter().map(|m| m.lane()).collect();
//! assert!(lanes.contains(&0) && lanes.contains(&1));
//! // Each lane's queue: what a sender watches to avoid flooding a low-priority lane.
//! let status = a.realtime_status()?;
//! assert_eq!(status.lanes.len(), 2);
//! # Ok(()) }
//! ```
//!
//! `examples/chat.rs` runs chat and file transfer on two lanes and checks that chat lines
//! overtake file data queued before them.
//!
//! # P2P without Steam
//! On Steam, [`Sockets::listen_p2p`] and [`Sockets::connect_p2p`] find the peer through Steam.
//! GameNetworkingSockets has no such service: the peers exchange a few signals (about 300
//! bytes, three per connection) through a channel of the application's, then connect directly
//! (ICE). The crate has that channel ready:
//!
//! 1. Run a rendezvous server somewhere both peers reach: [`SignalingServer`] (or the
//!    `rendezvous` example, or Valve's `trivial_signaling_server.py`: same protocol).
//! 2. Give each peer an identity without whitespace, with
//!    [`Sockets::init_gns_with_identity`] (for example `str:alice`).
//! 3. Keep a [`SignalingClient`] connected to the server in each peer. It becomes the
//!    process's signaling, so that plain `listen_p2p` / `connect_p2p` (and
//!    [`NetworkingMessages`]) work as on Steam.
//!
//! ```no_run
//! # fn main() -> steam_sockets::Result<()> {
//! use steam_sockets::{NetworkIdentity, SignalingClient, Sockets};
//! let sockets = Sockets::init_gns_with_identity(&"str:bob".parse()?)?;
//! let _signaling = SignalingClient::connect(&sockets, "10.0.0.1:10000")?;
//! let alice: NetworkIdentity = "str:alice".parse()?;
//! let conn = sockets.connect_p2p(&alice, 0, &[])?; // then as any connection
//! # drop(conn); Ok(()) }
//! ```
//!
//! ICE needs addresses the peers can reach: GameNetworkingSockets skips loopback and
//! link-local ones, and has no STUN server unless
//! [`ConfigValue::P2PStunServerList`] names one. Between two hosts of a LAN it connects in
//! about 0.1 s (`cargo xtask p2p` measures it between two network namespaces). To carry the
//! signals yourself instead, use [`Sockets::connect_p2p_custom_signaling`].
//!
//! # Threads
//! [`Sockets`], [`ListenSocket`], [`Connection`], [`PollGroup`], [`IncomingConnection`] and
//! [`Message`] are `Send + Sync`; the library locks internally, so you may send from one thread
//! and receive on another. Handles are owned: each closes its object once, when dropped (or by
//! `close`). Events for a `Sockets` can be consumed on any thread (crossbeam receivers clone);
//! dispatch ([`Sockets::run_callbacks`]) is serialised across the process. A [`Message`] may
//! be kept, moved to another thread and dropped there.
//!
//! ```
//! fn shareable<T: Send + Sync>() {}
//! use steam_sockets::*;
//! shareable::<Sockets>();
//! shareable::<ListenSocket>();
//! shareable::<Connection>();
//! shareable::<IncomingConnection>();
//! shareable::<PollGroup>();
//! shareable::<Message>();
//! shareable::<FakeUdpPort>();
//! shareable::<CallbackThread>();
//! ```
//!
//! # Zero-copy
//! * Received [`Message`]s are views of the library's buffer (`Deref<Target = [u8]>`), released
//!   when dropped; `bytes::Bytes::from(message)` keeps the buffer without copying.
//! * Sending `&Bytes` ([`Connection::send`], or [`Payload::Shared`] in
//!   [`Sockets::send_messages`]) hands the library a reference to your [`bytes::Bytes`] instead
//!   of a copy; one `Bytes` broadcast to many connections shares one buffer. Borrowed `&[u8]`
//!   payloads are copied once, into the library's buffer.
//! * Receiving into a reused `Vec<Message>` and the send calls allocate nothing in Rust per
//!   message.
//!
#![cfg_attr(feature = "gns", doc = "```")]
// On the `steam` backend these examples need a Steam client: compiled, not run.
#![cfg_attr(not(feature = "gns"), doc = "```no_run")]
//! use bytes::Bytes;
//! use steam_sockets::{SendFlags, Sockets};
//!
//! # fn main() -> steam_sockets::Result<()> {
//! let sockets = Sockets::init_gns()?;
//! let (a, b) = sockets.create_socket_pair(steam_sockets::PairTransport::InProcess, None)?;
//! let snapshot = Bytes::from(vec![7u8; 4096]);
//! a.send(&snapshot, SendFlags::RELIABLE)?; // a reference, not a copy
//! let mut inbox = Vec::new();
//! while inbox.is_empty() {
//!     b.receive(&mut inbox, 1)?;
//! }
//! let received: Bytes = inbox.pop().unwrap().into(); // keeps the library's buffer
//! assert_eq!(received, snapshot);
//! # Ok(()) }
//! ```
//!
//! # Errors
//! Every fallible call returns [`Result`]. [`Error`] is `#[non_exhaustive]` and keeps the
//! library's result code where there is one ([`Error::result_code`]). The ones to handle in a
//! loop are [`Error::SendBufferFull`] (slow down), [`Error::NotConnected`] (not yet, or no
//! longer) and [`Error::NotAttempted`] (a batch message skipped after an earlier one to the same
//! connection failed).
//!
//! # Examples
//! In the repository's `examples/` (each file's header says how to run it and what it prints):
//! `echo` and `chat` (IP, a poll group, two lanes) and `status` (a live table of ping, quality,
//! rates and lane queues) run on both backends, with self-checking modes that `cargo xtask
//! test` runs; `p2p_chat` (SteamID over the relay network), `fake_ip_server` /
//! `fake_ip_client` and `dedicated_server` need the Steam backend and a Steam client.
//!
//! # Interface coverage
#![doc = include_str!("support.md")]
//!
//! # Migrating from steamworks-rs networking
#![doc = include_str!("migrating.md")]
#![warn(missing_docs)]

// The module map, and which layer each module is in, is ARCHITECTURE.md's.
mod address;
mod auth;
mod backend;
mod config;
mod connection;
mod debug_output;
mod error;
mod events;
mod fake_ip;
mod hosted;
mod identity;
mod ids;
mod listen_socket;
mod message;
mod messages;
mod p2p;
mod poll_group;
mod raw;
mod relay;
mod send;
mod sockets;
mod status;

pub use address::{IntoSocketAddr, NetworkAddress};
pub use backend::{BACKEND, Backend};
pub use config::modes::{
    ConfigSource, DebugOutputLevel, DualWifiMode, IceCandidatePolicy, IceCandidates,
    IceImplementation, UnencryptedPolicy,
};
pub use config::{ConfigKey, ConfigValue};
pub use connection::info::{
    CloseReason, ClosedBy, ConnectionFlags, ConnectionInfo, ConnectionState, EndReason, Lane,
    LaneStatus, MAX_LANES, RealtimeStatus,
};
pub use connection::{CloseError, Connection, IncomingConnection, QueuedMessages};
/// The channel crate whose [`Receiver`](crossbeam_channel::Receiver) [`Sockets::events`]
/// returns and whose [`Sender`](crossbeam_channel::Sender) custom signaling takes, re-exported
/// so that its version always matches this crate's.
pub use crossbeam_channel;
pub use debug_output::DEBUG_OUTPUT_LOG_TARGET;
pub use error::{Error, Result};
pub use events::{ConnectionStatusChanged, Event, GlobalEvents};
pub use fake_ip::FakeUdpPort;
pub use hosted::{GameCoordinatorLogin, HostedAddress};
pub use identity::{NetworkIdentity, SteamId};
pub use ids::{ConnectionId, ListenSocketId, PollGroupId};
pub use listen_socket::ListenSocket;
pub use message::{Message, Timestamp};
pub use messages::NetworkingMessages;
pub use p2p::Signal;
pub use p2p::rendezvous::{MAX_SIGNALING_LINE, SignalingClient, SignalingServer};
pub use poll_group::PollGroup;
pub use raw::types::ResultCode;
pub use relay::pop::{ParsePopIdError, PopId};
pub use relay::{PingEstimate, PingLocation};
pub use send::backlog::RELIABLE_BACKLOG_LIMIT;
pub use send::flags::{SendFlags, SendOptions};
pub use send::{MAX_MESSAGE_SIZE, MAX_UNRELIABLE_MESSAGE_SIZE, Outgoing, Payload};
pub use sockets::{
    CallbackThread, GameServerConfig, InterfaceKind, PairTransport, ServerMode, Sockets,
};
pub use status::{Availability, FakeIpResult, FakeIpType, RelayNetworkStatus, ServiceStatus};
