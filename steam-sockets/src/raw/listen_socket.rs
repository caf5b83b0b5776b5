//! The C calls on one listen socket.

use std::net::SocketAddr;

use steam_sockets_sys as sys;

use super::api::Api;
use super::convert::address_from_raw;
use super::routes;
use super::try_call;
use super::types::ListenSocketHandle;
use crate::error::Result;

/// A listen socket's handle with the interface it belongs to (`ListenSocket` owns it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawListenSocket {
    pub(crate) api: Api,
    pub(crate) handle: ListenSocketHandle,
}

impl RawListenSocket {
    pub(crate) fn local_addr(self) -> Result<SocketAddr> {
        let mut raw = sys::SteamNetworkingIPAddr::default();
        // SAFETY: live interface; `raw` is writable.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetListenSocketAddress(
                self.api.sockets(),
                self.handle,
                &mut raw,
            )
        } else InvalidHandle)?;
        Ok(address_from_raw(&raw))
    }

    /// Closes the socket (the library destroys the connections accepted on it), after
    /// forgetting its route. The handle is dead after this, whatever the outcome.
    pub(crate) fn close(self) -> Result<()> {
        routes::forget_listen_socket(self.handle);
        // SAFETY: live interface; any handle value is accepted.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_CloseListenSocket(
                self.api.sockets(),
                self.handle,
            )
        } else InvalidHandle)
    }
}
