//! The reliable backlog guard: how much reliable data one connection may have in the library.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// How much reliable data one connection may have in the library (queued, or sent and not yet
/// acknowledged), in units of one per message plus one per KiB of payload. Sends count their
/// units; at the limit, a reliable send asks the library how many bytes of reliable data it
/// still holds and lowers the count to what that many bytes can be at most (every message
/// holds at least the smallest payload sent, plus framing). Until that leaves room for an
/// eighth of the limit, the send fails with [`Error::SendBufferFull`](crate::Error::SendBufferFull)
/// (back-pressure, whatever the connection's `SendBufferSize`); the first send after the library
/// has made that room goes through.
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

/// A connection's count against [`RELIABLE_BACKLOG_LIMIT`].
///
/// Counting costs one atomic addition per message when several threads send on the
/// connection. While one thread does (the usual case), it costs a plain load and store: an
/// atomic addition is a full memory barrier on x86, and measured as much as everything else
/// the crate does for a message on the fastest path. The first thread to count owns the count;
/// when another one counts, the count becomes shared, for good. An addition the owner is making
/// at that moment (between its load and its store) may overwrite what the others count
/// meanwhile: once per connection, the count can then err low by up to the limit (if the owner
/// is preempted right there), so that the library holds at most twice the limit, still far
/// inside its own (65,535 segments).
#[derive(Debug)]
pub(crate) struct Backlog {
    /// Units counted, an upper bound on what the library holds.
    units: AtomicUsize,
    /// The smallest reliable payload sent since the library last held nothing.
    smallest: AtomicUsize,
    /// The thread that counts alone ([`thread_token`]), [`NO_OWNER`] or [`SHARED`].
    owner: AtomicUsize,
}

/// `Backlog::owner` before anything was counted.
const NO_OWNER: usize = 0;
/// `Backlog::owner` once more than one thread has counted.
const SHARED: usize = usize::MAX;

/// A number unique to this thread among the live ones (never [`NO_OWNER`] or [`SHARED`]): the
/// address of a thread-local. (A thread that starts after another ended may get its number;
/// the ended one counts no more.)
#[inline]
fn thread_token() -> usize {
    thread_local! {
        static TOKEN: u8 = const { 0 };
    }
    TOKEN.with(|token| std::ptr::from_ref(token) as usize)
}

impl Default for Backlog {
    fn default() -> Self {
        Backlog {
            units: AtomicUsize::new(0),
            smallest: AtomicUsize::new(usize::MAX),
            owner: AtomicUsize::new(NO_OWNER),
        }
    }
}

/// Units a batch has admitted for one connection and not yet added to its count (see
/// [`Backlog::count_in`]); added when the batch moves on to another connection, hands its
/// messages to the library, or ends.
#[derive(Default)]
pub(crate) struct Tally<'a> {
    backlog: Option<&'a Backlog>,
    units: usize,
}

impl Tally<'_> {
    /// Adds the units to the count.
    #[inline]
    pub(crate) fn settle(&mut self) {
        if let Some(backlog) = self.backlog {
            if self.units > 0 {
                backlog.add(std::mem::take(&mut self.units));
            }
        }
    }
}

impl Drop for Tally<'_> {
    fn drop(&mut self) {
        self.settle();
    }
}

/// Units of a reliable message of `len` bytes.
const fn units(len: usize) -> usize {
    1 + len / 1024
}

// The room sending waits for holds any one message.
const _: () = assert!(units(crate::raw::types::MAX_MESSAGE_SIZE) <= RESUME_ROOM);

impl Backlog {
    /// Whether this thread is the only one that has counted on this connection (making it the
    /// owner if nobody has yet, and the count shared if another thread owns it).
    #[inline]
    fn counts_alone(&self) -> bool {
        let token = thread_token();
        match self.owner.load(Ordering::Relaxed) {
            owner if owner == token => true,
            SHARED => false,
            NO_OWNER => {
                match self.owner.compare_exchange(
                    NO_OWNER,
                    token,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => true,
                    Err(owner) => owner == token || self.share(),
                }
            }
            _ => self.share(),
        }
    }

    /// Makes the count shared; always `false` (this thread does not count alone).
    #[cold]
    fn share(&self) -> bool {
        self.owner.store(SHARED, Ordering::Relaxed);
        false
    }

    /// Adds `units` to the count; the new count.
    #[inline]
    fn add(&self, units: usize) -> usize {
        if self.counts_alone() {
            let counted = self.units.load(Ordering::Relaxed) + units;
            self.units.store(counted, Ordering::Relaxed);
            counted
        } else {
            self.units.fetch_add(units, Ordering::Relaxed) + units
        }
    }

    /// Counts a reliable message of `len` bytes, or refuses it while the connection is at the
    /// limit; `held_bytes` asks the library how many bytes of reliable data it holds (at the
    /// limit only). (Messages the library refuses later in a batch stay counted: the count
    /// only errs high.)
    #[inline]
    pub(crate) fn count(
        &self,
        len: usize,
        held_bytes: impl FnOnce() -> Result<usize>,
    ) -> Result<()> {
        self.note_size(len);
        let units = units(len);
        if self.units.load(Ordering::Relaxed) + units <= RELIABLE_BACKLOG_LIMIT {
            if self.add(units) <= RELIABLE_BACKLOG_LIMIT {
                return Ok(());
            }
            // Another thread counted in between: take these units back.
            self.units.fetch_sub(units, Ordering::Relaxed);
        }
        self.recount(units, held_bytes)
    }

    /// Like [`count`](Backlog::count), for a message of a batch: the units go to `tally`, which
    /// adds them to the count once per run of messages to this connection instead of once per
    /// message. At the limit, the tally is settled and the message counted exactly.
    #[inline(always)]
    pub(crate) fn count_in<'a>(
        &'a self,
        len: usize,
        tally: &mut Tally<'a>,
        held_bytes: impl FnOnce() -> Result<usize>,
    ) -> Result<()> {
        if !tally.backlog.is_some_and(|backlog| std::ptr::eq(backlog, self)) {
            tally.settle();
            tally.backlog = Some(self);
        }
        self.note_size(len);
        let units = units(len);
        if self.units.load(Ordering::Relaxed) + tally.units + units <= RELIABLE_BACKLOG_LIMIT {
            tally.units += units;
            return Ok(());
        }
        tally.settle();
        self.count(len, held_bytes)
    }

    #[inline]
    fn note_size(&self, len: usize) {
        if len < self.smallest.load(Ordering::Relaxed) {
            self.smallest.fetch_min(len, Ordering::Relaxed);
        }
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
    fn recount(&self, units: usize, held_bytes: impl FnOnce() -> Result<usize>) -> Result<()> {
        let full = Error::SendBufferFull { function: "SendMessages" };
        let counted = self.units.load(Ordering::Relaxed);
        let held_bytes = held_bytes()?;
        let smallest = self.smallest.load(Ordering::Relaxed);
        if held_bytes == 0 {
            // Nothing left: sizes seen so far no longer matter.
            self.smallest.store(usize::MAX, Ordering::Relaxed);
        }
        // Messages counted before the look are in the library by now (or refused). (A batch
        // being built may hold up to 63 messages not yet handed over: the margin below the
        // library's limits covers them.)
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

    fn counted(backlog: &Backlog) -> usize {
        backlog.units.load(Ordering::Relaxed)
    }

    /// The library's answer when asked: nothing held, or everything counted so far.
    fn library_holds(bytes: usize) -> impl FnOnce() -> Result<usize> {
        move || Ok(bytes)
    }

    #[test]
    fn one_thread_counts_alone_and_exactly_up_to_the_limit() {
        let backlog = Backlog::default();
        for _ in 0..RELIABLE_BACKLOG_LIMIT {
            backlog.count(0, || panic!("asked the library below the limit")).unwrap();
        }
        assert_eq!(backlog.owner.load(Ordering::Relaxed), thread_token());
        assert_eq!(counted(&backlog), RELIABLE_BACKLOG_LIMIT);
        // At the limit, with the library still holding every one of them (one byte each):
        // back-pressure, and nothing counted.
        let full = backlog.count(0, library_holds(RELIABLE_BACKLOG_LIMIT));
        assert!(matches!(full, Err(Error::SendBufferFull { .. })), "{full:?}");
        assert_eq!(counted(&backlog), RELIABLE_BACKLOG_LIMIT);
        // Once the library holds nothing, the count starts again from this message.
        backlog.count(0, library_holds(0)).unwrap();
        assert_eq!(counted(&backlog), 1);
    }

    #[test]
    fn a_second_thread_makes_the_count_shared_and_nothing_is_lost_in_turns() {
        let backlog = Backlog::default();
        backlog.count(2048, library_holds(0)).unwrap();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for _ in 0..1000 {
                    backlog.count(0, library_holds(0)).unwrap();
                }
            });
        });
        assert_eq!(backlog.owner.load(Ordering::Relaxed), SHARED);
        for _ in 0..1000 {
            backlog.count(0, library_holds(0)).unwrap();
        }
        assert_eq!(counted(&backlog), 3 + 2000, "a 2 KiB message is 3 units");
    }

    #[test]
    fn once_shared_concurrent_counts_lose_nothing() {
        const PER_THREAD: usize = 1000;
        let backlog = Backlog::default();
        // Two threads in turn: the count is shared from then on.
        backlog.count(0, library_holds(0)).unwrap();
        std::thread::scope(|scope| {
            scope.spawn(|| backlog.count(0, library_holds(0)).unwrap());
        });
        assert_eq!(backlog.owner.load(Ordering::Relaxed), SHARED);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..PER_THREAD {
                        backlog.count(0, library_holds(0)).unwrap();
                    }
                });
            }
        });
        assert_eq!(counted(&backlog), 2 + 4 * PER_THREAD);
    }

    #[test]
    fn a_batch_tally_adds_its_units_when_settled() {
        let (one, two) = (Backlog::default(), Backlog::default());
        let mut tally = Tally::default();
        for _ in 0..10 {
            one.count_in(0, &mut tally, library_holds(0)).unwrap();
        }
        assert_eq!(counted(&one), 0, "held in the tally");
        // Moving on to another connection settles the first.
        two.count_in(1024, &mut tally, library_holds(0)).unwrap();
        assert_eq!(counted(&one), 10);
        drop(tally);
        assert_eq!(counted(&two), 2);
        // A tally stops at the limit like single counts.
        let mut tally = Tally::default();
        let mut accepted = 0;
        while one.count_in(0, &mut tally, library_holds(RELIABLE_BACKLOG_LIMIT)).is_ok() {
            accepted += 1;
        }
        drop(tally);
        assert_eq!(accepted, RELIABLE_BACKLOG_LIMIT - 10);
        assert_eq!(counted(&one), RELIABLE_BACKLOG_LIMIT);
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
