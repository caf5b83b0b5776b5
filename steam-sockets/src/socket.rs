//! Listen sockets.

use std::fmt;
use std::net::SocketAddr;

use steam_sockets_sys as sys;

use crate::address;
use crate::error::{Error, Result};
use crate::events::routes;
use crate::sockets::Api;

/// A listen socket's handle, as found in events and connection info.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ListenSocketId(pub(crate) u32);

impl ListenSocketId {
    /// The raw `HSteamListenSocket`.
    pub const fn raw(self) -> u32 {
        self.0
    }
}

/// A socket that accepts connections; each request arrives as
/// [`Event::Incoming`](crate::Event::Incoming).
///
/// Dropping it closes it, and the library then destroys every connection accepted on it:
/// their [`Connection`](crate::Connection)s report [`Error::InvalidHandle`] from then on.
pub struct ListenSocket {
    pub(crate) api: Api,
    pub(crate) handle: sys::HSteamListenSocket,
}

impl ListenSocket {
    pub(crate) fn new(api: Api, handle: sys::HSteamListenSocket) -> ListenSocket {
        ListenSocket { api, handle }
    }

    /// The socket's handle.
    pub fn id(&self) -> ListenSocketId {
        ListenSocketId(self.handle)
    }

    /// The local address it was created with.
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] for a socket without an IP address (P2P).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        let mut raw = sys::SteamNetworkingIPAddr::default();
        // SAFETY: live interface; `raw` is writable.
        let ok = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetListenSocketAddress(
                self.api.sockets(),
                self.handle,
                &mut raw,
            )
        };
        if ok {
            Ok(address::from_raw(&raw))
        } else {
            Err(Error::InvalidHandle { function: "GetListenSocketAddress" })
        }
    }

    /// Closes the socket (and every connection accepted on it).
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the library had already destroyed it.
    pub fn close(self) -> Result<()> {
        let this = std::mem::ManuallyDrop::new(self);
        if close_raw(this.api, this.handle) {
            Ok(())
        } else {
            Err(Error::InvalidHandle { function: "CloseListenSocket" })
        }
    }
}

fn close_raw(api: Api, handle: sys::HSteamListenSocket) -> bool {
    routes::forget_listen_socket(handle);
    // SAFETY: live interface; any handle value is accepted.
    unsafe { sys::SteamAPI_ISteamNetworkingSockets_CloseListenSocket(api.sockets(), handle) }
}

impl fmt::Debug for ListenSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ListenSocket").field(&self.handle).finish()
    }
}

impl Drop for ListenSocket {
    fn drop(&mut self) {
        close_raw(self.api, self.handle);
    }
}
