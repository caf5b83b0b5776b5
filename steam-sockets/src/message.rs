//! Received messages, send flags and timestamps.

use std::ffi::c_int;
use std::fmt;
use std::ops::Deref;
use std::ptr::NonNull;
use std::time::Duration;

use steam_sockets_sys as sys;

use crate::connection::ConnectionId;
use crate::error::{Error, Result};
use crate::sockets::Api;

/// Largest message the library sends: 512 KiB.
pub const MAX_MESSAGE_SIZE: usize = sys::k_cbMaxSteamNetworkingSocketsMessageSizeSend as usize;

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
        const RELIABLE = sys::k_nSteamNetworkingSend_Reliable;
        /// Send now instead of waiting briefly to combine small messages (Nagle).
        const NO_NAGLE = sys::k_nSteamNetworkingSend_NoNagle;
        /// Drop the message instead of queueing it if it cannot go out right away
        /// (unreliable messages only).
        const NO_DELAY = sys::k_nSteamNetworkingSend_NoDelay;
        /// Do the send work on the calling thread rather than the library's service thread.
        const USE_CURRENT_THREAD = sys::k_nSteamNetworkingSend_UseCurrentThread;
        /// Restart a broken session (ISteamNetworkingMessages sessions).
        const AUTO_RESTART_BROKEN_SESSION = sys::k_nSteamNetworkingSend_AutoRestartBrokenSession;
    }
}

impl SendFlags {
    /// Unreliable delivery: the empty set, spelled out.
    pub const UNRELIABLE: SendFlags = SendFlags::empty();
}

/// A point on the library's local microsecond clock (see [`crate::Sockets::now`]).
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
// `repr(transparent)` over the pointer: a `Vec<Message>`'s spare capacity is exactly the
// `SteamNetworkingMessage_t **` array the receive functions fill.
#[repr(transparent)]
pub struct Message(NonNull<sys::SteamNetworkingMessage_t>);

// SAFETY: a received message is owned by exactly one `Message`; the library never touches it
// again until `Release`, which may be called from any thread. Shared access only reads fields
// and the payload, which nothing mutates.
unsafe impl Send for Message {}
// SAFETY: see `Send`: `&Message` gives read-only access to immutable data.
unsafe impl Sync for Message {}

impl Message {
    fn raw(&self) -> &sys::SteamNetworkingMessage_t {
        // SAFETY: the pointer came from a receive call and stays valid until `Drop` releases it.
        unsafe { self.0.as_ref() }
    }

    /// The payload.
    pub fn data(&self) -> &[u8] {
        let raw = self.raw();
        let len = usize::try_from(raw.m_cbSize).unwrap_or(0);
        if raw.m_pData.is_null() || len == 0 {
            // Empty messages have a null data pointer; a slice must never be built from it.
            return &[];
        }
        // SAFETY: the library guarantees `m_pData` points to `m_cbSize` readable bytes that live
        // as long as the message, which `&self` borrows.
        unsafe { std::slice::from_raw_parts(raw.m_pData.cast::<u8>(), len) }
    }

    /// The connection the message arrived on.
    pub fn connection(&self) -> ConnectionId {
        ConnectionId(self.raw().m_conn)
    }

    /// The lane it was sent on (0 unless the sender configured lanes).
    pub fn lane(&self) -> u16 {
        self.raw().m_idxLane
    }

    /// The sender's message number; numbers increase by one per message on each lane.
    pub fn message_number(&self) -> i64 {
        self.raw().m_nMessageNumber
    }

    /// When the message arrived, on the library's local clock.
    pub fn received_at(&self) -> Timestamp {
        Timestamp(self.raw().m_usecTimeReceived)
    }

    /// The flags it was sent with, as far as the receiver sees them ([`SendFlags::RELIABLE`]).
    pub fn flags(&self) -> SendFlags {
        SendFlags::from_bits_retain(self.raw().m_nFlags)
    }

    /// Whether it was sent reliably.
    pub fn is_reliable(&self) -> bool {
        self.flags().contains(SendFlags::RELIABLE)
    }

    /// The connection's user data when the message was received.
    pub fn connection_user_data(&self) -> i64 {
        self.raw().m_nConnUserData
    }
}

impl Deref for Message {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.data()
    }
}

impl AsRef<[u8]> for Message {
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

impl Drop for Message {
    fn drop(&mut self) {
        // SAFETY: this `Message` owns the message and releases it exactly once.
        unsafe { sys::SteamAPI_SteamNetworkingMessage_t_Release(self.0.as_ptr()) }
    }
}

/// Appends up to `max` messages to `buf` through `receive`, which is a receive function that
/// fills an array of message pointers and returns how many it wrote, or -1 for a bad handle.
///
/// Reuses `buf`'s capacity: once `buf` has room for `max` more messages, nothing is allocated.
pub(crate) fn receive_into(
    function: &'static str,
    buf: &mut Vec<Message>,
    max: usize,
    receive: impl FnOnce(*mut *mut sys::SteamNetworkingMessage_t, c_int) -> c_int,
) -> Result<usize> {
    let max = max.min(c_int::MAX as usize);
    buf.try_reserve(max).map_err(|_| {
        Error::InvalidArgument(format!("cannot reserve room for {max} more messages"))
    })?;
    let len = buf.len();
    let spare = buf.spare_capacity_mut().as_mut_ptr().cast::<*mut sys::SteamNetworkingMessage_t>();
    let count = receive(spare, max as c_int);
    let Ok(count) = usize::try_from(count) else {
        return Err(Error::InvalidHandle { function });
    };
    // The library writes at most `max` pointers; a larger count would be its bug, never ours
    // to turn into a length past what it wrote.
    let count = count.min(max);
    // SAFETY: the library wrote `count` valid, non-null message pointers, each owned by the
    // caller, into the first `count` spare slots; `Message` is a transparent wrapper of such a
    // pointer, so those slots are now initialised `Message`s.
    unsafe { buf.set_len(len + count) };
    Ok(count)
}

/// One message of a batch for [`Sockets::send_messages`](crate::Sockets::send_messages).
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// Where to send it.
    pub connection: &'a crate::Connection,
    /// The payload (copied into a library buffer).
    pub data: &'a [u8],
    /// How to send it.
    pub flags: SendFlags,
    /// Which lane (0 unless the connection has more; see
    /// [`Connection::configure_lanes`](crate::Connection::configure_lanes)).
    pub lane: u16,
}

/// Messages handed to `SendMessages` per call; the pointer and result arrays live on the stack,
/// so a batch of any size allocates nothing in Rust.
const CHUNK: usize = 64;

/// Sends `messages` through `SendMessages`, appending one result per message to `results`, in
/// order: the message number, or why that message was not sent. A bad message does not stop the
/// others.
pub(crate) fn send_batch(api: Api, messages: &[Outgoing<'_>], results: &mut Vec<Result<i64>>) {
    results.reserve(messages.len());
    for chunk in messages.chunks(CHUNK) {
        let mut pointers = [std::ptr::null_mut::<sys::SteamNetworkingMessage_t>(); CHUNK];
        let mut outcomes = [0i64; CHUNK];
        // For each message of the chunk: its index in `pointers`, or the error that kept it out.
        let mut slots: [Result<usize>; CHUNK] = std::array::from_fn(|_| Ok(0));
        let mut queued = 0;
        for (slot, message) in slots.iter_mut().zip(chunk) {
            *slot = allocate(api, message).map(|raw| {
                pointers[queued] = raw;
                queued += 1;
                queued - 1
            });
        }
        if queued > 0 {
            // SAFETY: live interface; `pointers[..queued]` are messages from AllocateMessage that
            // this function owns and hands over (the library takes ownership of every one, sent
            // or not); `outcomes` has room for `queued` results.
            unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_SendMessages(
                    api.sockets(),
                    queued as c_int,
                    pointers.as_ptr(),
                    outcomes.as_mut_ptr(),
                );
            }
        }
        for slot in slots.into_iter().take(chunk.len()) {
            results.push(slot.and_then(|index| match outcomes[index] {
                number if number >= 0 => Ok(number),
                negative => {
                    let code = sys::EResult(i32::try_from(-negative).unwrap_or(i32::MAX));
                    Err(Error::from_result("SendMessages", code))
                }
            }));
        }
    }
}

/// Checks one outgoing message and copies it into a message from `AllocateMessage`.
fn allocate(api: Api, message: &Outgoing<'_>) -> Result<*mut sys::SteamNetworkingMessage_t> {
    let (conn, data) = (message.connection, message.data);
    if data.len() > MAX_MESSAGE_SIZE {
        return Err(Error::MessageTooLarge { size: data.len(), max: MAX_MESSAGE_SIZE });
    }
    if message.lane >= conn.lane_count() {
        return Err(Error::InvalidLane { lane: message.lane, lanes: conn.lane_count() });
    }
    // SAFETY: live interface; the size fits in c_int (checked above).
    let raw = unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_AllocateMessage(api.utils(), data.len() as c_int)
    };
    // SAFETY: a non-null result is a message this function now owns, with a buffer of
    // `data.len()` bytes (null data pointer when empty).
    let msg = unsafe { raw.as_mut() }.ok_or(Error::Failed { function: "AllocateMessage" })?;
    if !data.is_empty() {
        // SAFETY: `m_pData` points to `data.len()` writable bytes that do not overlap `data`.
        unsafe {
            std::ptr::copy_nonoverlapping(data.as_ptr(), msg.m_pData.cast::<u8>(), data.len())
        };
    }
    msg.m_conn = conn.handle;
    msg.m_nFlags = message.flags.bits();
    msg.m_idxLane = message.lane;
    // GNS leaves this field uninitialised; nothing reads it for these messages, but never hand
    // the library indeterminate memory.
    msg.m_nUserData = 0;
    Ok(raw)
}
