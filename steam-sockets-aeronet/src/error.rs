//! Why a session or a server ended, as the `ByError` reasons aeronet reports.

use steam_sockets::CloseReason;

/// The error in a [`DisconnectReason::ByError`](aeronet_io::connection::DisconnectReason::ByError)
/// or [`CloseReason::ByError`](aeronet_io::server::CloseReason::ByError) of this IO layer (get
/// it back with `BevyError::downcast_ref::<SessionError>()`), and the error of
/// [`SessionRequest::respond`](crate::SessionRequest::respond).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// The networking library refused a call (listening, connecting, accepting); it says why.
    #[error(transparent)]
    Sockets(#[from] steam_sockets::Error),
    /// The connection ended on this side without either application closing it: a timeout, or
    /// a problem the library detected (its [`CloseReason`] says which). A peer that closed the
    /// connection is `DisconnectReason::ByPeer` instead.
    #[error("the connection ended: {:?} {} ({})", .0.closed_by, .0.end.raw(), .0.debug)]
    Closed(CloseReason),
    /// A session or server was created without a [`SteamSockets`](crate::SteamSockets) resource
    /// in the world.
    #[error("no SteamSockets resource: insert one before spawning sessions or servers")]
    NoSteamSockets,
    /// [`SessionRequest::respond`](crate::SessionRequest::respond) was called on a request that
    /// already had its answer.
    #[error("this session request was already answered")]
    AlreadyAnswered,
}
