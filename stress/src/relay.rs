//! A UDP relay of our own between a client and a server on 127.0.0.1, independent of the
//! library's network simulation: it can drop, duplicate, reorder, delay and corrupt datagrams,
//! records what the client sent (templates for the hostile scenarios), and lends its upstream
//! socket so that a scenario can inject datagrams from the address the server knows as the
//! client's.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::common::{RUN_LIMIT, Rng};

/// Datagrams the relay records from the client, at most (the first ones: the handshake and the
/// start of the data).
const CAPTURE_LIMIT: usize = 2_000;

/// How the relay mistreats each datagram, in percent (each decided independently).
#[derive(Debug, Clone, Copy, Default)]
pub struct Impairment {
    /// Dropped.
    pub drop: u64,
    /// Sent twice (the copy a few milliseconds later).
    pub duplicate: u64,
    /// Held back until the next datagram in the same direction has gone.
    pub reorder: u64,
    /// Delayed by 20 to 60 ms.
    pub delay: u64,
    /// One to eight bytes overwritten with random values.
    pub corrupt: u64,
    /// One bit flipped, in tenths of a percent (10 is 1 in 100).
    pub bit_flip_per_mille: u64,
}

/// What the relay did, over both directions.
#[derive(Debug, Clone, Copy, Default)]
pub struct RelayStats {
    /// Datagrams received from either side.
    pub seen: u64,
    /// Datagrams sent on (copies included).
    pub forwarded: u64,
    /// Dropped.
    pub dropped: u64,
    /// Sent twice.
    pub duplicated: u64,
    /// Held back behind the next one.
    pub reordered: u64,
    /// Delayed.
    pub delayed: u64,
    /// Overwritten in places.
    pub corrupted: u64,
    /// With one bit flipped.
    pub bit_flipped: u64,
}

impl std::fmt::Display for RelayStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} datagrams: {} dropped, {} duplicated, {} reordered, {} delayed, {} corrupted, \
             {} with one bit flipped",
            self.seen,
            self.dropped,
            self.duplicated,
            self.reordered,
            self.delayed,
            self.corrupted,
            self.bit_flipped
        )
    }
}

/// The datagrams a relay recorded from its client, read while the relay runs.
#[derive(Debug, Clone)]
pub struct Capture(Arc<Mutex<Vec<Vec<u8>>>>);

impl Capture {
    /// The datagrams recorded so far.
    pub fn snapshot(&self) -> Vec<Vec<u8>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// A running relay; stopped (and its figures returned) by [`Relay::stop`], or when dropped.
#[derive(Debug)]
pub struct Relay {
    front: SocketAddr,
    upstream: UdpSocket,
    captured: Arc<Mutex<Vec<Vec<u8>>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<RelayStats>>,
}

impl Relay {
    /// Starts a relay to `server` that treats datagrams as `impairment` says, with `seed` for
    /// its random choices.
    pub fn start(server: SocketAddr, impairment: Impairment, seed: u64) -> Result<Relay, String> {
        let bind = || UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("relay bind: {e}"));
        let (front, back) = (bind()?, bind()?);
        for socket in [&front, &back] {
            socket.set_nonblocking(true).map_err(|e| format!("relay nonblocking: {e}"))?;
        }
        back.connect(server).map_err(|e| format!("relay connect: {e}"))?;
        let front_addr = front.local_addr().map_err(|e| e.to_string())?;
        let upstream = back.try_clone().map_err(|e| format!("relay clone: {e}"))?;
        let captured = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut worker = Worker {
            front,
            back,
            client: None,
            impairment,
            rng: Rng::new(seed),
            later: BinaryHeap::new(),
            held: [None, None],
            order: 0,
            stats: RelayStats::default(),
            captured: Arc::clone(&captured),
        };
        let thread_stop = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("stress-relay".into())
            .spawn(move || worker.run(&thread_stop))
            .map_err(|e| format!("relay thread: {e}"))?;
        Ok(Relay { front: front_addr, upstream, captured, stop, thread: Some(thread) })
    }

    /// Where the client connects to reach the server through the relay.
    pub fn front(&self) -> SocketAddr {
        self.front
    }

    /// A socket that sends to the server from the address it knows as the client's.
    pub fn upstream(&self) -> Result<UdpSocket, String> {
        self.upstream.try_clone().map_err(|e| format!("relay clone: {e}"))
    }

    /// What the relay records of the client's datagrams (the first [`CAPTURE_LIMIT`]).
    pub fn capture(&self) -> Capture {
        Capture(Arc::clone(&self.captured))
    }

    /// Stops the relay and returns its figures.
    pub fn stop(mut self) -> RelayStats {
        self.finish()
    }

    fn finish(&mut self) -> RelayStats {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().and_then(|t| t.join().ok()).unwrap_or_default()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Which way a datagram travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Direction {
    ToServer,
    ToClient,
}

/// A datagram to send at a time: ordered by time, then by when it was queued.
type Later = Reverse<(Instant, u64, Direction, Vec<u8>)>;

struct Worker {
    front: UdpSocket,
    back: UdpSocket,
    client: Option<SocketAddr>,
    impairment: Impairment,
    rng: Rng,
    later: BinaryHeap<Later>,
    /// A datagram held back per direction, sent after the next one (or when it is due).
    held: [Option<(Instant, Vec<u8>)>; 2],
    order: u64,
    stats: RelayStats,
    captured: Arc<Mutex<Vec<Vec<u8>>>>,
}

/// Longest a reordered datagram waits for one to overtake it.
const HOLD_LIMIT: Duration = Duration::from_millis(10);

impl Worker {
    fn run(&mut self, stop: &AtomicBool) -> RelayStats {
        let start = Instant::now();
        let mut buf = vec![0u8; 65_536];
        while !stop.load(Ordering::Relaxed) && start.elapsed() < RUN_LIMIT {
            let mut busy = false;
            while let Ok((len, from)) = self.front.recv_from(&mut buf) {
                self.client = Some(from);
                self.record(&buf[..len]);
                self.take(Direction::ToServer, buf[..len].to_vec());
                busy = true;
            }
            while let Ok(len) = self.back.recv(&mut buf) {
                self.take(Direction::ToClient, buf[..len].to_vec());
                busy = true;
            }
            self.release_due();
            if !busy {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        self.stats
    }

    fn record(&self, datagram: &[u8]) {
        let mut captured = self.captured.lock().unwrap_or_else(PoisonError::into_inner);
        if captured.len() < CAPTURE_LIMIT {
            captured.push(datagram.to_vec());
        }
    }

    /// Decides what happens to one datagram.
    fn take(&mut self, direction: Direction, mut datagram: Vec<u8>) {
        self.stats.seen += 1;
        let Impairment { drop, duplicate, reorder, delay, corrupt, bit_flip_per_mille } =
            self.impairment;
        if self.rng.chance(drop) {
            self.stats.dropped += 1;
            return;
        }
        if self.rng.chance(corrupt) && !datagram.is_empty() {
            self.stats.corrupted += 1;
            for _ in 0..=self.rng.below(8) {
                let at = self.rng.below(datagram.len() as u64) as usize;
                datagram[at] = self.rng.next_u64() as u8;
            }
        }
        if self.rng.below(1000) < bit_flip_per_mille && !datagram.is_empty() {
            self.stats.bit_flipped += 1;
            let bit = self.rng.below(datagram.len() as u64 * 8);
            datagram[(bit / 8) as usize] ^= 1 << (bit % 8);
        }
        let now = Instant::now();
        if self.rng.chance(duplicate) {
            self.stats.duplicated += 1;
            let at = now + Duration::from_millis(self.rng.below(5));
            self.queue(at, direction, datagram.clone());
        }
        if self.rng.chance(delay) {
            self.stats.delayed += 1;
            let at = now + Duration::from_millis(20 + self.rng.below(41));
            self.queue(at, direction, datagram);
            return;
        }
        let slot = direction as usize;
        if self.rng.chance(reorder) && self.held[slot].is_none() {
            self.stats.reordered += 1;
            self.held[slot] = Some((now + HOLD_LIMIT, datagram));
            return;
        }
        self.send(direction, &datagram);
        if let Some((_, held)) = self.held[slot].take() {
            self.send(direction, &held);
        }
    }

    fn queue(&mut self, at: Instant, direction: Direction, datagram: Vec<u8>) {
        self.order += 1;
        self.later.push(Reverse((at, self.order, direction, datagram)));
    }

    fn release_due(&mut self) {
        let now = Instant::now();
        while self.later.peek().is_some_and(|Reverse((at, ..))| *at <= now) {
            if let Some(Reverse((_, _, direction, datagram))) = self.later.pop() {
                self.send(direction, &datagram);
            }
        }
        for direction in [Direction::ToServer, Direction::ToClient] {
            let slot = direction as usize;
            if self.held[slot].as_ref().is_some_and(|(due, _)| *due <= now) {
                if let Some((_, held)) = self.held[slot].take() {
                    self.send(direction, &held);
                }
            }
        }
    }

    fn send(&mut self, direction: Direction, datagram: &[u8]) {
        // A full socket buffer loses the datagram, as a congested network would.
        let sent = match (direction, self.client) {
            (Direction::ToServer, _) => self.back.send(datagram).is_ok(),
            (Direction::ToClient, Some(client)) => self.front.send_to(datagram, client).is_ok(),
            (Direction::ToClient, None) => false,
        };
        if sent {
            self.stats.forwarded += 1;
        }
    }
}
