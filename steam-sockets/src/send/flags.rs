//! How a message is sent: its flags and its lane.

use crate::raw::types;

bitflags::bitflags! {
    /// How a message is sent. The empty set is unreliable, Nagle-delayed delivery.
    ///
    /// ```
    /// use steam_sockets::SendFlags;
    /// let flags = SendFlags::RELIABLE | SendFlags::NO_NAGLE;
    /// assert!(flags.contains(SendFlags::RELIABLE));
    /// assert!(SendFlags::UNRELIABLE.is_empty());
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct SendFlags: i32 {
        /// Reliable and in order (per lane); retransmitted until acknowledged.
        const RELIABLE = types::send_flags::RELIABLE;
        /// Send now instead of waiting briefly to combine small messages (Nagle).
        const NO_NAGLE = types::send_flags::NO_NAGLE;
        /// Drop the message instead of queueing it if it cannot go out right away
        /// (unreliable messages only).
        const NO_DELAY = types::send_flags::NO_DELAY;
        /// Do the send work on the calling thread rather than the library's service thread.
        const USE_CURRENT_THREAD = types::send_flags::USE_CURRENT_THREAD;
        /// Restart a broken session (ISteamNetworkingMessages sessions).
        const AUTO_RESTART_BROKEN_SESSION = types::send_flags::AUTO_RESTART_BROKEN_SESSION;
    }
}

impl SendFlags {
    /// Unreliable delivery: the empty set, spelled out.
    pub const UNRELIABLE: SendFlags = SendFlags::empty();

    /// These flags on `lane` (see
    /// [`Connection::configure_lanes`](crate::Connection::configure_lanes)).
    ///
    /// ```
    /// use steam_sockets::{SendFlags, SendOptions};
    /// let chat = SendFlags::RELIABLE.on_lane(1);
    /// assert_eq!(chat, SendOptions { flags: SendFlags::RELIABLE, lane: 1 });
    /// ```
    pub const fn on_lane(self, lane: u16) -> SendOptions {
        SendOptions { flags: self, lane }
    }
}

/// How and where one message is sent: its flags and its lane. [`SendFlags`](crate::SendFlags)
/// convert into it for lane 0; [`SendFlags::on_lane`](crate::SendFlags::on_lane) names another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SendOptions {
    /// How it is sent.
    pub flags: SendFlags,
    /// Which lane (0 unless the connection has more).
    pub lane: u16,
}

impl From<SendFlags> for SendOptions {
    fn from(flags: SendFlags) -> SendOptions {
        flags.on_lane(0)
    }
}
