//! Poll groups: receive from many connections with one call.

use std::fmt;

use steam_sockets_sys as sys;

use crate::error::Result;
use crate::message::{Message, receive_into};
use crate::sockets::Api;

/// A poll group's handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PollGroupId(pub(crate) u32);

impl PollGroupId {
    /// The raw `HSteamNetPollGroup`.
    pub const fn raw(self) -> u32 {
        self.0
    }
}

/// A set of connections whose messages are received together, in arrival order.
///
/// Add connections with [`Connection::set_poll_group`](crate::Connection::set_poll_group).
/// Dropping the group takes its connections out of it; the connections stay open.
pub struct PollGroup {
    pub(crate) api: Api,
    pub(crate) handle: sys::HSteamNetPollGroup,
}

impl PollGroup {
    pub(crate) fn new(api: Api, handle: sys::HSteamNetPollGroup) -> PollGroup {
        PollGroup { api, handle }
    }

    /// The group's handle.
    pub fn id(&self) -> PollGroupId {
        PollGroupId(self.handle)
    }

    /// Appends up to `max` messages from any connection in the group to `buf` and returns how
    /// many. [`Message::connection`] tells which connection each came from.
    ///
    /// Reusing `buf` (after draining it) makes the steady-state receive loop allocation-free.
    ///
    /// # Errors
    /// [`Error::InvalidHandle`](crate::Error::InvalidHandle) if the group no longer exists.
    #[inline]
    pub fn receive(&self, buf: &mut Vec<Message>, max: usize) -> Result<usize> {
        receive_into("ReceiveMessagesOnPollGroup", buf, max, |out, max| {
            // SAFETY: `out` has room for `max` message pointers (see `receive_into`).
            unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnPollGroup(
                    self.api.sockets(),
                    self.handle,
                    out,
                    max,
                )
            }
        })
    }
}

impl fmt::Debug for PollGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PollGroup").field(&self.handle).finish()
    }
}

impl Drop for PollGroup {
    fn drop(&mut self) {
        // SAFETY: live interface; any handle value is accepted.
        unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_DestroyPollGroup(self.api.sockets(), self.handle);
        }
    }
}
