//! What the library knows about a connection: its state, why it ended, its lanes and queues.
//! Plain values, built by the raw layer from the library's structs (`raw/convert.rs`).

use std::net::SocketAddr;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::identity::NetworkIdentity;
use crate::ids::ListenSocketId;
use crate::raw::types::connection_flags as flags;

/// High-level state of a connection.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// No connection (also the state reported for an unknown handle).
    None,
    /// Connecting, or (inbound) waiting to be accepted.
    Connecting,
    /// Finding a route (P2P and relayed connections).
    FindingRoute,
    /// Connected: messages flow.
    Connected,
    /// The peer closed the connection. Drop or close the [`Connection`](crate::Connection) to free
    /// it.
    ClosedByPeer,
    /// A problem was detected locally (timeout, network error). Drop or close the
    /// [`Connection`](crate::Connection) to free it.
    ProblemDetectedLocally,
    /// Closed locally, waiting for the peer to acknowledge.
    FinWait,
    /// Closed locally, still flushing reliable data (linger).
    Linger,
    /// Dead.
    Dead,
    /// A state this crate does not know, by its raw value.
    Unknown(i32),
}

/// Why a connection ended: an `ESteamNetConnectionEnd` value or an application code.
///
/// Applications close connections with codes in `1000..=1999` (normal) or `2000..=2999`
/// (exceptional); [`EndReason::app`] and [`EndReason::app_exception`] build them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndReason(pub(crate) i32);

impl EndReason {
    /// No reason recorded.
    pub const INVALID: EndReason = EndReason(0);
    /// Generic normal close by the application (1000).
    pub const APP_GENERIC: EndReason = EndReason(1000);
    /// Generic exceptional close by the application (2000).
    pub const APP_EXCEPTION_GENERIC: EndReason = EndReason(2000);
    /// The remote host stopped responding (4001).
    pub const REMOTE_TIMEOUT: EndReason = EndReason(4001);
    /// Connecting timed out, or no data from the peer for too long (5003).
    pub const MISC_TIMEOUT: EndReason = EndReason(5003);
    /// Internal error (5002).
    pub const MISC_INTERNAL_ERROR: EndReason = EndReason(5002);
    /// The peer sent a packet for a connection it does not know (5010).
    pub const MISC_PEER_SENT_NO_CONNECTION: EndReason = EndReason(5010);

    /// A normal application close code: `1000 + code`.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] if `code` is 1000 or more.
    pub fn app(code: u16) -> Result<EndReason> {
        Self::in_range(1000, code)
    }

    /// An exceptional application close code: `2000 + code`.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] if `code` is 1000 or more.
    pub fn app_exception(code: u16) -> Result<EndReason> {
        Self::in_range(2000, code)
    }

    fn in_range(base: i32, code: u16) -> Result<EndReason> {
        if code < 1000 {
            Ok(EndReason(base + i32::from(code)))
        } else {
            Err(Error::OutOfRange {
                what: "application end code",
                detail: format!("{code} is not below 1000"),
            })
        }
    }

    /// Wraps any raw value, as reported by the library.
    pub const fn from_raw(raw: i32) -> EndReason {
        EndReason(raw)
    }

    /// The raw value.
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// Whether this is an application code (normal or exceptional).
    pub const fn is_app(self) -> bool {
        1000 <= self.0 && self.0 <= 2999
    }

    /// Whether this reports a timeout.
    pub const fn is_timeout(self) -> bool {
        self.0 == Self::REMOTE_TIMEOUT.0 || self.0 == Self::MISC_TIMEOUT.0
    }
}

/// Who or what ended a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClosedBy {
    /// The peer closed it.
    Peer,
    /// A problem was detected locally (other than a timeout).
    ProblemDetectedLocally,
    /// The peer stopped responding, or connecting took too long.
    TimedOut,
    /// This side closed it.
    Local,
}

/// How a connection ended: who closed it, the end code and the debug text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CloseReason {
    /// Who or what ended it.
    pub closed_by: ClosedBy,
    /// The end code.
    pub end: EndReason,
    /// Human-readable explanation (set by the closing side or the library).
    pub debug: String,
}

bitflags::bitflags! {
    /// Properties of a connection (`k_nSteamNetworkConnectionInfoFlags_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct ConnectionFlags: i32 {
        /// The remote host has no certificate.
        const UNAUTHENTICATED = flags::UNAUTHENTICATED;
        /// Traffic is not encrypted.
        const UNENCRYPTED = flags::UNENCRYPTED;
        /// In-process loopback buffers (a socket pair).
        const LOOPBACK_BUFFERS = flags::LOOPBACK_BUFFERS;
        /// Fast: LAN or localhost.
        const FAST = flags::FAST;
        /// Relayed (SDR or TURN).
        const RELAYED = flags::RELAYED;
        /// Dual-wifi multi-path.
        const DUAL_WIFI = flags::DUAL_WIFI;
    }
}

/// Largest number of lanes a connection can have.
pub const MAX_LANES: usize = 255;

/// One outbound lane of a connection (see
/// [`Connection::configure_lanes`](crate::Connection::configure_lanes)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lane {
    /// Scheduling priority: lanes with a lower value are served first; a lane sends only while
    /// every lane with a lower value is empty. Only the order matters, not the magnitude.
    pub priority: i32,
    /// Share of the bandwidth among lanes of equal priority, relative to the others; positive.
    pub weight: u16,
}

/// Queue status of one lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LaneStatus {
    /// Unreliable bytes waiting to be sent.
    pub pending_unreliable: usize,
    /// Reliable bytes waiting to be sent.
    pub pending_reliable: usize,
    /// Reliable bytes sent but not yet acknowledged.
    pub sent_unacked_reliable: usize,
    /// Estimated time until data queued now on this lane would be sent; `None` when the
    /// library does not know (not connected).
    pub queue_time: Option<Duration>,
}

/// A snapshot of a connection's health and queues (see
/// [`Connection::realtime_status`](crate::Connection::realtime_status)).
///
/// GameNetworkingSockets measures the rates and qualities over 5-second intervals: until the
/// first interval of a connection ends they read 0 and negative ("unknown"), and afterwards
/// they change once per interval. With more than one lane it does not estimate the
/// connection-wide [`queue_time`](RealtimeStatus::queue_time) (`None`), only each lane's.
/// `examples/status.rs` prints all of it as a table.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct RealtimeStatus {
    /// State.
    pub state: ConnectionState,
    /// Round-trip time, if measured.
    pub ping: Option<Duration>,
    /// Share of packets delivered end-to-end in order, measured locally (0..=1); negative when
    /// unknown.
    pub quality_local: f32,
    /// The same, as measured by the peer.
    pub quality_remote: f32,
    /// Packets sent per second.
    pub out_packets_per_sec: f32,
    /// Bytes sent per second.
    pub out_bytes_per_sec: f32,
    /// Packets received per second.
    pub in_packets_per_sec: f32,
    /// Bytes received per second.
    pub in_bytes_per_sec: f32,
    /// The rate the library estimates it may send at, bytes per second.
    pub send_rate_bytes_per_sec: usize,
    /// Unreliable bytes waiting to be sent (all lanes).
    pub pending_unreliable: usize,
    /// Reliable bytes waiting to be sent (all lanes).
    pub pending_reliable: usize,
    /// Reliable bytes sent but not yet acknowledged.
    pub sent_unacked_reliable: usize,
    /// Estimated time until data queued now would be sent; `None` when the library does not
    /// know: when the connection is not connected, and on GNS whenever it has more than one
    /// lane (read [`lanes`](RealtimeStatus::lanes) then).
    pub queue_time: Option<Duration>,
    /// Largest jitter seen recently, if known.
    pub max_jitter: Option<Duration>,
    /// One entry per lane, in lane order, while the connection is connected; empty before.
    pub lanes: Vec<LaneStatus>,
}

/// What the library knows about a connection.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionInfo {
    /// Current state.
    pub state: ConnectionState,
    /// Who is on the other end.
    pub remote_identity: NetworkIdentity,
    /// The peer's address, when there is one (not for relayed connections).
    pub remote_addr: Option<SocketAddr>,
    /// The listen socket the connection arrived on; `None` if it was initiated locally.
    pub listen_socket: Option<ListenSocketId>,
    /// Application data set on the connection.
    pub user_data: i64,
    /// Why it ended ([`EndReason::INVALID`] while it is alive).
    pub end_reason: EndReason,
    /// Explanation of the end.
    pub end_debug: String,
    /// The library's description, e.g. `#123 UDP 127.0.0.1:27015`.
    pub description: String,
    /// Connection properties.
    pub flags: ConnectionFlags,
}

impl ConnectionInfo {
    /// How the connection ended, or `None` while it is alive.
    pub fn close_reason(&self) -> Option<CloseReason> {
        let closed_by = match self.state {
            ConnectionState::ClosedByPeer => ClosedBy::Peer,
            ConnectionState::ProblemDetectedLocally if self.end_reason.is_timeout() => {
                ClosedBy::TimedOut
            }
            ConnectionState::ProblemDetectedLocally => ClosedBy::ProblemDetectedLocally,
            ConnectionState::FinWait | ConnectionState::Linger | ConnectionState::Dead => {
                ClosedBy::Local
            }
            _ => return None,
        };
        Some(CloseReason { closed_by, end: self.end_reason, debug: self.end_debug.clone() })
    }
}
