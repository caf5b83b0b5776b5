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
///
/// Under Miri, both limits are small: it checks every access to the shared queue against all
/// of the queue's memory, so that the tests that fill them would take minutes.
const LOCAL_SLOTS: usize = if cfg!(miri) { 16 } else { 1024 };

/// Spare slots shared by all threads; beyond this many, returned slots are freed.
const SHARED_SLOTS: usize = if cfg!(miri) { 64 } else { 16 * 1024 };

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

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A payload owner that counts its drops.
    struct Counted {
        data: Vec<u8>,
        drops: Arc<AtomicUsize>,
    }

    impl AsRef<[u8]> for Counted {
        fn as_ref(&self) -> &[u8] {
            &self.data
        }
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            self.drops.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counted(data: &[u8], drops: &Arc<AtomicUsize>) -> Bytes {
        Bytes::from_owner(Counted { data: data.to_vec(), drops: Arc::clone(drops) })
    }

    /// The payload a slot holds, as the library's message would point at it.
    ///
    /// # Safety
    /// `slot` came from [`keep`] and has not been released.
    unsafe fn payload(slot: *mut MaybeUninit<Bytes>) -> Vec<u8> {
        // SAFETY: the caller's contract: the slot is a live allocation from `keep`.
        let slot = unsafe { &*slot };
        // SAFETY: `keep` initialised it, and it has not been released (dropped) since.
        unsafe { slot.assume_init_ref() }.to_vec()
    }

    #[test]
    fn a_kept_payload_stays_intact_and_is_dropped_once_on_release() {
        let drops = Arc::new(AtomicUsize::new(0));
        let slot = keep(counted(b"hello", &drops));
        // SAFETY: from `keep`, not released yet.
        assert_eq!(unsafe { payload(slot) }, b"hello");
        assert_eq!(drops.load(Ordering::SeqCst), 0, "kept alive while the library holds it");
        // SAFETY: from `keep`, released once.
        unsafe { release(slot) };
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_released_slot_is_reused_for_the_next_payload() {
        let drops = Arc::new(AtomicUsize::new(0));
        let first = keep(counted(b"first", &drops));
        // SAFETY: from `keep`, released once.
        unsafe { release(first) };
        let second = keep(counted(b"second", &drops));
        assert_eq!(second, first, "this thread's spare slot is taken again");
        // SAFETY: from `keep` (the recycled slot holds the new payload), not released yet.
        assert_eq!(unsafe { payload(second) }, b"second");
        // SAFETY: from `keep`, released once.
        unsafe { release(second) };
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn releasing_null_does_nothing() {
        // SAFETY: null is documented as a no-op (the library's messages without an owner).
        unsafe { release(std::ptr::null_mut()) };
    }

    #[test]
    fn past_the_local_spares_slots_go_to_the_shared_queue_and_come_back() {
        let drops = Arc::new(AtomicUsize::new(0));
        let count = LOCAL_SLOTS + 64;
        // Run on a thread of its own, so that its local spares start empty. Joined, not
        // scoped: a scope ends before the thread's locals (its spares) are freed.
        let thread_drops = Arc::clone(&drops);
        std::thread::spawn(move || {
            let drops = thread_drops;
            {
                let slots: Vec<_> = (0..count).map(|i| keep(counted(&[i as u8], &drops))).collect();
                for &slot in &slots {
                    // SAFETY: each from `keep`, released once.
                    unsafe { release(slot) };
                }
                assert_eq!(drops.load(Ordering::SeqCst), count);
                let again: Vec<_> = (0..count).map(|_| keep(counted(b"again", &drops))).collect();
                for &slot in &again {
                    // SAFETY: from `keep`, not released yet.
                    assert_eq!(unsafe { payload(slot) }, b"again");
                    // SAFETY: from `keep`, released once.
                    unsafe { release(slot) };
                }
            }
        })
        .join()
        .unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 2 * count);
    }

    #[test]
    fn past_every_spare_slot_returned_slots_are_freed() {
        let drops = Arc::new(AtomicUsize::new(0));
        let thread_drops = Arc::clone(&drops);
        // More slots in flight than this thread and the shared queue keep spare, on a thread
        // of its own (its local spares start empty; the other tests share the queue).
        let count = LOCAL_SLOTS + SHARED_SLOTS + 8;
        std::thread::spawn(move || {
            let slots: Vec<_> = (0..count).map(|_| keep(counted(b"x", &thread_drops))).collect();
            for &slot in &slots {
                // SAFETY: each from `keep`, released once.
                unsafe { release(slot) };
            }
        })
        .join()
        .unwrap();
        // The slots past the spares are freed (under Miri, its leak check says so).
        assert_eq!(drops.load(Ordering::SeqCst), count, "every owner dropped");
    }

    /// A slot's address crossing threads, as the library's messages carry it.
    struct Sent(*mut MaybeUninit<Bytes>);

    // SAFETY: a slot is a heap allocation that whoever holds its address owns, and `Bytes` is
    // `Send`.
    unsafe impl Send for Sent {}

    #[test]
    fn a_slot_kept_on_one_thread_is_released_on_another() {
        let drops = Arc::new(AtomicUsize::new(0));
        let slots: Vec<Sent> = (0..8u8).map(|i| Sent(keep(counted(&[i; 3], &drops)))).collect();
        let count = slots.len();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                for (i, Sent(slot)) in slots.into_iter().enumerate() {
                    // SAFETY: from `keep`, not released yet.
                    assert_eq!(unsafe { payload(slot) }, [i as u8; 3]);
                    // SAFETY: from `keep`, released once, here.
                    unsafe { release(slot) };
                }
            });
        });
        assert_eq!(drops.load(Ordering::SeqCst), count);
        // The other thread has exited and freed its spares; this thread keeps working.
        let slot = keep(counted(b"after", &drops));
        // SAFETY: from `keep`, released once.
        unsafe { release(slot) };
        assert_eq!(drops.load(Ordering::SeqCst), count + 1);
    }

    #[test]
    fn a_slot_released_while_its_thread_exits_is_freed_and_its_owner_dropped() {
        /// Releases its slot when the thread's locals are destroyed, possibly after `LOCAL`.
        struct ReleaseAtExit(Cell<*mut MaybeUninit<Bytes>>);
        impl Drop for ReleaseAtExit {
            fn drop(&mut self) {
                // SAFETY: from `keep` in the thread below, released once, here.
                unsafe { release(self.0.get()) };
            }
        }
        thread_local! {
            static AT_EXIT: ReleaseAtExit =
                const { ReleaseAtExit(Cell::new(std::ptr::null_mut())) };
        }
        let drops = Arc::new(AtomicUsize::new(0));
        let thread_drops = Arc::clone(&drops);
        std::thread::spawn(move || {
            // Touch `LOCAL` first, so that it is live while the thread exits.
            // SAFETY: from `keep`, released once.
            unsafe { release(keep(counted(b"warm", &thread_drops))) };
            let slot = keep(counted(b"late", &thread_drops));
            AT_EXIT.with(|at_exit| at_exit.0.set(slot));
        })
        .join()
        .unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    }
}
