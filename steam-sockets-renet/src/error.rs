//! The transport's error type.

use renet::ClientId;
use steam_sockets::CloseReason;

/// What can go wrong in a transport call.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The networking library refused a call (listening, connecting, creating the poll
    /// group, sending); it says why.
    #[error(transparent)]
    Sockets(#[from] steam_sockets::Error),
    /// No client of this transport has that id (never connected, or already gone).
    #[error("no client {0} on this transport")]
    UnknownClient(ClientId),
    /// The client's connection has ended; `None` if it was closed locally before the library
    /// reported a reason.
    #[error("the connection has ended{}", .0.as_ref().map(|r| format!(": {:?} {} ({})", r.closed_by, r.end.raw(), r.debug)).unwrap_or_default())]
    Disconnected(Option<CloseReason>),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
