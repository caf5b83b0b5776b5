//! Listen sockets.

use std::fmt;
use std::net::SocketAddr;

use crate::error::Result;
use crate::ids::ListenSocketId;
use crate::raw::api::Api;
use crate::raw::listen_socket::RawListenSocket;
use crate::raw::types::ListenSocketHandle;
use crate::raw::utils::Scope;

/// A socket that accepts connections; each request arrives as
/// [`Event::Incoming`](crate::Event::Incoming).
///
/// Dropping it closes it, and the library then destroys every connection accepted on it:
/// their [`Connection`](crate::Connection)s report
/// [`Error::InvalidHandle`](crate::Error::InvalidHandle) from then on.
pub struct ListenSocket {
    raw: RawListenSocket,
}

impl ListenSocket {
    pub(crate) fn new(api: Api, handle: ListenSocketHandle) -> ListenSocket {
        ListenSocket { raw: RawListenSocket { api, handle } }
    }

    pub(crate) fn api(&self) -> Api {
        self.raw.api
    }

    /// Where this socket's configuration values are set and read.
    pub(crate) fn scope(&self) -> Scope {
        Scope::ListenSocket(self.raw.handle)
    }

    /// The socket's handle.
    pub fn id(&self) -> ListenSocketId {
        ListenSocketId(self.raw.handle)
    }

    /// The local address it listens on; for a socket created on port 0, with the port the
    /// operating system picked.
    ///
    /// # Errors
    /// [`Error::InvalidHandle`](crate::Error::InvalidHandle) for a socket without an IP
    /// address (P2P).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.raw.local_addr()
    }

    /// Closes the socket (and every connection accepted on it).
    ///
    /// # Errors
    /// [`Error::InvalidHandle`](crate::Error::InvalidHandle) if the library had already
    /// destroyed it.
    pub fn close(self) -> Result<()> {
        std::mem::ManuallyDrop::new(self).raw.close()
    }
}

impl fmt::Debug for ListenSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ListenSocket").field(&self.raw.handle).finish()
    }
}

impl Drop for ListenSocket {
    fn drop(&mut self) {
        // Nothing to report from a drop: a socket the library already destroyed is fine.
        let _ = self.raw.close();
    }
}
