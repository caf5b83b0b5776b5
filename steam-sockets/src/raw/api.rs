//! The interface pointers every C call needs.

use std::ptr::NonNull;

use steam_sockets_sys as sys;

/// The two interface pointers every call needs.
///
/// This crate never shuts a library down, so once obtained the pointers stay valid for the
/// rest of the process; objects copy them instead of reference-counting a `Sockets`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Api {
    sockets: NonNull<sys::ISteamNetworkingSockets>,
    utils: NonNull<sys::ISteamNetworkingUtils>,
}

// SAFETY: both libraries document `ISteamNetworkingSockets` and `ISteamNetworkingUtils` as
// thread-safe (every entry point takes the library's own lock), and the pointers stay valid for
// the life of the process (nothing here shuts a library down).
unsafe impl Send for Api {}
// SAFETY: as for `Send`.
unsafe impl Sync for Api {}

impl Api {
    pub(super) fn new(
        sockets: *mut sys::ISteamNetworkingSockets,
        utils: *mut sys::ISteamNetworkingUtils,
    ) -> Option<Api> {
        Some(Api { sockets: NonNull::new(sockets)?, utils: NonNull::new(utils)? })
    }

    pub(super) fn sockets(self) -> *mut sys::ISteamNetworkingSockets {
        self.sockets.as_ptr()
    }

    pub(super) fn utils(self) -> *mut sys::ISteamNetworkingUtils {
        self.utils.as_ptr()
    }
}
