//! Connections: sending, receiving, closing, and what the library knows about them
//! (`info.rs`).

use std::fmt;
use std::sync::atomic::{AtomicU16, Ordering};

pub(crate) mod info;

use info::{ConnectionInfo, EndReason, Lane, MAX_LANES, RealtimeStatus};

use crate::error::{Error, Result, check};
use crate::ids::ConnectionId;
use crate::message::Message;
use crate::poll_group::PollGroup;
use crate::raw::api::Api;
use crate::raw::c_string;
use crate::raw::connection::RawConnection;
use crate::raw::types::{ConnectionHandle, NO_HANDLE, ResultCode};
use crate::raw::utils::Scope;
use crate::send::backlog::Backlog;

/// What happens to reliable messages still queued when a connection is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueuedMessages {
    /// Delivered first: the connection lingers until they are acknowledged (or it times out).
    Deliver,
    /// Dropped: the connection closes at once.
    Discard,
}

/// Why a [`close`](Connection::close) or [`reject`](IncomingConnection::reject) did not do
/// what was asked.
#[derive(Debug, thiserror::Error)]
pub enum CloseError<T: fmt::Debug> {
    /// An argument was invalid (an end reason that is not an application code, a debug text
    /// with NUL): nothing was done, and the object is handed back, still open.
    #[error("{error}")]
    Refused {
        /// Why it was refused.
        error: Error,
        /// The object, still open.
        object: T,
    },
    /// The library had already destroyed the object
    /// ([`Error::InvalidHandle`](crate::Error::InvalidHandle)): nothing is left to hand back.
    #[error("{0}")]
    Destroyed(Error),
}

impl<T: fmt::Debug> CloseError<T> {
    /// The error, either way.
    pub fn error(&self) -> &Error {
        match self {
            CloseError::Refused { error, .. } | CloseError::Destroyed(error) => error,
        }
    }
}

impl<T: fmt::Debug> From<CloseError<T>> for Error {
    fn from(refused: CloseError<T>) -> Error {
        match refused {
            CloseError::Refused { error, .. } | CloseError::Destroyed(error) => error,
        }
    }
}

/// Validates the arguments of a close before anything is done.
fn close_args(reason: EndReason, debug: &str) -> Result<std::ffi::CString> {
    if reason != EndReason::INVALID && !reason.is_app() {
        return Err(Error::OutOfRange {
            what: "close reason",
            detail: format!("{} is not an application code (1000..=2999)", reason.raw()),
        });
    }
    c_string("close debug text", debug)
}

/// An open connection. Dropping it closes it at once (no linger); use
/// [`close`](Connection::close) to give a reason or to flush queued reliable messages first.
///
/// All methods take `&self` and may be called from any thread.
pub struct Connection {
    raw: RawConnection,
    /// Outbound lanes configured so far (the library never reduces it), kept here so lane
    /// indices and status queries can be checked without asking the library.
    lanes: AtomicU16,
    /// Reliable messages in the library (see
    /// [`RELIABLE_BACKLOG_LIMIT`](crate::RELIABLE_BACKLOG_LIMIT)).
    backlog: Backlog,
}

impl Connection {
    pub(crate) fn new(api: Api, handle: ConnectionHandle) -> Connection {
        Connection {
            raw: RawConnection { api, handle },
            lanes: AtomicU16::new(1),
            backlog: Backlog::default(),
        }
    }

    pub(crate) fn api(&self) -> Api {
        self.raw.api
    }

    pub(crate) fn raw(&self) -> RawConnection {
        self.raw
    }

    pub(crate) fn backlog(&self) -> &Backlog {
        &self.backlog
    }

    /// Where this connection's configuration values are set and read.
    pub(crate) fn scope(&self) -> Scope {
        Scope::Connection(self.raw.handle)
    }

    /// The connection's handle.
    pub fn id(&self) -> ConnectionId {
        ConnectionId(self.raw.handle)
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
        self.raw.receive(buf, max)
    }

    /// Sends any messages waiting for Nagle right away.
    ///
    /// # Errors
    /// As for [`send`](Connection::send).
    pub fn flush(&self) -> Result<()> {
        self.raw.flush()
    }

    /// What the library knows about the connection.
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the library has destroyed the connection.
    pub fn info(&self) -> Result<ConnectionInfo> {
        self.raw.info()
    }

    /// Moves the connection into `group` (`None`: out of any group). Messages that already
    /// arrived move with it.
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the connection or the group no longer exists.
    pub fn set_poll_group(&self, group: Option<&PollGroup>) -> Result<()> {
        self.raw.set_poll_group(group.map_or(NO_HANDLE, |g| g.id().raw()))
    }

    /// Configures the connection's outbound lanes: independent message streams, each in order
    /// and with its own message numbers, scheduled by priority (lower numbers first: a lane is
    /// served only while every lane with a lower number is empty) and, among equal priorities,
    /// by weight. Send on a lane with [`send`](Connection::send) and
    /// [`SendFlags::on_lane`](crate::SendFlags::on_lane), or
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
    /// [`Error::LaneCount`] for no lanes, more than [`MAX_LANES`] or fewer lanes than already
    /// configured (the library cannot remove lanes); [`Error::OutOfRange`] for a weight of 0
    /// or lanes the library rejects; [`Error::InvalidHandle`] if the connection no longer
    /// exists; [`Error::Library`] if the peer cannot use lanes.
    pub fn configure_lanes(&self, lanes: &[Lane]) -> Result<()> {
        let current = usize::from(self.lane_count());
        if lanes.iter().any(|lane| lane.weight == 0) {
            return Err(Error::OutOfRange {
                what: "lane weight",
                detail: "0: weights must be positive".into(),
            });
        }
        if lanes.is_empty() || lanes.len() > MAX_LANES || lanes.len() < current {
            return Err(Error::LaneCount { requested: lanes.len(), current });
        }
        // The C API takes two arrays of one length; building both from one slice keeps them equal.
        let priorities: Vec<i32> = lanes.iter().map(|l| l.priority).collect();
        let weights: Vec<u16> = lanes.iter().map(|l| l.weight).collect();
        let (function, result) = self.raw.configure_lanes(&priorities, &weights);
        if result != ResultCode::OK {
            // The codes do not tell a dead handle from bad lanes; the handle can be checked.
            self.info().map_err(|_| Error::InvalidHandle { function })?;
            if result == ResultCode::InvalidParam {
                return Err(Error::OutOfRange {
                    what: "lanes",
                    detail: format!("the library rejected {lanes:?}"),
                });
            }
            check(function, result)?;
        }
        self.lanes.store(lanes.len() as u16, Ordering::Relaxed);
        Ok(())
    }

    /// Number of outbound lanes (1 until [`configure_lanes`](Connection::configure_lanes)).
    #[inline]
    pub fn lane_count(&self) -> u16 {
        self.lanes.load(Ordering::Relaxed)
    }

    /// Sets the connection's name, shown in the library's debug output and descriptions.
    ///
    /// # Errors
    /// [`Error::InteriorNul`] if `name` contains NUL; [`Error::InvalidHandle`] if the
    /// connection no longer exists.
    pub fn set_name(&self, name: &str) -> Result<()> {
        let name = c_string("connection name", name)?;
        self.info()?;
        self.raw.set_name(&name);
        Ok(())
    }

    /// The connection's name (empty unless set).
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the connection no longer exists.
    pub fn name(&self) -> Result<String> {
        self.raw.name()
    }

    /// Sets the connection's user data, a number the application chooses. It is copied into
    /// every message received afterwards ([`Message::connection_user_data`]) and into
    /// [`ConnectionInfo::user_data`].
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the connection no longer exists.
    pub fn set_user_data(&self, user_data: i64) -> Result<()> {
        self.raw.set_user_data(user_data)
    }

    /// The connection's user data (-1 unless set).
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the connection no longer exists.
    pub fn user_data(&self) -> Result<i64> {
        let value = self.raw.user_data();
        // -1 is both the default value and the library's answer for a bad handle.
        if value == -1 {
            self.info().map_err(|_| Error::InvalidHandle { function: "GetConnectionUserData" })?;
        }
        Ok(value)
    }

    /// A quick snapshot of the connection's health and queues, with one
    /// [`LaneStatus`](crate::LaneStatus) per configured lane while it is connected (none
    /// before: the library sets its lanes up when it connects).
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the connection no longer exists.
    pub fn realtime_status(&self) -> Result<RealtimeStatus> {
        self.raw.realtime_status(usize::from(self.lane_count()))
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
        Ok(format!("{description}\n{}", self.raw.detailed_status()?))
    }

    /// Closes the connection, telling the peer `reason` and `debug` (at most 127 bytes are
    /// sent); `queued` says whether reliable messages still queued are delivered first.
    ///
    /// ```no_run
    /// # fn demo(conn: steam_sockets::Connection) -> steam_sockets::Result<()> {
    /// use steam_sockets::{EndReason, QueuedMessages};
    /// conn.close(EndReason::app(1)?, "match over", QueuedMessages::Deliver)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`CloseError::Refused`], with the connection handed back open, if `reason` is not
    /// [`EndReason::INVALID`] or an application code, or if `debug` contains NUL;
    /// [`CloseError::Destroyed`] if the library had already destroyed it.
    pub fn close(
        self,
        reason: EndReason,
        debug: &str,
        queued: QueuedMessages,
    ) -> Result<(), CloseError<Connection>> {
        let debug = match close_args(reason, debug) {
            Ok(debug) => debug,
            Err(error) => return Err(CloseError::Refused { error, object: self }),
        };
        // Closed here, once: `Drop` must not close it again.
        let raw = std::mem::ManuallyDrop::new(self).raw;
        raw.close(reason.raw(), Some(&debug), queued == QueuedMessages::Deliver)
            .map_err(CloseError::Destroyed)
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Connection").field(&self.raw.handle).finish()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Without reason or linger. A handle the library already destroyed is fine.
        let _ = self.raw.close(0, None, false);
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
    pub(crate) fn new(api: Api, handle: ConnectionHandle, info: ConnectionInfo) -> Self {
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
        conn.raw.accept()?;
        Ok(conn)
    }

    /// Rejects the connection with a reason and explanation the peer will see.
    ///
    /// # Errors
    /// [`CloseError::Refused`], with the request handed back, if `reason` is not
    /// [`EndReason::INVALID`] or an application code, or if `debug` contains NUL. A request
    /// the library had already destroyed is rejected all the same: that is `Ok`.
    pub fn reject(
        self,
        reason: EndReason,
        debug: &str,
    ) -> Result<(), CloseError<IncomingConnection>> {
        let IncomingConnection { connection, info } = self;
        match connection.close(reason, debug, QueuedMessages::Discard) {
            Err(CloseError::Refused { error, object }) => Err(CloseError::Refused {
                error,
                object: IncomingConnection { connection: object, info },
            }),
            // Closed, or the library had already destroyed it: rejected either way.
            Ok(()) | Err(CloseError::Destroyed(_)) => Ok(()),
        }
    }
}

impl fmt::Debug for IncomingConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IncomingConnection")
            .field("id", &self.connection.raw.handle)
            .field("remote_addr", &self.info.remote_addr)
            .field("remote_identity", &self.info.remote_identity)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_arguments_are_checked_before_anything_happens() {
        assert!(close_args(EndReason::INVALID, "bye").is_ok());
        assert!(close_args(EndReason::app(5).unwrap(), "bye").is_ok());
        assert!(matches!(
            close_args(EndReason::REMOTE_TIMEOUT, ""),
            Err(Error::OutOfRange { what: "close reason", .. })
        ));
        assert_eq!(
            close_args(EndReason::INVALID, "a\0b").unwrap_err(),
            Error::InteriorNul { what: "close debug text", position: 1 }
        );
    }
}
