//! The crate's error type.

use crate::backend::{BACKEND, Backend};
use crate::config::ConfigKey;
use crate::raw::types::ResultCode;

/// Everything that can go wrong in `steam-sockets`.
///
/// Errors that come from the library keep its raw [`ResultCode`] (see [`Error::result_code`]).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The function needs a library feature this backend does not have (for example FakeIP or
    /// hosted dedicated servers on GameNetworkingSockets).
    #[error("{function} is not supported on the {backend} backend")]
    Unsupported {
        /// The backend this crate was built for.
        backend: Backend,
        /// The unsupported function.
        function: &'static str,
    },

    /// Initialising the Steam API (client or game server) failed.
    #[error("Steam API initialisation failed ({code}): {message}")]
    SteamInit {
        /// Steam's `ESteamAPIInitResult` (1: generic failure, 2: no Steam client, 3: version
        /// mismatch).
        code: i32,
        /// Steam's own explanation, in English.
        message: String,
    },

    /// The Steam API has not been initialised, so there is no interface to attach to.
    #[error("the Steam API is not initialised: initialise it first, or use Sockets::{init}")]
    SteamNotInitialized {
        /// The init function that would initialise it.
        init: &'static str,
    },

    /// Initialising GameNetworkingSockets failed.
    #[error("GameNetworkingSockets initialisation failed: {message}")]
    GnsInit {
        /// The library's explanation.
        message: String,
    },

    /// The handle no longer refers to a live object (for example a connection that the library
    /// destroyed when its listen socket was closed).
    #[error("{function}: invalid or closed handle")]
    InvalidHandle {
        /// The function that rejected the handle.
        function: &'static str,
    },

    /// The connection is closed or not yet connected, so nothing can be sent on it.
    #[error("{function}: the connection is not connected ({result})")]
    NotConnected {
        /// The function that failed.
        function: &'static str,
        /// `NoConnection` (closed) or `InvalidState` (not yet connected).
        result: ResultCode,
    },

    /// Back-pressure: the connection's send buffer is full, or its reliable backlog is (see
    /// [`RELIABLE_BACKLOG_LIMIT`](crate::RELIABLE_BACKLOG_LIMIT)). Nothing was queued; retry
    /// after the library has sent some of the queue (raise `SendBufferSize` for bigger
    /// bursts).
    #[error("{function}: the send buffer is full")]
    SendBufferFull {
        /// The function that failed.
        function: &'static str,
    },

    /// A message is larger than the library accepts: [`MAX_MESSAGE_SIZE`](crate::MAX_MESSAGE_SIZE)
    /// for every message, [`MAX_UNRELIABLE_MESSAGE_SIZE`](crate::MAX_UNRELIABLE_MESSAGE_SIZE)
    /// for an unreliable one. Nothing was queued.
    #[error("message of {size} bytes exceeds the {max}-byte limit")]
    MessageTooLarge {
        /// Size of the rejected message.
        size: usize,
        /// The limit it exceeds.
        max: usize,
    },

    /// The library refused a certificate or certificate request.
    #[error("certificate: {message}")]
    Certificate {
        /// The library's explanation.
        message: String,
    },

    /// Not sent: an earlier message of the same batch to the same connection failed, and the
    /// library stops a connection's messages at its first failure. Nothing was queued; handle
    /// that failure, then resend this message (the order within a lane is preserved).
    #[error("{function}: not attempted after an earlier message to the same connection failed")]
    NotAttempted {
        /// The function that skipped it.
        function: &'static str,
    },

    /// A message was addressed to a lane the connection does not have.
    #[error("lane {lane} does not exist: the connection has {lanes} lane(s)")]
    InvalidLane {
        /// The requested lane.
        lane: u16,
        /// The connection's lane count.
        lanes: u16,
    },

    /// A string argument contains a NUL byte, which C strings cannot carry.
    #[error("{what} contains a NUL byte at offset {position}")]
    InteriorNul {
        /// Which argument.
        what: &'static str,
        /// Byte offset of the first NUL.
        position: usize,
    },

    /// An address string could not be parsed.
    #[error("cannot parse {input:?} as an IP address and port")]
    AddrParse {
        /// The rejected input.
        input: String,
    },

    /// A string could not be parsed as a [`NetworkIdentity`](crate::NetworkIdentity).
    #[error("cannot parse {input:?} as a network identity")]
    IdentityParse {
        /// The rejected input.
        input: String,
    },

    /// An argument is outside the range the library accepts (an application end code, a lane
    /// weight, a configuration value, the length of an identity or a ticket, ...).
    #[error("{what}: {detail}")]
    OutOfRange {
        /// Which argument.
        what: &'static str,
        /// What is wrong with it, and what is accepted.
        detail: String,
    },

    /// A global configuration value was used on a listen socket or connection, or as a
    /// creation option: it can only be set and read with `Sockets::set_global_config` and
    /// `Sockets::global_config`.
    #[error(
        "{key:?} is a global value: it cannot be used {used}; use Sockets::set_global_config or \
         Sockets::global_config"
    )]
    WrongScope {
        /// The value's key.
        key: ConfigKey,
        /// Where it was used (`"on a connection"`, `"as a creation option"`, ...).
        used: &'static str,
    },

    /// A read-only configuration value (computed by the library) was set or reset.
    #[error("{key:?} is read-only: {hint}")]
    ReadOnly {
        /// The value's key.
        key: ConfigKey,
        /// What to set instead.
        hint: &'static str,
    },

    /// A configuration value that cannot be reset at this scope (a connection keeps its
    /// [`ConnectionUserData`](crate::ConfigKey::ConnectionUserData)): set another value
    /// instead.
    #[error("{key:?} cannot be reset {scope}: set another value instead")]
    CannotReset {
        /// The value's key.
        key: ConfigKey,
        /// Where the reset was asked (`"on a connection"`).
        scope: &'static str,
    },

    /// A connection has 1 to [`MAX_LANES`](crate::MAX_LANES) lanes and can never lose one.
    #[error(
        "{requested} lanes: a connection has 1 to 255 lanes and cannot lose any (it has {current})"
    )]
    LaneCount {
        /// How many lanes were asked for.
        requested: usize,
        /// How many the connection has.
        current: usize,
    },

    /// GameNetworkingSockets already runs in this process with another identity, which it
    /// keeps until the process ends.
    #[error("GameNetworkingSockets already runs with identity {current}, not {wanted}")]
    IdentityMismatch {
        /// The identity it runs with (its text form).
        current: String,
        /// The identity asked for (its text form).
        wanted: String,
    },

    /// A string could not be parsed as a [`PopId`](crate::PopId).
    #[error(transparent)]
    PopIdParse(#[from] crate::relay::pop::ParsePopIdError),

    /// The operating system refused to start a thread this crate needs.
    #[error("cannot start the {thread} thread: {message}")]
    Thread {
        /// The thread's purpose (`"callback"`, `"log"`).
        thread: &'static str,
        /// The operating system's explanation.
        message: String,
    },

    /// A socket of this crate's own (the signaling client or server) failed.
    #[error("{what}: {kind}: {message}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The operating system's kind of error.
        kind: std::io::ErrorKind,
        /// Its explanation.
        message: String,
    },

    /// A line of the signaling protocol could not be read (see
    /// [`SignalingClient`](crate::SignalingClient)).
    #[error("malformed signaling line: {reason}")]
    SignalingLine {
        /// What is wrong with it.
        reason: &'static str,
    },

    /// Memory for a buffer could not be reserved (a receive of more messages than fit in
    /// memory).
    #[error("cannot reserve memory for {what}")]
    Allocation {
        /// What the memory was for.
        what: &'static str,
    },

    /// The library returned a configuration value this crate cannot represent: a data type
    /// other than the one the SDK documents for the key, or a value outside the key's
    /// documented range (for example a mode added by a newer library).
    #[error("unexpected {key:?} value from the library: {detail}")]
    UnexpectedConfigValue {
        /// The key that was read.
        key: ConfigKey,
        /// What was wrong with the value.
        detail: String,
    },

    /// The library reported a failure that has no more specific variant.
    #[error("{function} failed with {result}")]
    Library {
        /// The function that failed.
        function: &'static str,
        /// The library's result code.
        result: ResultCode,
    },

    /// The library refused a call that returns only success or failure.
    #[error("{function} failed")]
    Failed {
        /// The function that failed.
        function: &'static str,
    },
}

impl Error {
    /// The library's raw result code, for errors that carry one.
    pub fn result_code(&self) -> Option<ResultCode> {
        match self {
            Error::NotConnected { result, .. } | Error::Library { result, .. } => Some(*result),
            Error::SendBufferFull { .. } => Some(ResultCode::LimitExceeded),
            Error::InvalidHandle { .. } => Some(ResultCode::InvalidParam),
            _ => None,
        }
    }

    /// Maps a failed `EResult` from a call that takes a connection handle.
    pub(crate) fn from_result(function: &'static str, result: ResultCode) -> Error {
        match result {
            ResultCode::InvalidParam => Error::InvalidHandle { function },
            ResultCode::LimitExceeded => Error::SendBufferFull { function },
            ResultCode::NoConnection | ResultCode::InvalidState => {
                Error::NotConnected { function, result }
            }
            _ => Error::Library { function, result },
        }
    }

    pub(crate) fn unsupported(function: &'static str) -> Error {
        Error::Unsupported { backend: BACKEND, function }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Turns an `EResult` into `Ok(())` or the matching [`Error`].
pub(crate) fn check(function: &'static str, result: ResultCode) -> Result<()> {
    if result == ResultCode::OK { Ok(()) } else { Err(Error::from_result(function, result)) }
}

impl Error {
    /// An I/O error of this crate's own sockets, with what was being done.
    pub(crate) fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> Error {
        move |e| Error::Io { what, kind: e.kind(), message: e.to_string() }
    }
}
