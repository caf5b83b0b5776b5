//! Sending renet's packets in batches, and the receive batch sizes.

use std::time::{Duration, Instant};

use steam_sockets::{Connection, Error, Outgoing, SendFlags, Sockets};

/// Messages asked of the library per receive call.
pub(crate) const RECEIVE_BATCH: usize = 256;

/// Receive calls per `update` at most, so that a flood cannot hold a tick forever (the rest
/// waits for the next tick).
pub(crate) const RECEIVE_BATCHES_PER_UPDATE: usize = 16;

/// How often, by default, one packet to each peer is sent reliably (see
/// [`ServerConfig::probe_interval`](crate::ServerConfig::probe_interval)).
pub(crate) const DEFAULT_PROBE_INTERVAL: Duration = Duration::from_millis(500);

/// When a peer's next probe is due.
#[derive(Debug)]
pub(crate) struct Probe {
    next: Instant,
}

impl Probe {
    pub(crate) fn new(now: Instant) -> Probe {
        Probe { next: now }
    }

    /// The flags of the last packet to this peer in a tick that sends some: without Nagle, and
    /// reliable if a probe is due (then the next one is due `interval` later).
    pub(crate) fn last_flags(&mut self, now: Instant, interval: Option<Duration>) -> SendFlags {
        match interval {
            Some(interval) if now >= self.next => {
                self.next = now + interval;
                SendFlags::RELIABLE | SendFlags::NO_NAGLE
            }
            _ => SendFlags::NO_NAGLE,
        }
    }
}

/// Packets renet handed out, waiting for one batch send; reused from tick to tick.
#[derive(Debug)]
pub(crate) struct Outbox<K> {
    /// Each packet with where it goes and how.
    packets: Vec<(K, Vec<u8>, SendFlags)>,
}

impl<K> Default for Outbox<K> {
    fn default() -> Self {
        Outbox { packets: Vec::new() }
    }
}

/// How a batch went.
#[derive(Debug, Default)]
pub(crate) struct Sent {
    /// Packets the library refused.
    pub(crate) refused: usize,
    /// The first refusal that is not back-pressure (a full send buffer, and the packets after
    /// it that the library then skips): the connection is closed or gone.
    pub(crate) error: Option<Error>,
}

impl<K: Copy> Outbox<K> {
    /// Moves renet's packets for `to` in (no copy: the `Vec`s themselves): unreliable, the last
    /// one with `last` (see [`Probe::last_flags`]).
    pub(crate) fn queue(&mut self, to: K, packets: Vec<Vec<u8>>, last: SendFlags) {
        let end = packets.len().saturating_sub(1);
        self.packets.extend(
            packets.into_iter().enumerate().map(|(i, packet)| {
                (to, packet, if i == end { last } else { SendFlags::UNRELIABLE })
            }),
        );
    }

    /// Sends every queued packet, to `connection(key)`, with one library call per 64, and
    /// empties the outbox.
    pub(crate) fn send<'c>(
        &mut self,
        sockets: &Sockets,
        connection: impl Fn(&K) -> Option<&'c Connection>,
    ) -> Sent {
        let mut sent = Sent::default();
        if self.packets.is_empty() {
            return sent;
        }
        let batch = self.packets.iter().filter_map(|(to, packet, flags)| {
            Some(Outgoing {
                connection: connection(to)?,
                data: packet.as_slice().into(),
                flags: *flags,
                lane: 0,
            })
        });
        sockets.send_messages(batch, |_, result| {
            if let Err(error) = result {
                sent.refused += 1;
                let pressure =
                    matches!(error, Error::SendBufferFull { .. } | Error::NotAttempted { .. });
                if !pressure && sent.error.is_none() {
                    sent.error = Some(error);
                }
            }
        });
        if sent.refused > 0 {
            log::debug!(
                "{} of {} packets not sent ({})",
                sent.refused,
                self.packets.len(),
                sent.error.as_ref().map_or("send buffer full".to_string(), ToString::to_string)
            );
        }
        self.packets.clear();
        sent
    }
}
