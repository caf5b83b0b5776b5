//! Steady-state send and receive loops allocate nothing in Rust, per message. A counting global
//! allocator counts the allocations this test's thread makes while a loop runs. (The library's
//! own C++ allocations are not Rust's and are not counted.) Its own test binary, so no other
//! test shares the allocator.
#![cfg(feature = "gns")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bytes::Bytes;
use steam_sockets::{Connection, Message, Outgoing, SendFlags, Sockets};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn note_allocation() {
    // `try_with`: the allocator can run while thread-locals are being torn down.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

// SAFETY: forwards every call to the system allocator unchanged; counting only touches
// const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations this thread makes while `f` runs.
fn allocations_in(f: impl FnOnce()) -> u64 {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    ALLOCATIONS.with(|n| n.get())
}

const MESSAGES: usize = 20_000;

/// Sends `count` messages with `send` and receives them all on `receiver` into `inbox`,
/// checking each.
fn exchange(
    receiver: &Connection,
    inbox: &mut Vec<Message>,
    count: usize,
    mut send: impl FnMut(usize),
) {
    let mut received = 0;
    for i in 0..count {
        send(i);
        if i % 32 == 31 || i + 1 == count {
            while received <= i {
                receiver.receive(inbox, 64).unwrap();
                for msg in inbox.drain(..) {
                    assert_eq!(msg.len(), 64);
                    received += 1;
                }
            }
        }
    }
}

#[test]
fn steady_send_and_receive_loops_allocate_nothing_per_message() {
    let sockets = Sockets::init_gns().unwrap();
    let (a, b) = sockets.create_socket_pair(steam_sockets::PairTransport::InProcess, None).unwrap();
    let mut inbox: Vec<Message> = Vec::with_capacity(64);
    let payload = [7u8; 64];
    let shared = Bytes::from(vec![9u8; 64]);

    let send_copied = |_| {
        a.send(&payload, SendFlags::RELIABLE).unwrap();
    };
    let send_shared = |_| {
        a.send(&shared, SendFlags::RELIABLE).unwrap();
    };
    let send_batched = |_| {
        let message = Outgoing {
            connection: &a,
            data: (&shared).into(),
            flags: SendFlags::RELIABLE,
            lane: 0,
        };
        let mut sent = false;
        sockets.send_messages([message], |_, result| sent = result.is_ok());
        assert!(sent);
    };

    // Warm up each path once: buffers reach their size, the shared payload's reference count
    // is set up, and the owner slots fill their recycling queue.
    exchange(&b, &mut inbox, 1000, send_copied);
    exchange(&b, &mut inbox, 1000, send_shared);
    exchange(&b, &mut inbox, 1000, send_batched);

    let copied = allocations_in(|| exchange(&b, &mut inbox, MESSAGES, send_copied));
    let zero_copy = allocations_in(|| exchange(&b, &mut inbox, MESSAGES, send_shared));
    let batched = allocations_in(|| exchange(&b, &mut inbox, MESSAGES, send_batched));
    // The counter works: an allocation inside the window is seen.
    let control = allocations_in(|| drop(std::hint::black_box(vec![0u8; 16])));

    println!(
        "allocations per {MESSAGES} messages: send+receive {copied}, send(&Bytes)+receive {zero_copy}, \
         send_messages(Bytes)+receive {batched} (control: {control})"
    );
    assert_eq!(control, 1);
    assert_eq!(copied, 0);
    assert_eq!(zero_copy, 0);
    assert_eq!(batched, 0);
}
