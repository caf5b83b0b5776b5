//! Connections: sending, receiving, closing, and what the library knows about them.

use std::fmt;
use std::net::SocketAddr;

use steam_sockets_sys as sys;

use crate::address;
use crate::error::{Error, Result, check};
use crate::events::routes;
use crate::ffi::{c_string, string_from_buf};
use crate::identity::NetworkIdentity;
use crate::message::{MAX_MESSAGE_SIZE, Message, SendFlags, receive_into};
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
}

impl Connection {
    pub(crate) fn new(api: Api, handle: sys::HSteamNetConnection) -> Connection {
        Connection { api, handle }
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
    pub fn send(&self, data: &[u8], flags: SendFlags) -> Result<i64> {
        if data.len() > MAX_MESSAGE_SIZE {
            return Err(Error::MessageTooLarge { size: data.len(), max: MAX_MESSAGE_SIZE });
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
        check("SendMessageToConnection", result)?;
        Ok(number)
    }

    /// Appends up to `max` received messages to `buf` and returns how many.
    ///
    /// A receive loop that reuses `buf` (after draining it) allocates nothing once `buf` has
    /// grown to hold `max` messages.
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the library has destroyed the connection.
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
        connection_info(self.api, self.handle)
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
        let this = std::mem::ManuallyDrop::new(self);
        routes::forget_connection(this.handle);
        // SAFETY: live interface; `debug` is a valid C string for the call. `this` is never
        // used or dropped again, so the handle is closed exactly once.
        let ok = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_CloseConnection(
                this.api.sockets(),
                this.handle,
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
                object: Connection { api: this.api, handle: sys::k_HSteamNetConnection_Invalid },
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

pub(crate) fn connection_info(
    api: Api,
    handle: sys::HSteamNetConnection,
) -> Result<ConnectionInfo> {
    let mut raw = std::mem::MaybeUninit::<sys::SteamNetConnectionInfo_t>::zeroed();
    // SAFETY: live interface; `raw` is writable for one struct.
    let ok = unsafe {
        sys::SteamAPI_ISteamNetworkingSockets_GetConnectionInfo(
            api.sockets(),
            handle,
            raw.as_mut_ptr(),
        )
    };
    if !ok {
        return Err(Error::InvalidHandle { function: "GetConnectionInfo" });
    }
    // SAFETY: the struct is plain data, zero-initialised and then filled by the library.
    Ok(ConnectionInfo::from_raw(unsafe { raw.assume_init_ref() }))
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
        if let Err(error) = close_args(reason, debug) {
            return Err(CloseError { error, object: self });
        }
        // The arguments are valid, so the only possible failure is a connection the library
        // already destroyed, which is what rejecting wants anyway.
        let _ = self.connection.close(reason, debug, false);
        Ok(())
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
