//! The C calls on one poll group.

use steam_sockets_sys as sys;

use super::api::Api;
use super::c_call;
use super::message::{MessageSlot, receive_into};
use super::types::PollGroupHandle;
use crate::error::Result;

/// A poll group's handle with the interface it belongs to (`PollGroup` owns it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawPollGroup {
    pub(crate) api: Api,
    pub(crate) handle: PollGroupHandle,
}

impl RawPollGroup {
    /// Appends up to `max` messages from the group's connections to `buf`.
    #[inline]
    pub(crate) fn receive<M: MessageSlot>(self, buf: &mut Vec<M>, max: usize) -> Result<usize> {
        receive_into(buf, max, |out, max| {
            // SAFETY: live interface; `out` has room for `max` message pointers (see
            // `receive_into`).
            c_call!(unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnPollGroup(
                    self.api.sockets(),
                    self.handle,
                    out,
                    max,
                )
            })
        })
    }

    /// Destroys the group; its connections stay open.
    pub(crate) fn destroy(self) {
        // SAFETY: live interface; any handle value is accepted.
        unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_DestroyPollGroup(self.api.sockets(), self.handle)
        };
    }
}
