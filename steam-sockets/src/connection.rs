//! Connections: sending, receiving, closing, and what the library knows about them.

use std::ffi::c_int;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use bytes::Bytes;

use steam_sockets_sys as sys;

use crate::address;
use crate::error::{Error, Result, check};
use crate::events::routes;
use crate::ffi::{c_string, string_from_buf};
use crate::identity::NetworkIdentity;
use crate::message::{Backlog, Data, MAX_MESSAGE_SIZE, Message, SendFlags, receive_into};
use crate::poll_group::PollGroup;
use crate::socket::ListenSocketId;
use crate::sockets::Api;

/// A connection's handle, as found in events and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub(crate) u32);

impl ConnectionId {
    /// The raw `HSteamNetConnection`.
    pub const fn raw(self) -> u32 {
        self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

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
    /// The peer closed the connection. Drop or close the [`Connection`] to free it.
    ClosedByPeer,
    /// A problem was detected locally (timeout, network error). Drop or close the
    /// [`Connection`] to free it.
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

impl ConnectionState {
    pub(crate) fn from_raw(raw: sys::ESteamNetworkingConnectionState) -> ConnectionState {
        use sys::ESteamNetworkingConnectionState as S;
        match raw {
            S::None => ConnectionState::None,
            S::Connecting => ConnectionState::Connecting,
            S::FindingRoute => ConnectionState::FindingRoute,
            S::Connected => ConnectionState::Connected,
            S::ClosedByPeer => ConnectionState::ClosedByPeer,
            S::ProblemDetectedLocally => ConnectionState::ProblemDetectedLocally,
            S::FinWait => ConnectionState::FinWait,
            S::Linger => ConnectionState::Linger,
            S::Dead => ConnectionState::Dead,
            other => ConnectionState::Unknown(other.0),
        }
    }
}

/// Why a connection ended: an `ESteamNetConnectionEnd` value or an application code.
///
/// Applications close connections with codes in `1000..=1999` (normal) or `2000..=2999`
/// (exceptional); [`EndReason::app`] and [`EndReason::app_exception`] build them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndReason(i32);

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
    /// [`Error::InvalidArgument`] if `code` is 1000 or more.
    pub fn app(code: u16) -> Result<EndReason> {
        Self::in_range(1000, code)
    }

    /// An exceptional application close code: `2000 + code`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `code` is 1000 or more.
    pub fn app_exception(code: u16) -> Result<EndReason> {
        Self::in_range(2000, code)
    }

    fn in_range(base: i32, code: u16) -> Result<EndReason> {
        if code < 1000 {
            Ok(EndReason(base + i32::from(code)))
        } else {
            Err(Error::InvalidArgument(format!("application end code {code} is not below 1000")))
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
        const UNAUTHENTICATED = sys::k_nSteamNetworkConnectionInfoFlags_Unauthenticated;
        /// Traffic is not encrypted.
        const UNENCRYPTED = sys::k_nSteamNetworkConnectionInfoFlags_Unencrypted;
        /// In-process loopback buffers (a socket pair).
        const LOOPBACK_BUFFERS = sys::k_nSteamNetworkConnectionInfoFlags_LoopbackBuffers;
        /// Fast: LAN or localhost.
        const FAST = sys::k_nSteamNetworkConnectionInfoFlags_Fast;
        /// Relayed (SDR or TURN).
        const RELAYED = sys::k_nSteamNetworkConnectionInfoFlags_Relayed;
        /// Dual-wifi multi-path.
        const DUAL_WIFI = sys::k_nSteamNetworkConnectionInfoFlags_DualWifi;
    }
}

/// Largest number of lanes a connection can have.
pub const MAX_LANES: usize = 255;

/// One outbound lane of a connection (see [`Connection::configure_lanes`]).
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

impl LaneStatus {
    fn from_raw(raw: &sys::SteamNetConnectionRealTimeLaneStatus_t) -> LaneStatus {
        LaneStatus {
            pending_unreliable: count(raw.m_cbPendingUnreliable),
            pending_reliable: count(raw.m_cbPendingReliable),
            sent_unacked_reliable: count(raw.m_cbSentUnackedReliable),
            queue_time: queue_time(raw.m_usecQueueTime),
        }
    }
}

/// A snapshot of a connection's health and queues (see [`Connection::realtime_status`]).
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
    /// One entry per lane, in lane order.
    pub lanes: Vec<LaneStatus>,
}

impl RealtimeStatus {
    fn from_raw(
        raw: &sys::SteamNetConnectionRealTimeStatus_t,
        lanes: &[sys::SteamNetConnectionRealTimeLaneStatus_t],
    ) -> RealtimeStatus {
        RealtimeStatus {
            state: ConnectionState::from_raw(raw.m_eState),
            ping: u64::try_from(raw.m_nPing).ok().map(Duration::from_millis),
            quality_local: raw.m_flConnectionQualityLocal,
            quality_remote: raw.m_flConnectionQualityRemote,
            out_packets_per_sec: raw.m_flOutPacketsPerSec,
            out_bytes_per_sec: raw.m_flOutBytesPerSec,
            in_packets_per_sec: raw.m_flInPacketsPerSec,
            in_bytes_per_sec: raw.m_flInBytesPerSec,
            send_rate_bytes_per_sec: count(raw.m_nSendRateBytesPerSecond),
            pending_unreliable: count(raw.m_cbPendingUnreliable),
            pending_reliable: count(raw.m_cbPendingReliable),
            sent_unacked_reliable: count(raw.m_cbSentUnackedReliable),
            queue_time: queue_time(raw.m_usecQueueTime),
            max_jitter: u64::try_from(raw.m_usecMaxJitter).ok().map(Duration::from_micros),
            lanes: lanes.iter().map(LaneStatus::from_raw).collect(),
        }
    }
}

/// A byte or packet count from the library; negative values (never expected) read as 0.
fn count(n: c_int) -> usize {
    usize::try_from(n).unwrap_or(0)
}

/// A queue time from the library, which reports "unknown" as its largest value.
fn queue_time(us: i64) -> Option<Duration> {
    u64::try_from(us).ok().filter(|_| us != i64::MAX).map(Duration::from_micros)
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
    pub(crate) fn from_raw(raw: &sys::SteamNetConnectionInfo_t) -> ConnectionInfo {
        // Copy every field out first: the struct is packed, so no references into it.
        let (identity, addr, listen) =
            (raw.m_identityRemote, raw.m_addrRemote, raw.m_hListenSocket);
        let (end_debug, description) = (raw.m_szEndDebug, raw.m_szConnectionDescription);
        ConnectionInfo {
            state: ConnectionState::from_raw(raw.m_eState),
            remote_identity: NetworkIdentity::from_raw(&identity),
            remote_addr: address::from_raw_nonzero(&addr),
            listen_socket: (listen != sys::k_HSteamListenSocket_Invalid)
                .then_some(ListenSocketId(listen)),
            user_data: raw.m_nUserData,
            end_reason: EndReason(raw.m_eEndReason),
            end_debug: string_from_buf(&end_debug),
            description: string_from_buf(&description),
            flags: ConnectionFlags::from_bits_retain(raw.m_nFlags),
        }
    }

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

/// A close or reject refused before anything happened, because an argument was invalid.
/// The object is handed back untouched.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct CloseError<T: fmt::Debug> {
    /// Why it was refused.
    pub error: Error,
    /// The connection, still open.
    pub object: T,
}

impl<T: fmt::Debug> From<CloseError<T>> for Error {
    fn from(refused: CloseError<T>) -> Error {
        refused.error
    }
}

/// Validates the arguments of a close before anything is done.
fn close_args(reason: EndReason, debug: &str) -> Result<std::ffi::CString> {
    if reason != EndReason::INVALID && !reason.is_app() {
        return Err(Error::InvalidArgument(format!(
            "close reason {} is not an application code (1000..=2999)",
            reason.0
        )));
    }
    c_string("close debug text", debug)
}

/// An open connection. Dropping it closes it at once (no linger); use
/// [`close`](Connection::close) to give a reason or to flush queued reliable messages first.
///
/// All methods take `&self` and may be called from any thread.
pub struct Connection {
    pub(crate) api: Api,
    pub(crate) handle: sys::HSteamNetConnection,
    /// Outbound lanes configured so far (the library never reduces it), kept here so lane
    /// indices and status queries can be checked without asking the library.
    lanes: AtomicU16,
    /// Reliable messages in the library (see [`RELIABLE_BACKLOG_LIMIT`](crate::RELIABLE_BACKLOG_LIMIT)).
    pub(crate) backlog: Backlog,
}

impl Connection {
    pub(crate) fn new(api: Api, handle: sys::HSteamNetConnection) -> Connection {
        Connection { api, handle, lanes: AtomicU16::new(1), backlog: Backlog::default() }
    }

    /// The connection's handle.
    pub fn id(&self) -> ConnectionId {
        ConnectionId(self.handle)
    }

    /// Sends one message and returns its message number.
    ///
    /// # Errors
    /// [`Error::MessageTooLarge`] above [`MAX_MESSAGE_SIZE`]; [`Error::SendBufferFull`] when the
    /// send buffer is full (back-pressure: retry later); [`Error::NotConnected`] when the
    /// connection is closed or not yet connected; [`Error::InvalidHandle`] when the library has
    /// destroyed it.
    #[inline]
    pub fn send(&self, data: &[u8], flags: SendFlags) -> Result<i64> {
        if data.len() > MAX_MESSAGE_SIZE {
            return Err(Error::MessageTooLarge { size: data.len(), max: MAX_MESSAGE_SIZE });
        }
        let reliable = flags.contains(SendFlags::RELIABLE);
        if reliable {
            self.backlog.count(self, data.len(), "SendMessageToConnection")?;
        }
        let mut number = 0i64;
        // SAFETY: the interface is live (libraries are never shut down by this crate); `data` is
        // readable for its length, which fits in u32 (checked above); `number` is writable.
        let result = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(
                self.api.sockets(),
                self.handle,
                data.as_ptr().cast(),
                data.len() as u32,
                flags.bits(),
                &mut number,
            )
        };
        if let Err(e) = check("SendMessageToConnection", result) {
            if reliable {
                self.backlog.uncount(data.len());
            }
            return Err(e);
        }
        Ok(number)
    }

    /// Appends up to `max` received messages to `buf` and returns how many.
    ///
    /// A receive loop that reuses `buf` (after draining it) allocates nothing once `buf` has
    /// grown to hold `max` messages.
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the library has destroyed the connection.
    #[inline]
    pub fn receive(&self, buf: &mut Vec<Message>, max: usize) -> Result<usize> {
        receive_into("ReceiveMessagesOnConnection", buf, max, |out, max| {
            // SAFETY: `out` has room for `max` message pointers (see `receive_into`).
            unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnConnection(
                    self.api.sockets(),
                    self.handle,
                    out,
                    max,
                )
            }
        })
    }

    /// Sends any messages waiting for Nagle right away.
    ///
    /// # Errors
    /// As for [`send`](Connection::send).
    pub fn flush(&self) -> Result<()> {
        // SAFETY: live interface; any handle value is accepted.
        let result = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_FlushMessagesOnConnection(
                self.api.sockets(),
                self.handle,
            )
        };
        check("FlushMessagesOnConnection", result)
    }

    /// What the library knows about the connection.
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the library has destroyed the connection.
    pub fn info(&self) -> Result<ConnectionInfo> {
        let mut raw = std::mem::MaybeUninit::<sys::SteamNetConnectionInfo_t>::zeroed();
        // SAFETY: live interface; `raw` is writable for one struct.
        let ok = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetConnectionInfo(
                self.api.sockets(),
                self.handle,
                raw.as_mut_ptr(),
            )
        };
        if !ok {
            return Err(Error::InvalidHandle { function: "GetConnectionInfo" });
        }
        // SAFETY: the struct is plain data, zero-initialised and then filled by the library.
        Ok(ConnectionInfo::from_raw(unsafe { raw.assume_init_ref() }))
    }

    /// Moves the connection into `group` (`None`: out of any group). Messages that already
    /// arrived move with it.
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the connection or the group no longer exists.
    pub fn set_poll_group(&self, group: Option<&PollGroup>) -> Result<()> {
        let group = group.map_or(sys::k_HSteamNetPollGroup_Invalid, |g| g.id().raw());
        // SAFETY: live interface; any handle values are accepted.
        let ok = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_SetConnectionPollGroup(
                self.api.sockets(),
                self.handle,
                group,
            )
        };
        if ok { Ok(()) } else { Err(Error::InvalidHandle { function: "SetConnectionPollGroup" }) }
    }

    /// Configures the connection's outbound lanes: independent message streams, each in order
    /// and with its own message numbers, scheduled by priority (lower numbers first: a lane is
    /// served only while every lane with a lower number is empty) and, among equal priorities,
    /// by weight. Send on a lane with [`send_on_lane`](Connection::send_on_lane) or
    /// [`Sockets::send_messages`](crate::Sockets::send_messages).
    ///
    /// ```no_run
    /// # fn demo(conn: &steam_sockets::Connection) -> steam_sockets::Result<()> {
    /// use steam_sockets::Lane;
    /// // Lane 0: game state, always first. Lanes 1 and 2: chat and downloads, sharing what is
    /// // left 3:1.
    /// conn.configure_lanes(&[
    ///     Lane { priority: 0, weight: 1 },
    ///     Lane { priority: 10, weight: 3 },
    ///     Lane { priority: 10, weight: 1 },
    /// ])?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for no lanes, more than [`MAX_LANES`], fewer lanes than
    /// already configured (the library cannot remove lanes), or a weight of 0; [`Error::InvalidHandle`] if the
    /// connection no longer exists; [`Error::Library`] if the peer cannot use lanes.
    pub fn configure_lanes(&self, lanes: &[Lane]) -> Result<()> {
        let current = usize::from(self.lane_count());
        if lanes.iter().any(|lane| lane.weight == 0) {
            return Err(Error::InvalidArgument("lane weights must be positive".into()));
        }
        if lanes.is_empty() || lanes.len() > MAX_LANES || lanes.len() < current {
            return Err(Error::InvalidArgument(format!(
                "{} lanes: a connection has 1 to {MAX_LANES} lanes and cannot lose any (it has \
                 {current})",
                lanes.len()
            )));
        }
        // The C API takes two arrays of one length; building both from one slice keeps them equal.
        let priorities: Vec<c_int> = lanes.iter().map(|l| l.priority).collect();
        let weights: Vec<u16> = lanes.iter().map(|l| l.weight).collect();
        // SAFETY: live interface; both arrays hold `lanes.len()` (1..=255) elements.
        let result = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_ConfigureConnectionLanes(
                self.api.sockets(),
                self.handle,
                lanes.len() as c_int,
                priorities.as_ptr(),
                weights.as_ptr(),
            )
        };
        if result != sys::EResult::OK {
            // The codes do not tell a dead handle from bad lanes; the handle can be checked.
            self.info()
                .map_err(|_| Error::InvalidHandle { function: "ConfigureConnectionLanes" })?;
            if result == sys::EResult::InvalidParam {
                return Err(Error::InvalidArgument(format!(
                    "the library rejected the lanes {lanes:?}"
                )));
            }
            check("ConfigureConnectionLanes", result)?;
        }
        self.lanes.store(lanes.len() as u16, Ordering::Relaxed);
        Ok(())
    }

    /// Number of outbound lanes (1 until [`configure_lanes`](Connection::configure_lanes)).
    #[inline]
    pub fn lane_count(&self) -> u16 {
        self.lanes.load(Ordering::Relaxed)
    }

    /// Sends one message on `lane` and returns its message number on that lane.
    ///
    /// # Errors
    /// [`Error::InvalidLane`] if `lane` is not below [`lane_count`](Connection::lane_count);
    /// otherwise as for [`send`](Connection::send).
    pub fn send_on_lane(&self, lane: u16, data: &[u8], flags: SendFlags) -> Result<i64> {
        crate::message::send_one(self.api, self, Data::Copy(data), flags, lane)
    }

    /// Sends `bytes` without copying them: the library keeps a reference until it is done
    /// with the data. Returns the message number. In a steady send loop this allocates nothing
    /// in Rust (a `Bytes` clone is a reference-count increment).
    ///
    /// ```no_run
    /// # fn demo(conn: &steam_sockets::Connection) -> steam_sockets::Result<()> {
    /// use bytes::Bytes;
    /// use steam_sockets::SendFlags;
    /// let level = Bytes::from(vec![0u8; 64 * 1024]);
    /// conn.send_bytes(level.clone(), SendFlags::RELIABLE)?; // shares, does not copy
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As for [`send`](Connection::send).
    pub fn send_bytes(&self, bytes: Bytes, flags: SendFlags) -> Result<i64> {
        crate::message::send_one(self.api, self, Data::Share(bytes), flags, 0)
    }

    /// Sets the connection's name, shown in the library's debug output and descriptions.
    ///
    /// # Errors
    /// [`Error::InteriorNul`] if `name` contains NUL; [`Error::InvalidHandle`] if the
    /// connection no longer exists.
    pub fn set_name(&self, name: &str) -> Result<()> {
        let name = c_string("connection name", name)?;
        self.info()?;
        // SAFETY: live interface; `name` is a valid C string for the call (the library copies).
        unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_SetConnectionName(
                self.api.sockets(),
                self.handle,
                name.as_ptr(),
            );
        }
        Ok(())
    }

    /// The connection's name (empty unless set).
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the connection no longer exists.
    pub fn name(&self) -> Result<String> {
        let mut buf: [std::ffi::c_char; 128] = [0; 128];
        // SAFETY: live interface; `buf` is writable for its length, which is passed.
        let ok = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetConnectionName(
                self.api.sockets(),
                self.handle,
                buf.as_mut_ptr(),
                buf.len() as c_int,
            )
        };
        if ok {
            Ok(string_from_buf(&buf))
        } else {
            Err(Error::InvalidHandle { function: "GetConnectionName" })
        }
    }

    /// Sets the connection's user data, a number the application chooses. It is copied into
    /// every message received afterwards ([`Message::connection_user_data`]) and into
    /// [`ConnectionInfo::user_data`].
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the connection no longer exists.
    pub fn set_user_data(&self, user_data: i64) -> Result<()> {
        // SAFETY: live interface; any handle value is accepted.
        let ok = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_SetConnectionUserData(
                self.api.sockets(),
                self.handle,
                user_data,
            )
        };
        if ok { Ok(()) } else { Err(Error::InvalidHandle { function: "SetConnectionUserData" }) }
    }

    /// The connection's user data (-1 unless set).
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the connection no longer exists.
    pub fn user_data(&self) -> Result<i64> {
        // SAFETY: live interface; any handle value is accepted.
        let value = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetConnectionUserData(
                self.api.sockets(),
                self.handle,
            )
        };
        // -1 is both the default value and the library's answer for a bad handle.
        if value == -1 {
            self.info().map_err(|_| Error::InvalidHandle { function: "GetConnectionUserData" })?;
        }
        Ok(value)
    }

    /// Bytes of reliable data of this connection the library holds (queued, or sent and not
    /// yet acknowledged). Allocates nothing.
    pub(crate) fn reliable_bytes_held(&self) -> Result<usize> {
        let raw = self.raw_realtime_status(&mut Vec::new(), 0)?;
        Ok(count(raw.m_cbPendingReliable) + count(raw.m_cbSentUnackedReliable))
    }

    /// A quick snapshot of the connection's health and queues, with one [`LaneStatus`] per
    /// configured lane.
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the connection no longer exists.
    pub fn realtime_status(&self) -> Result<RealtimeStatus> {
        let lane_count = usize::from(self.lane_count());
        let mut raw_lanes = Vec::with_capacity(lane_count);
        let raw = self.raw_realtime_status(&mut raw_lanes, lane_count)?;
        Ok(RealtimeStatus::from_raw(&raw, &raw_lanes))
    }

    /// `GetConnectionRealTimeStatus`, with the status of the first `lane_count` lanes appended
    /// to `lanes` (which has room for them).
    fn raw_realtime_status(
        &self,
        lanes: &mut Vec<sys::SteamNetConnectionRealTimeLaneStatus_t>,
        lane_count: usize,
    ) -> Result<sys::SteamNetConnectionRealTimeStatus_t> {
        debug_assert!(lanes.is_empty() && lanes.capacity() >= lane_count);
        let mut raw = std::mem::MaybeUninit::<sys::SteamNetConnectionRealTimeStatus_t>::zeroed();
        // SAFETY: live interface; `raw` is writable; `lanes` has room for `lane_count` lane
        // structs, the count passed (none are written when it is 0).
        let result = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetConnectionRealTimeStatus(
                self.api.sockets(),
                self.handle,
                raw.as_mut_ptr(),
                lane_count as c_int,
                lanes.as_mut_ptr(),
            )
        };
        // This function reports a bad handle as NoConnection, not InvalidParam.
        if result == sys::EResult::NoConnection {
            return Err(Error::InvalidHandle { function: "GetConnectionRealTimeStatus" });
        }
        check("GetConnectionRealTimeStatus", result)?;
        // SAFETY: on success the library filled all `lane_count` lane structs (plain data).
        unsafe { lanes.set_len(lane_count) };
        // SAFETY: zero-initialised plain data, filled by the library on success.
        Ok(unsafe { raw.assume_init() })
    }

    /// A detailed, human-readable status report of the connection, for debugging: its
    /// description (handle, transport, peer address) on the first line, then the library's
    /// report (rates, ping, quality, queues).
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the connection no longer exists.
    pub fn detailed_status(&self) -> Result<String> {
        // GNS's report does not name the peer; the description does.
        let description = self.info()?.description;
        let mut buf: Vec<std::ffi::c_char> = vec![0; 4096];
        loop {
            // SAFETY: live interface; `buf` is writable for its length, which is passed.
            let needed = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_GetDetailedConnectionStatus(
                    self.api.sockets(),
                    self.handle,
                    buf.as_mut_ptr(),
                    buf.len() as c_int,
                )
            };
            match needed {
                0 => return Ok(format!("{description}\n{}", string_from_buf(&buf))),
                n if n > 0 && (n as usize) > buf.len() && n < (1 << 24) => {
                    buf.resize(n as usize, 0)
                }
                _ => return Err(Error::InvalidHandle { function: "GetDetailedConnectionStatus" }),
            }
        }
    }

    /// Closes the connection, telling the peer `reason` and `debug` (at most 127 bytes are
    /// sent). With `linger`, queued reliable messages are still delivered first.
    ///
    /// # Errors
    /// Refused, with the connection handed back open, if `reason` is not
    /// [`EndReason::INVALID`] or an application code, or if `debug` contains NUL.
    /// [`Error::InvalidHandle`] (without the connection) if the library had already destroyed it.
    pub fn close(
        self,
        reason: EndReason,
        debug: &str,
        linger: bool,
    ) -> Result<(), CloseError<Connection>> {
        let debug = match close_args(reason, debug) {
            Ok(debug) => debug,
            Err(error) => return Err(CloseError { error, object: self }),
        };
        // Taking the handle out leaves `Drop` nothing to close, so it is closed once, here.
        let mut this = self;
        let handle = std::mem::replace(&mut this.handle, sys::k_HSteamNetConnection_Invalid);
        routes::forget_connection(handle);
        // SAFETY: live interface; `debug` is a valid C string for the call.
        let ok = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_CloseConnection(
                this.api.sockets(),
                handle,
                reason.0,
                debug.as_ptr(),
                linger,
            )
        };
        if ok {
            Ok(())
        } else {
            // Nothing is left to hand back: the library had already destroyed it.
            Err(CloseError {
                error: Error::InvalidHandle { function: "CloseConnection" },
                object: Connection::new(this.api, sys::k_HSteamNetConnection_Invalid),
            })
        }
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Connection").field(&self.handle).finish()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if self.handle == sys::k_HSteamNetConnection_Invalid {
            return;
        }
        routes::forget_connection(self.handle);
        close_raw(self.api, self.handle);
    }
}

/// Closes a handle without reason or linger. A handle the library already destroyed is fine.
fn close_raw(api: Api, handle: sys::HSteamNetConnection) {
    // SAFETY: live interface; a null debug string is allowed.
    unsafe {
        sys::SteamAPI_ISteamNetworkingSockets_CloseConnection(
            api.sockets(),
            handle,
            0,
            std::ptr::null(),
            false,
        );
    }
}

/// A connection request that arrived on a [`ListenSocket`](crate::ListenSocket), delivered as
/// [`Event::Incoming`](crate::Event::Incoming). Accept or reject it; dropping it rejects it.
#[must_use = "an incoming connection is rejected when dropped; call accept() to take it"]
pub struct IncomingConnection {
    // Owns the handle: dropping the request closes it through `Connection`'s drop.
    connection: Connection,
    // Boxed to keep `Event` and `CloseError<IncomingConnection>` small.
    info: Box<ConnectionInfo>,
}

impl IncomingConnection {
    pub(crate) fn new(api: Api, handle: sys::HSteamNetConnection, info: ConnectionInfo) -> Self {
        IncomingConnection { connection: Connection::new(api, handle), info: Box::new(info) }
    }

    /// The connection's handle.
    pub fn id(&self) -> ConnectionId {
        self.connection.id()
    }

    /// The request as the library reported it: remote identity, address, listen socket.
    pub fn info(&self) -> &ConnectionInfo {
        &self.info
    }

    /// Accepts the connection.
    ///
    /// # Errors
    /// [`Error::NotConnected`] (`InvalidState`) if the peer gave up in the meantime,
    /// [`Error::InvalidHandle`] if the library already destroyed the connection. Either way the
    /// request is gone.
    pub fn accept(self) -> Result<Connection> {
        let conn = self.connection;
        // SAFETY: live interface; any handle value is accepted.
        let result = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_AcceptConnection(conn.api.sockets(), conn.handle)
        };
        check("AcceptConnection", result)?;
        Ok(conn)
    }

    /// Rejects the connection with a reason and explanation the peer will see.
    ///
    /// # Errors
    /// Refused, with the request handed back, if `reason` is not [`EndReason::INVALID`] or an
    /// application code, or if `debug` contains NUL.
    pub fn reject(
        self,
        reason: EndReason,
        debug: &str,
    ) -> Result<(), CloseError<IncomingConnection>> {
        let IncomingConnection { connection, info } = self;
        match connection.close(reason, debug, false) {
            // Refused arguments: the request is handed back as it was.
            Err(CloseError { error, object })
                if object.handle != sys::k_HSteamNetConnection_Invalid =>
            {
                Err(CloseError { error, object: IncomingConnection { connection: object, info } })
            }
            // Closed, or the library had already destroyed it: rejected either way.
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for IncomingConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IncomingConnection")
            .field("id", &self.connection.handle)
            .field("remote_addr", &self.info.remote_addr)
            .field("remote_identity", &self.info.remote_identity)
            .finish()
    }
}
