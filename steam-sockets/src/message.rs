//! Received messages, and the library's clock that stamps them.

use std::fmt;
use std::ops::Deref;
use std::time::Duration;

use bytes::Bytes;

use crate::identity::NetworkIdentity;
use crate::ids::ConnectionId;
use crate::raw::message::{MessageSlot, RawMessage};
use crate::send::flags::SendFlags;

/// A point on the library's local microsecond clock (see [`Sockets::now`](crate::Sockets::now)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// Microseconds since the library's arbitrary epoch.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// Wraps a raw microsecond value.
    pub const fn from_micros(micros: i64) -> Timestamp {
        Timestamp(micros)
    }

    /// Time from `earlier` to `self`, or `None` if `earlier` is later.
    pub fn duration_since(self, earlier: Timestamp) -> Option<Duration> {
        u64::try_from(self.0.checked_sub(earlier.0)?).ok().map(Duration::from_micros)
    }
}

/// A received message: a view of the library's buffer, released when dropped.
///
/// Reading the payload copies nothing: `Message` dereferences to `[u8]`.
///
/// ```no_run
/// # fn demo(conn: &steam_sockets::Connection) -> steam_sockets::Result<()> {
/// let mut inbox = Vec::with_capacity(64);
/// conn.receive(&mut inbox, 64)?;
/// for msg in inbox.drain(..) {
///     println!("lane {} #{}: {} bytes", msg.lane(), msg.message_number(), msg.len());
/// }
/// # Ok(()) }
/// ```
// `repr(transparent)` over the raw message: a `Vec<Message>`'s spare capacity is exactly the
// array of message pointers the receive functions fill (see `MessageSlot`).
#[repr(transparent)]
pub struct Message(RawMessage);

// SAFETY: `Message` is a `repr(transparent)` wrapper of `RawMessage`, which owns one message
// pointer and releases it when dropped: the layout rule `receive_into` relies on.
unsafe impl MessageSlot for Message {}

impl Message {
    /// The payload.
    #[inline]
    pub fn data(&self) -> &[u8] {
        self.0.data()
    }

    /// The connection the message arrived on.
    #[inline]
    pub fn connection(&self) -> ConnectionId {
        ConnectionId(self.0.connection())
    }

    /// The lane it was sent on (0 unless the sender configured lanes).
    #[inline]
    pub fn lane(&self) -> u16 {
        self.0.lane()
    }

    /// The sender's message number; numbers increase by one per message on each lane.
    #[inline]
    pub fn message_number(&self) -> i64 {
        self.0.message_number()
    }

    /// When the message arrived, on the library's local clock.
    #[inline]
    pub fn received_at(&self) -> Timestamp {
        Timestamp(self.0.received_at())
    }

    /// The flags it was sent with, as far as the receiver sees them ([`SendFlags::RELIABLE`]).
    #[inline]
    pub fn flags(&self) -> SendFlags {
        SendFlags::from_bits_retain(self.0.flags())
    }

    /// Whether it was sent reliably.
    #[inline]
    pub fn is_reliable(&self) -> bool {
        self.flags().contains(SendFlags::RELIABLE)
    }

    /// Who sent it: the connection's remote identity, or, for a datagram received on a
    /// [`FakeUdpPort`](crate::FakeUdpPort), the sender's FakeIP address
    /// ([`NetworkIdentity::Ip`]), to answer with
    /// [`send_to`](crate::FakeUdpPort::send_to).
    pub fn peer(&self) -> NetworkIdentity {
        self.0.peer()
    }

    /// The connection's user data when the message was received.
    #[inline]
    pub fn connection_user_data(&self) -> i64 {
        self.0.connection_user_data()
    }
}

impl Deref for Message {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        self.data()
    }
}

impl AsRef<[u8]> for Message {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self.data()
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("connection", &self.connection())
            .field("lane", &self.lane())
            .field("number", &self.message_number())
            .field("reliable", &self.is_reliable())
            .field("len", &self.len())
            .finish()
    }
}

impl From<Message> for Bytes {
    /// Turns a received message into `Bytes` without copying: the message is released when
    /// the last `Bytes` sharing it drops. (One small allocation holds the message.)
    fn from(message: Message) -> Bytes {
        if message.is_empty() { Bytes::new() } else { Bytes::from_owner(message) }
    }
}
