//! Messages: the received ones (`SteamNetworkingMessage_t` the library hands over), and the
//! outgoing ones this crate allocates, fills and hands to `SendMessages`.

use std::ffi::c_int;
use std::ptr::NonNull;

use bytes::Bytes;
use steam_sockets_sys as sys;

use super::api::Api;
use super::convert::identity_from_raw;
use super::types::ConnectionHandle;
use crate::error::{Error, Result};
use crate::identity::NetworkIdentity;
use crate::send::owners;

// ---------------------------------------------------------------------------------------------
// Received messages
// ---------------------------------------------------------------------------------------------

/// A received message, owned: released when dropped.
// `repr(transparent)` over the pointer: see `MessageSlot`.
#[repr(transparent)]
pub(crate) struct RawMessage(NonNull<sys::SteamNetworkingMessage_t>);

// SAFETY: a received message is owned by exactly one `RawMessage`; the library never touches
// it again until `Release`, which may be called from any thread. Shared access only reads
// fields and the payload, which nothing mutates.
unsafe impl Send for RawMessage {}
// SAFETY: see `Send`: `&RawMessage` gives read-only access to immutable data.
unsafe impl Sync for RawMessage {}

impl RawMessage {
    #[inline]
    fn raw(&self) -> &sys::SteamNetworkingMessage_t {
        // SAFETY: the pointer came from a receive call and stays valid until `Drop` releases it.
        unsafe { self.0.as_ref() }
    }

    /// The payload.
    #[inline]
    pub(crate) fn data(&self) -> &[u8] {
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

    #[inline]
    pub(crate) fn connection(&self) -> ConnectionHandle {
        self.raw().m_conn
    }

    #[inline]
    pub(crate) fn lane(&self) -> u16 {
        self.raw().m_idxLane
    }

    #[inline]
    pub(crate) fn message_number(&self) -> i64 {
        self.raw().m_nMessageNumber
    }

    #[inline]
    pub(crate) fn received_at(&self) -> i64 {
        self.raw().m_usecTimeReceived
    }

    #[inline]
    pub(crate) fn flags(&self) -> i32 {
        self.raw().m_nFlags
    }

    pub(crate) fn peer(&self) -> NetworkIdentity {
        identity_from_raw(&self.raw().m_identityPeer)
    }

    #[inline]
    pub(crate) fn connection_user_data(&self) -> i64 {
        self.raw().m_nConnUserData
    }
}

impl Drop for RawMessage {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: this `RawMessage` owns the message and releases it exactly once.
        unsafe { sys::SteamAPI_SteamNetworkingMessage_t_Release(self.0.as_ptr()) }
    }
}

/// Types a receive call may write into: `RawMessage` and the safe layer's `Message`.
///
/// # Safety
/// The type is a `repr(transparent)` wrapper of [`RawMessage`] (so of one non-null message
/// pointer that it owns and releases): a `Vec` of it has spare capacity that is an array of
/// message pointers.
pub(crate) unsafe trait MessageSlot {}

// SAFETY: it is itself.
unsafe impl MessageSlot for RawMessage {}

/// Appends up to `max` messages to `buf` through `receive`, a receive function that fills an
/// array of message pointers and returns its name and how many it wrote, or -1 for a bad
/// handle.
///
/// Reuses `buf`'s capacity: once `buf` has room for `max` more messages, nothing is allocated.
#[inline]
pub(crate) fn receive_into<M: MessageSlot>(
    buf: &mut Vec<M>,
    max: usize,
    receive: impl FnOnce(*mut *mut sys::SteamNetworkingMessage_t, c_int) -> (&'static str, c_int),
) -> Result<usize> {
    let max = max.min(c_int::MAX as usize);
    buf.try_reserve(max).map_err(|_| Error::Allocation { what: "received messages" })?;
    let len = buf.len();
    let spare = buf.spare_capacity_mut().as_mut_ptr().cast::<*mut sys::SteamNetworkingMessage_t>();
    let (function, count) = receive(spare, max as c_int);
    let Ok(count) = usize::try_from(count) else {
        return Err(Error::InvalidHandle { function });
    };
    // The library writes at most `max` pointers; a larger count would be its bug, never ours
    // to turn into a length past what it wrote.
    let count = count.min(max);
    // SAFETY: the library wrote `count` valid, non-null message pointers, each owned by the
    // caller, into the first `count` spare slots; `M` is a transparent wrapper of such a
    // pointer (`MessageSlot`), so those slots are now initialised values of `M`.
    unsafe { buf.set_len(len + count) };
    Ok(count)
}

// ---------------------------------------------------------------------------------------------
// Outgoing messages
// ---------------------------------------------------------------------------------------------

/// What an outgoing message carries: bytes to copy into a library buffer, or shared bytes the
/// library keeps a reference to.
pub(crate) enum Data<'a> {
    Copy(&'a [u8]),
    Share(Bytes),
}

impl Data<'_> {
    pub(crate) fn len(&self) -> usize {
        match self {
            Data::Copy(data) => data.len(),
            Data::Share(bytes) => bytes.len(),
        }
    }
}

/// A message from `AllocateMessage`, filled, owned until it is handed to `SendMessages`.
pub(crate) struct OutgoingMessage(NonNull<sys::SteamNetworkingMessage_t>);

impl OutgoingMessage {
    /// Allocates and fills a message to `connection` (the caller has checked the size, at most
    /// [`crate::send::MAX_MESSAGE_SIZE`]).
    #[inline(always)]
    pub(crate) fn new(
        api: Api,
        connection: ConnectionHandle,
        data: Data<'_>,
        flags: i32,
        lane: u16,
    ) -> Result<OutgoingMessage> {
        let len = data.len();
        // A library buffer for a copy; none (null data, no free function) for shared bytes.
        let buffer = match data {
            Data::Copy(_) => len,
            Data::Share(_) => 0,
        };
        // SAFETY: live interface; the size fits in c_int (at most 512 KiB, checked by the
        // caller).
        let raw = unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_AllocateMessage(api.utils(), buffer as c_int)
        };
        let mut raw = NonNull::new(raw).ok_or(Error::Failed { function: "AllocateMessage" })?;
        // SAFETY: a message this function now owns, with a buffer of `buffer` bytes (null data
        // pointer when 0); nothing else refers to it.
        let msg = unsafe { raw.as_mut() };
        // GNS leaves this field uninitialised: always write it.
        msg.m_nUserData = 0;
        match data {
            Data::Copy(data) if !data.is_empty() => {
                // SAFETY: `m_pData` points to `len` writable bytes that do not overlap `data`.
                unsafe {
                    std::ptr::copy_nonoverlapping(data.as_ptr(), msg.m_pData.cast::<u8>(), len)
                };
            }
            Data::Share(bytes) if !bytes.is_empty() => {
                // The library only reads outbound data; the pointer is mutable in the C struct.
                msg.m_pData = bytes.as_ptr().cast_mut().cast();
                msg.m_cbSize = len as c_int;
                msg.m_nUserData = owners::keep(bytes) as i64;
                msg.m_pfnFreeData = Some(release_shared);
            }
            // Empty payloads carry no data (and nothing to keep).
            _ => {}
        }
        msg.m_conn = connection;
        msg.m_nFlags = flags;
        msg.m_idxLane = lane;
        Ok(OutgoingMessage(raw))
    }
}

impl Drop for OutgoingMessage {
    fn drop(&mut self) {
        // Never handed over (a batch was abandoned): release it, which frees its buffer or
        // gives back its shared bytes.
        // SAFETY: this `OutgoingMessage` owns the message and releases it exactly once.
        unsafe { sys::SteamAPI_SteamNetworkingMessage_t_Release(self.0.as_ptr()) }
    }
}

/// `m_pfnFreeData` of shared payloads: gives the owner back to the pool. The library calls it
/// once per message, on any thread, possibly before `SendMessages` returns. It must not read
/// `m_cbSize`, which the library may have changed.
unsafe extern "C" fn release_shared(message: *mut sys::SteamNetworkingMessage_t) {
    super::ffi::no_unwind((), || {
        // SAFETY: the library passes the message this function was installed on.
        let Some(message) = (unsafe { message.as_mut() }) else { return };
        let owner = std::mem::replace(&mut message.m_nUserData, 0);
        // SAFETY: `m_nUserData` of a message with this free function holds the address
        // `owners::keep` returned for it, and the library calls this once per message (and the
        // field was cleared, so a second call would find null).
        unsafe { owners::release(owner as *mut _) };
    });
}

/// Messages handed to `SendMessages` per call; the pointer and result arrays live on the stack,
/// so a batch of any size allocates nothing in Rust.
pub(crate) const CHUNK: usize = 64;

/// Up to [`CHUNK`] messages waiting for one `SendMessages` call.
pub(crate) struct Batch {
    messages: [*mut sys::SteamNetworkingMessage_t; CHUNK],
    len: usize,
}

impl Batch {
    pub(crate) const fn new() -> Batch {
        Batch { messages: [std::ptr::null_mut(); CHUNK], len: 0 }
    }

    /// Adds a message; whether the batch is now full (send it before adding more).
    #[inline(always)]
    pub(crate) fn push(&mut self, message: OutgoingMessage) -> bool {
        debug_assert!(self.len < CHUNK);
        // The batch owns it from here: `send` hands it over, `Drop` releases it.
        self.messages[self.len] = std::mem::ManuallyDrop::new(message).0.as_ptr();
        self.len += 1;
        self.len == CHUNK
    }

    /// Hands the messages to `SendMessages` and reports their results in order: the message
    /// number, or why the message was not sent.
    #[inline]
    pub(crate) fn send(&mut self, api: Api, mut on_result: impl FnMut(Result<i64>)) {
        if self.len == 0 {
            return;
        }
        let mut outcomes = [0i64; CHUNK];
        // SAFETY: live interface; the messages are from AllocateMessage and owned by this
        // batch, which hands them over (the library takes ownership of every one, sent or
        // not); `outcomes` has room for all of them (at most CHUNK).
        unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_SendMessages(
                api.sockets(),
                self.len as c_int,
                self.messages.as_ptr(),
                outcomes.as_mut_ptr(),
            )
        };
        let handed_over = std::mem::replace(&mut self.len, 0);
        for &outcome in &outcomes[..handed_over] {
            on_result(send_result(outcome));
        }
    }
}

/// What `SendMessages` says of one message: its number, or why it was not sent.
#[inline(always)]
fn send_result(outcome: i64) -> Result<i64> {
    match outcome {
        number if number > 0 => Ok(number),
        // 0 is never a message number: the library skipped this message after an earlier one
        // to the same connection failed (and, owning it, freed it).
        0 => Err(Error::NotAttempted { function: "SendMessages" }),
        negative => {
            let code = sys::EResult(i32::try_from(-negative).unwrap_or(i32::MAX));
            Err(Error::from_result("SendMessages", code))
        }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        for &message in &self.messages[..self.len] {
            // SAFETY: messages not handed over are still owned by the batch: released once.
            unsafe { sys::SteamAPI_SteamNetworkingMessage_t_Release(message) };
        }
    }
}

/// Sends one message with its own `SendMessages` call (the batch path, without a batch's
/// arrays).
#[inline]
pub(crate) fn send_one(api: Api, message: OutgoingMessage) -> Result<i64> {
    // Handed over here: the library owns it from the call on, sent or not.
    let messages = [std::mem::ManuallyDrop::new(message).0.as_ptr()];
    let mut outcome = [0i64];
    // SAFETY: live interface; the message is from AllocateMessage and handed over; `outcome`
    // has room for its one result.
    unsafe {
        sys::SteamAPI_ISteamNetworkingSockets_SendMessages(
            api.sockets(),
            1,
            messages.as_ptr(),
            outcome.as_mut_ptr(),
        )
    };
    send_result(outcome[0])
}
