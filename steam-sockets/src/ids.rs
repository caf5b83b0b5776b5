//! Handles as plain values: what events, messages and connection info name objects by.

use std::fmt;

/// A connection's handle, as found in events and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub(crate) u32);

impl ConnectionId {
    /// The raw `HSteamNetConnection`.
    pub const fn raw(self) -> u32 {
        self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A listen socket's handle, as found in events and connection info.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ListenSocketId(pub(crate) u32);

impl ListenSocketId {
    /// The raw `HSteamListenSocket`.
    pub const fn raw(self) -> u32 {
        self.0
    }
}

/// A poll group's handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PollGroupId(pub(crate) u32);

impl PollGroupId {
    /// The raw `HSteamNetPollGroup`.
    pub const fn raw(self) -> u32 {
        self.0
    }
}
