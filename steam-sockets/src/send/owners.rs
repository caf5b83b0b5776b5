//! Keeps the `Bytes` behind shared payloads alive while the library holds them.
//!
//! A message has one 64-bit field for its owner, and a `Bytes` is four words, so each owner
//! lives in a heap slot whose address goes in that field. Slots are recycled, so that once
//! enough exist for the messages in flight, sending allocates nothing. Each thread keeps a few
//! spare slots of its own (no atomic operations: the library usually releases a message on the
//! thread that sent it); the rest go to a shared lock-free queue, since a slot may be taken on
//! one thread and come back on another.

use std::cell::RefCell;
use std::mem::MaybeUninit;
use std::sync::OnceLock;

use bytes::Bytes;
use crossbeam_queue::ArrayQueue;

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
pub(crate) fn keep(bytes: Bytes) -> *mut MaybeUninit<Bytes> {
    let mut slot = take();
    slot.write(bytes);
    Box::into_raw(slot)
}

/// Drops the owner `keep` stored at `slot` and recycles the slot.
///
/// # Safety
/// `slot` came from [`keep`] and is released once: the library's free function calls this
/// once per message.
pub(crate) unsafe fn release(slot: *mut MaybeUninit<Bytes>) {
    if slot.is_null() {
        return;
    }
    // SAFETY: `slot` came from `keep` (Box::into_raw of an initialised slot) and is released
    // once (the caller's contract), so it is reclaimed and dropped once.
    let mut slot = unsafe { Box::from_raw(slot) };
    // SAFETY: `keep` initialised it, and nothing has dropped it since.
    unsafe { slot.assume_init_drop() };
    give_back(slot);
}
