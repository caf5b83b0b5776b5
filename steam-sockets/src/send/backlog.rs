//! The reliable backlog guard: how much reliable data one connection may have in the library.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};
use crate::raw::connection::RawConnection;

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
const _: () = assert!(units(crate::raw::types::MAX_MESSAGE_SIZE) <= RESUME_ROOM);

impl Backlog {
    /// Counts a reliable message of `len` bytes, or refuses it while the
    /// connection is at the limit. (Messages the library refuses later in a batch stay
    /// counted: the count only errs high.)
    #[inline]
    pub(crate) fn count(&self, conn: RawConnection, len: usize) -> Result<()> {
        if len < self.smallest.load(Ordering::Relaxed) {
            self.smallest.fetch_min(len, Ordering::Relaxed);
        }
        let units = units(len);
        if self.units.fetch_add(units, Ordering::Relaxed) + units <= RELIABLE_BACKLOG_LIMIT {
            return Ok(());
        }
        self.units.fetch_sub(units, Ordering::Relaxed);
        self.recount(conn, units)
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
    fn recount(&self, conn: RawConnection, units: usize) -> Result<()> {
        let full = Error::SendBufferFull { function: "SendMessages" };
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
