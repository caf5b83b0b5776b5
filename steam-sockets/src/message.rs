//! Received messages, send flags and timestamps.

use std::ffi::c_int;
use std::fmt;
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;

use steam_sockets_sys as sys;

use crate::connection::ConnectionId;
use crate::error::{Error, Result};
use crate::identity::NetworkIdentity;
use crate::sockets::Api;

/// Largest message the library sends: 512 KiB.
pub const MAX_MESSAGE_SIZE: usize = sys::k_cbMaxSteamNetworkingSocketsMessageSizeSend as usize;

/// How much reliable data one connection may have in the library (queued, or sent and not yet
/// acknowledged), in units of one per message plus one per KiB of payload. Sends count their
/// units; at the limit, a reliable send asks the library how many bytes of reliable data it
/// still holds and lowers the count to what that many bytes can be at most (every message
/// holds at least the smallest payload sent, plus framing). Until that leaves room for an
/// eighth of the limit, the send fails with [`Error::SendBufferFull`] (back-pressure, whatever
/// the connection's `SendBufferSize`); the first send after the library has made that room
/// goes through.
///
/// Why: GameNetworkingSockets keeps one record per reliable segment it has sent until the
/// peer acknowledges it, and every reliable message, however small, is at least one segment
/// (a message takes one more per packet boundary it crosses, and a full packet carries over
/// 1 KiB, so the units bound the segments). Its send buffer counts bytes waiting to be sent,
/// not these records, and two things go wrong when they pile up:
///
/// * When an acknowledgement is late, the library re-queues every segment of the packets it
///   gives up on, and it inserts each into its retry queue by scanning that queue from the
///   start: re-queueing `n` segments costs about `n²/2` steps, with the library's global lock
///   held, so every connection in the process stalls. It acknowledges data after up to 50 ms
///   (when it has nothing to send back) and retries after 60 ms plus three round trips, so on
///   loopback or a LAN a delay of 10 ms, such as a busy CPU, is enough. With 48,000 segments in
///   flight that held the lock for seconds at a time (6.6 s once), and a flood of 300,000
///   empty messages took from 0.3 s to over 60 s.
/// * The records of packets given up on stay until those packets expire (up to 3 s after a
///   stall), beside the new ones, in a list with 16-bit indices: past 65,535 the library ends
///   the process (`CUtlLinkedList overflow!`, exit status 1).
///
/// At 8,192 units a re-queue takes at most about 0.2 s on a 2-core machine, and no flood has
/// come near the list's end since (at 48,000, one in five aborted). The price: with a receiver
/// that sends nothing back, one connection's tiny reliable messages flow at about 8,192 per
/// acknowledgement (50 ms), about 150,000 a second. With the default 512 KiB `SendBufferSize`,
/// messages of a KiB or more meet the send buffer first.
pub const RELIABLE_BACKLOG_LIMIT: usize = 8_192;

/// How much room, in units, the library must have before sending resumes at the limit: so
/// that a sender at the limit asks the library at most once per this many units.
const RESUME_ROOM: usize = RELIABLE_BACKLOG_LIMIT / 8;

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
    #[inline]
    fn raw(&self) -> &sys::SteamNetworkingMessage_t {
        // SAFETY: the pointer came from a receive call and stays valid until `Drop` releases it.
        unsafe { self.0.as_ref() }
    }

    /// The payload.
    #[inline]
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
    #[inline]
    pub fn connection(&self) -> ConnectionId {
        ConnectionId(self.raw().m_conn)
    }

    /// The lane it was sent on (0 unless the sender configured lanes).
    #[inline]
    pub fn lane(&self) -> u16 {
        self.raw().m_idxLane
    }

    /// The sender's message number; numbers increase by one per message on each lane.
    #[inline]
    pub fn message_number(&self) -> i64 {
        self.raw().m_nMessageNumber
    }

    /// When the message arrived, on the library's local clock.
    #[inline]
    pub fn received_at(&self) -> Timestamp {
        Timestamp(self.raw().m_usecTimeReceived)
    }

    /// The flags it was sent with, as far as the receiver sees them ([`SendFlags::RELIABLE`]).
    #[inline]
    pub fn flags(&self) -> SendFlags {
        SendFlags::from_bits_retain(self.raw().m_nFlags)
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
        NetworkIdentity::from_raw(&self.raw().m_identityPeer)
    }

    /// The connection's user data when the message was received.
    #[inline]
    pub fn connection_user_data(&self) -> i64 {
        self.raw().m_nConnUserData
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

impl Drop for Message {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: this `Message` owns the message and releases it exactly once.
        unsafe { sys::SteamAPI_SteamNetworkingMessage_t_Release(self.0.as_ptr()) }
    }
}

/// Appends up to `max` messages to `buf` through `receive`, which is a receive function that
/// fills an array of message pointers and returns how many it wrote, or -1 for a bad handle.
///
/// Reuses `buf`'s capacity: once `buf` has room for `max` more messages, nothing is allocated.
#[inline]
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

/// A payload to send.
///
/// Borrowed bytes are copied once, into a buffer the library allocates. [`Bytes`] are handed to
/// the library without a copy: it keeps a reference (a reference-count increment, no
/// allocation) until it no longer needs the data, then releases it from whichever thread it
/// is on. Sending one `Bytes` to many connections shares the one buffer.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// Copied into a library buffer.
    Copied(&'a [u8]),
    /// Shared with the library, not copied.
    Shared(&'a Bytes),
}

impl Payload<'_> {
    /// Length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Payload::Copied(data) => data.len(),
            Payload::Shared(bytes) => bytes.len(),
        }
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<'a> From<&'a [u8]> for Payload<'a> {
    fn from(data: &'a [u8]) -> Self {
        Payload::Copied(data)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Payload<'a> {
    fn from(data: &'a [u8; N]) -> Self {
        Payload::Copied(data)
    }
}

impl<'a> From<&'a Vec<u8>> for Payload<'a> {
    fn from(data: &'a Vec<u8>) -> Self {
        Payload::Copied(data)
    }
}

impl<'a> From<&'a Bytes> for Payload<'a> {
    fn from(bytes: &'a Bytes) -> Self {
        Payload::Shared(bytes)
    }
}

/// One message of a batch for [`Sockets::send_messages`](crate::Sockets::send_messages).
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// Where to send it.
    pub connection: &'a crate::Connection,
    /// What to send: borrowed bytes (copied) or [`Bytes`] (shared, no copy).
    pub data: Payload<'a>,
    /// How to send it.
    pub flags: SendFlags,
    /// Which lane (0 unless the connection has more; see
    /// [`Connection::configure_lanes`](crate::Connection::configure_lanes)).
    pub lane: u16,
}

/// Messages handed to `SendMessages` per call; the pointer and result arrays live on the stack,
/// so a batch of any size allocates nothing in Rust.
const CHUNK: usize = 64;

/// Sends `messages` through `SendMessages` and reports one result per message to `on_result`,
/// in order, with the message's index: the message number, or why that message was not sent.
/// A bad message does not stop the others: the messages queued before it are sent first, so
/// results stay in order without storing any.
#[inline]
pub(crate) fn send_batch<'a>(
    api: Api,
    messages: impl IntoIterator<Item = Outgoing<'a>>,
    mut on_result: impl FnMut(usize, Result<i64>),
) {
    let mut index = 0;
    let mut on_result = |result| {
        on_result(index, result);
        index += 1;
    };
    let mut pointers = [std::ptr::null_mut::<sys::SteamNetworkingMessage_t>(); CHUNK];
    let mut queued = 0;
    for message in messages {
        match allocate(api, &message) {
            Ok(raw) => {
                pointers[queued] = raw;
                queued += 1;
                if queued == CHUNK {
                    hand_over(api, &pointers[..queued], &mut on_result);
                    queued = 0;
                }
            }
            Err(error) => {
                hand_over(api, &pointers[..queued], &mut on_result);
                queued = 0;
                on_result(Err(error));
            }
        }
    }
    hand_over(api, &pointers[..queued], &mut on_result);
}

/// Sends one message through `SendMessages`: a message on a lane, or shared bytes moved in
/// without a clone.
pub(crate) fn send_one(
    api: Api,
    conn: &crate::Connection,
    data: Data<'_>,
    flags: SendFlags,
    lane: u16,
) -> Result<i64> {
    let raw = allocate_data(api, conn, data, flags, lane)?;
    let mut result = Err(Error::Failed { function: "SendMessages" });
    hand_over(api, &[raw], |r| result = r);
    result
}

/// Gives `messages` (at most [`CHUNK`], from `allocate`) to `SendMessages` and reports their
/// results in order.
#[inline]
fn hand_over(
    api: Api,
    messages: &[*mut sys::SteamNetworkingMessage_t],
    mut on_result: impl FnMut(Result<i64>),
) {
    if messages.is_empty() {
        return;
    }
    let mut outcomes = [0i64; CHUNK];
    // SAFETY: live interface; `messages` are messages from AllocateMessage that the caller owns
    // and hands over (the library takes ownership of every one, sent or not); `outcomes` has
    // room for all of them (at most CHUNK).
    unsafe {
        sys::SteamAPI_ISteamNetworkingSockets_SendMessages(
            api.sockets(),
            messages.len() as c_int,
            messages.as_ptr(),
            outcomes.as_mut_ptr(),
        );
    }
    for &outcome in &outcomes[..messages.len()] {
        on_result(match outcome {
            number if number > 0 => Ok(number),
            // 0 is never a message number: the library skipped this message after an earlier
            // one to the same connection failed (and, owning it, freed it).
            0 => Err(Error::NotAttempted { function: "SendMessages" }),
            negative => {
                let code = sys::EResult(i32::try_from(-negative).unwrap_or(i32::MAX));
                Err(Error::from_result("SendMessages", code))
            }
        });
    }
}

/// What `allocate` puts in a message: bytes to copy, or shared bytes to keep.
pub(crate) enum Data<'a> {
    Copy(&'a [u8]),
    Share(Bytes),
}

impl Data<'_> {
    fn len(&self) -> usize {
        match self {
            Data::Copy(data) => data.len(),
            Data::Share(bytes) => bytes.len(),
        }
    }
}

impl<'a> From<Payload<'a>> for Data<'a> {
    #[inline]
    fn from(payload: Payload<'a>) -> Self {
        match payload {
            Payload::Copied(data) => Data::Copy(data),
            // A reference-count increment: the library keeps its own reference.
            Payload::Shared(bytes) => Data::Share(bytes.clone()),
        }
    }
}

/// Checks one outgoing message and turns it into a message from `AllocateMessage`: a copy of
/// borrowed bytes, or a reference to shared ones.
#[inline]
fn allocate(api: Api, message: &Outgoing<'_>) -> Result<*mut sys::SteamNetworkingMessage_t> {
    allocate_data(api, message.connection, message.data.into(), message.flags, message.lane)
}

#[inline]
fn allocate_data(
    api: Api,
    conn: &crate::Connection,
    data: Data<'_>,
    flags: SendFlags,
    lane: u16,
) -> Result<*mut sys::SteamNetworkingMessage_t> {
    let len = data.len();
    if len > MAX_MESSAGE_SIZE {
        return Err(Error::MessageTooLarge { size: len, max: MAX_MESSAGE_SIZE });
    }
    if lane >= conn.lane_count() {
        return Err(Error::InvalidLane { lane, lanes: conn.lane_count() });
    }
    if flags.contains(SendFlags::RELIABLE) {
        conn.backlog.count(conn, len, "SendMessages")?;
    }
    // A library buffer for a copy; none (null data, no free function) for shared bytes.
    let buffer = match data {
        Data::Copy(_) => len,
        Data::Share(_) => 0,
    };
    // SAFETY: live interface; the size fits in c_int (checked above).
    let raw = unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_AllocateMessage(api.utils(), buffer as c_int)
    };
    // SAFETY: a non-null result is a message this function now owns, with a buffer of
    // `buffer` bytes (null data pointer when 0).
    let msg = unsafe { raw.as_mut() }.ok_or(Error::Failed { function: "AllocateMessage" })?;
    // GNS leaves this field uninitialised: always write it.
    msg.m_nUserData = 0;
    match data {
        Data::Copy(data) if !data.is_empty() => {
            // SAFETY: `m_pData` points to `len` writable bytes that do not overlap `data`.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), msg.m_pData.cast::<u8>(), len) };
        }
        Data::Share(bytes) if !bytes.is_empty() => {
            // The library only reads outbound data; the pointer is mutable in the C struct.
            msg.m_pData = bytes.as_ptr().cast_mut().cast();
            msg.m_cbSize = len as c_int;
            msg.m_nUserData = owners::keep(bytes) as i64;
            msg.m_pfnFreeData = Some(owners::release);
        }
        // Empty payloads carry no data (and nothing to keep).
        _ => {}
    }
    msg.m_conn = conn.handle;
    msg.m_nFlags = flags.bits();
    msg.m_idxLane = lane;
    Ok(raw)
}

/// A connection's count against [`RELIABLE_BACKLOG_LIMIT`].
#[derive(Debug)]
pub(crate) struct Backlog {
    /// Units counted, an upper bound on what the library holds.
    units: AtomicUsize,
    /// The smallest reliable payload sent since the library last held nothing.
    smallest: AtomicUsize,
}

impl Default for Backlog {
    fn default() -> Self {
        Backlog { units: AtomicUsize::new(0), smallest: AtomicUsize::new(usize::MAX) }
    }
}

/// Units of a reliable message of `len` bytes.
const fn units(len: usize) -> usize {
    1 + len / 1024
}

// The room sending waits for holds any one message.
const _: () = assert!(units(MAX_MESSAGE_SIZE) <= RESUME_ROOM);

impl Backlog {
    /// Counts a reliable message of `len` bytes for `function`, or refuses it while the
    /// connection is at the limit. (Messages the library refuses later in a batch stay
    /// counted: the count only errs high.)
    #[inline]
    pub(crate) fn count(
        &self,
        conn: &crate::Connection,
        len: usize,
        function: &'static str,
    ) -> Result<()> {
        if len < self.smallest.load(Ordering::Relaxed) {
            self.smallest.fetch_min(len, Ordering::Relaxed);
        }
        let units = units(len);
        if self.units.fetch_add(units, Ordering::Relaxed) + units <= RELIABLE_BACKLOG_LIMIT {
            return Ok(());
        }
        self.units.fetch_sub(units, Ordering::Relaxed);
        self.recount(conn, units, function)
    }

    /// Gives back the units of a message the library refused (it holds nothing of it).
    pub(crate) fn uncount(&self, len: usize) {
        let units = units(len);
        // Never below zero, even if the count was lowered in between.
        let _ =
            self.units.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(units));
    }

    /// At the limit: lowers the count to a bound on what the library holds now, from the bytes
    /// of reliable data it reports (queued, and sent but not acknowledged), and lets this send
    /// through if that leaves [`RESUME_ROOM`]; until then it is back-pressure.
    #[cold]
    fn recount(
        &self,
        conn: &crate::Connection,
        units: usize,
        function: &'static str,
    ) -> Result<()> {
        let full = Error::SendBufferFull { function };
        let counted = self.units.load(Ordering::Relaxed);
        let held_bytes = conn.reliable_bytes_held()?;
        let smallest = self.smallest.load(Ordering::Relaxed);
        if held_bytes == 0 {
            // Nothing left: sizes seen so far no longer matter.
            self.smallest.store(usize::MAX, Ordering::Relaxed);
        }
        // Messages counted before the look are in the library by now (or refused). (A batch
        // being built may hold up to 63 counted messages not yet handed over: the margin below
        // the library's limits covers them.)
        let held = held_units(held_bytes, smallest).min(counted);
        if !has_room(held) {
            return Err(full);
        }
        // Another thread may have recounted meanwhile: then this send just retries.
        if self
            .units
            .compare_exchange(counted, held + units, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return Err(full);
        }
        Ok(())
    }
}

/// Whether a sender at the limit may go on while the library holds `held` units.
fn has_room(held: usize) -> bool {
    held + RESUME_ROOM <= RELIABLE_BACKLOG_LIMIT
}

/// The most units that `held_bytes` of reliable data in the library can be, when no message
/// is smaller than `smallest` bytes: each message holds its payload and at least one byte of
/// framing.
fn held_units(held_bytes: usize, smallest: usize) -> usize {
    held_bytes / smallest.saturating_add(1) + held_bytes / 1024
}

/// Keeps the `Bytes` behind shared payloads alive while the library holds them.
///
/// A message has one 64-bit field for its owner, and a `Bytes` is four words, so each owner
/// lives in a heap slot whose address goes in that field. Slots are recycled, so that once
/// enough exist for the messages in flight, sending allocates nothing. Each thread keeps a few
/// spare slots of its own (no atomic operations: the library usually releases a message on the
/// thread that sent it); the rest go to a shared lock-free queue, since a slot may be taken on
/// one thread and come back on another.
mod owners {
    use std::cell::RefCell;
    use std::mem::MaybeUninit;
    use std::sync::OnceLock;

    use bytes::Bytes;
    use crossbeam_queue::ArrayQueue;
    use steam_sockets_sys as sys;

    type Slot = Box<MaybeUninit<Bytes>>;

    /// Spare slots each thread keeps.
    const LOCAL_SLOTS: usize = 1024;

    /// Spare slots shared by all threads; beyond this many, returned slots are freed.
    const SHARED_SLOTS: usize = 16 * 1024;

    thread_local! {
        static LOCAL: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
    }

    fn shared() -> &'static ArrayQueue<Slot> {
        static SHARED: OnceLock<ArrayQueue<Slot>> = OnceLock::new();
        SHARED.get_or_init(|| ArrayQueue::new(SHARED_SLOTS))
    }

    /// A spare slot, from this thread's or the shared ones, or a new one.
    fn take() -> Slot {
        // `try_with`/`try_borrow_mut` fail only while the thread is exiting or in a nested
        // call; the shared queue serves then.
        LOCAL
            .try_with(|local| local.try_borrow_mut().ok().and_then(|mut local| local.pop()))
            .ok()
            .flatten()
            .or_else(|| shared().pop())
            .unwrap_or_else(|| Box::new(MaybeUninit::uninit()))
    }

    /// Returns an emptied slot for reuse (or frees it when there are spares enough, or when
    /// the thread is exiting).
    fn give_back(slot: Slot) {
        let _ = LOCAL.try_with(|local| match local.try_borrow_mut() {
            Ok(mut local) if local.len() < LOCAL_SLOTS => local.push(slot),
            _ => {
                // A full queue just means enough spares: the slot is freed instead.
                let _ = shared().push(slot);
            }
        });
    }

    /// Stores `bytes` in a slot and returns the slot's address, to be put in `m_nUserData`.
    pub(super) fn keep(bytes: Bytes) -> *mut MaybeUninit<Bytes> {
        let mut slot = take();
        slot.write(bytes);
        Box::into_raw(slot)
    }

    /// `m_pfnFreeData` of shared payloads: drops the owner and recycles its slot. The library
    /// calls it once per message, on any thread, possibly before `SendMessages` returns. It
    /// must not read `m_cbSize`, which the library may have changed.
    pub(super) unsafe extern "C" fn release(message: *mut sys::SteamNetworkingMessage_t) {
        crate::ffi::no_unwind((), || {
            // SAFETY: the library passes the message this function was installed on.
            let Some(message) = (unsafe { message.as_mut() }) else { return };
            let slot = message.m_nUserData as *mut MaybeUninit<Bytes>;
            if slot.is_null() {
                return;
            }
            message.m_nUserData = 0;
            // SAFETY: `slot` came from `keep` (Box::into_raw of an initialised slot) and the
            // library calls this once per message, so it is reclaimed and dropped once.
            let mut slot = unsafe { Box::from_raw(slot) };
            // SAFETY: `keep` initialised it, and nothing has dropped it since.
            unsafe { slot.assume_init_drop() };
            give_back(slot);
        });
    }
}

impl From<Message> for Bytes {
    /// Turns a received message into `Bytes` without copying: the message is released when
    /// the last `Bytes` sharing it drops. (One small allocation holds the message.)
    fn from(message: Message) -> Bytes {
        if message.is_empty() { Bytes::new() } else { Bytes::from_owner(message) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_bytes_bound_the_units_of_the_messages_they_can_be() {
        // GameNetworkingSockets frames an empty reliable message in one byte, a 64-byte one
        // in two: the bound never undercounts, and overcounts by about a unit per KiB.
        assert!((5_000..=5_005).contains(&held_units(5_000, 0)), "5,000 empty messages");
        assert!((100..=107).contains(&held_units(66 * 100, 64)), "100 messages of 64 B");
        assert!((30..=31).contains(&held_units(10 * 2050, 2048)), "10 messages of 2 KiB");
        // Nothing held is no units, whatever the sizes were.
        assert_eq!(held_units(0, 0), 0);
        assert_eq!(held_units(0, usize::MAX), 0);
    }

    #[test]
    fn a_sender_at_the_limit_resumes_once_an_eighth_of_it_is_free() {
        assert!(has_room(0));
        assert!(has_room(RELIABLE_BACKLOG_LIMIT - RESUME_ROOM));
        assert!(!has_room(RELIABLE_BACKLOG_LIMIT - RESUME_ROOM + 1));
        assert!(!has_room(RELIABLE_BACKLOG_LIMIT));
        assert_eq!(RESUME_ROOM, 1024);
    }
}
