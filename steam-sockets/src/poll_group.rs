//! Poll groups: receive from many connections with one call.

use std::fmt;

use crate::error::Result;
use crate::ids::PollGroupId;
use crate::message::Message;
use crate::raw::api::Api;
use crate::raw::poll_group::RawPollGroup;
use crate::raw::types::PollGroupHandle;

/// A set of connections whose messages are received together, in arrival order.
///
/// Add connections with [`Connection::set_poll_group`](crate::Connection::set_poll_group).
/// Dropping the group takes its connections out of it; the connections stay open.
pub struct PollGroup {
    raw: RawPollGroup,
}

impl PollGroup {
    pub(crate) fn new(api: Api, handle: PollGroupHandle) -> PollGroup {
        PollGroup { raw: RawPollGroup { api, handle } }
    }

    /// The group's handle.
    pub fn id(&self) -> PollGroupId {
        PollGroupId(self.raw.handle)
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
        self.raw.receive(buf, max)
    }
}

impl fmt::Debug for PollGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PollGroup").field(&self.raw.handle).finish()
    }
}

impl Drop for PollGroup {
    fn drop(&mut self) {
        self.raw.destroy();
    }
}
