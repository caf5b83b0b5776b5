//! What every scenario uses: the report line, connected pairs over UDP loopback, pumping with a
//! deadline, self-checking payloads, a deterministic random generator and an in-order tracker.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use steam_sockets::{
    ConfigValue, Connection, ConnectionState, Event, ListenSocket, Message, Sockets,
};

/// How long a step that takes milliseconds on loopback may take before the scenario fails.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// How long a transfer may go without any progress before the scenario fails (see
/// [`Progress`]).
pub const STALL_LIMIT: Duration = Duration::from_secs(20);

/// Longest a transfer judged by [`Progress`] may take in all, however steadily it moves (the
/// runner kills a scenario's process later, at `CHILD_LIMIT`).
pub const RUN_LIMIT: Duration = Duration::from_secs(180);

/// Judges a transfer by its progress rather than by a fixed deadline: a slow or busy machine
/// passes, only slower, and a transfer that stops moving still fails.
#[derive(Debug)]
pub struct Progress {
    start: Instant,
    last: Instant,
}

impl Progress {
    /// Starts the clocks.
    pub fn start() -> Progress {
        let now = Instant::now();
        Progress { start: now, last: now }
    }

    /// Records that `items` more were done; any progress restarts the stall clock.
    pub fn advance(&mut self, items: u64) {
        if items > 0 {
            self.last = Instant::now();
        }
    }

    /// An error naming `state` (how far the transfer got) once nothing moved for
    /// [`STALL_LIMIT`], or after [`RUN_LIMIT`] in all.
    pub fn check(&self, state: impl FnOnce() -> String) -> Result<(), String> {
        let (stalled, elapsed) = (self.last.elapsed(), self.start.elapsed());
        if stalled < STALL_LIMIT && elapsed < RUN_LIMIT {
            return Ok(());
        }
        Err(format!(
            "{} after {:.1} s, nothing new for {:.1} s",
            state(),
            elapsed.as_secs_f64(),
            stalled.as_secs_f64()
        ))
    }

    /// Seconds since the start.
    pub fn seconds(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}

/// Options that let a loopback connection go fast: a send rate cap far above the 256 KiB/s
/// default (GNS still sets the rate itself from the ping, once, when the connection connects:
/// see the benchmark's "Settings") and a receive queue
/// that does not stall fast UDP.
pub fn fast_options() -> Vec<ConfigValue> {
    vec![
        ConfigValue::SendRateMax(64 << 20),
        ConfigValue::RecvBufferMessages(64 * 1024),
        ConfigValue::RecvBufferSize(16 << 20),
    ]
}

/// What a scenario found: the figures of its `STRESS` line, detail lines, and failures.
#[derive(Debug)]
pub struct Report {
    name: &'static str,
    /// Messages sent.
    pub sent: u64,
    /// Messages received (intact).
    pub received: u64,
    /// Reliable messages that never arrived, or arrived twice or corrupted.
    pub reliable_lost: u64,
    /// Reliable messages that arrived out of order within their lane.
    pub out_of_order: u64,
    failures: Vec<String>,
}

impl Report {
    /// The report of scenario `name`, run by `scenario`, whose error (if any) is a failure.
    pub fn of(
        name: &'static str,
        scenario: impl FnOnce(&mut Report) -> Result<(), String>,
    ) -> Report {
        let mut report = Report::new(name);
        if let Err(e) = scenario(&mut report) {
            report.fail(e);
        }
        report
    }

    /// An empty report for scenario `name`.
    pub fn new(name: &'static str) -> Report {
        Report {
            name,
            sent: 0,
            received: 0,
            reliable_lost: 0,
            out_of_order: 0,
            failures: Vec::new(),
        }
    }

    /// Prints a detail line (`# <scenario>: ...`): figures that do not fit the `STRESS` line.
    pub fn detail(&self, text: impl AsRef<str>) {
        println!("# {}: {}", self.name, text.as_ref());
    }

    /// Records a failure (printed at once, and making the result `FAIL`).
    pub fn fail(&mut self, text: impl Into<String>) {
        let text = text.into();
        println!("# {} FAILED: {text}", self.name);
        self.failures.push(text);
    }

    /// Records a failure unless `ok`.
    pub fn check(&mut self, ok: bool, text: impl FnOnce() -> String) {
        if !ok {
            self.fail(text());
        }
    }

    /// Records the error of `result` as a failure; returns the value if there is one.
    pub fn ok<T, E: std::fmt::Display>(&mut self, what: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.fail(format!("{what}: {e}"));
                None
            }
        }
    }

    /// Whether nothing failed and no reliable message was lost or reordered.
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.reliable_lost == 0 && self.out_of_order == 0
    }

    /// The scenario's line, in the format `cargo xtask stress` documents.
    pub fn line(&self) -> String {
        format!(
            "STRESS scenario={} sent={} received={} reliable_lost={} out_of_order={} result={}",
            self.name,
            self.sent,
            self.received,
            self.reliable_lost,
            self.out_of_order,
            if self.passed() { "ok" } else { "FAIL" }
        )
    }
}

/// Initialises (or joins) the process's GameNetworkingSockets instance.
pub fn init() -> Result<Sockets, String> {
    Sockets::init_gns().map_err(|e| format!("init GNS: {e}"))
}

/// A UDP port on 127.0.0.1 that was free a moment ago (GNS refuses to listen on port 0).
pub fn free_port() -> Result<u16, String> {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    Ok(socket.local_addr().map_err(|e| format!("local address: {e}"))?.port())
}

/// Listens on a free port of 127.0.0.1 (retrying if another process took the port meanwhile).
pub fn listen(sockets: &Sockets, options: &[ConfigValue]) -> Result<ListenSocket, String> {
    let mut last = String::new();
    for _ in 0..10 {
        let port = free_port()?;
        match sockets.listen_ip((std::net::Ipv4Addr::LOCALHOST, port), options) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("listen: {last}"))
}

/// Runs callbacks and feeds each event to `f` until it returns `Some`; fails after `limit`.
pub fn pump_until<T>(
    sockets: &Sockets,
    limit: Duration,
    mut f: impl FnMut(Event) -> Option<T>,
) -> Result<T, String> {
    let events = sockets.events();
    let start = Instant::now();
    loop {
        sockets.run_callbacks();
        for event in events.try_iter() {
            if let Some(found) = f(event) {
                return Ok(found);
            }
        }
        if start.elapsed() > limit {
            return Err(format!("no expected event within {limit:?}"));
        }
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// Runs callbacks for `time`, discarding the events: lets the library send and settle.
pub fn pump_for(sockets: &Sockets, time: Duration) {
    let start = Instant::now();
    while start.elapsed() < time {
        sockets.run_callbacks();
        let _ = sockets.events().try_iter().count();
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A server and a client connected over UDP on 127.0.0.1.
#[derive(Debug)]
pub struct Pair {
    /// The listen socket (dropping it would destroy `server`).
    pub listener: ListenSocket,
    /// The server's end.
    pub server: Connection,
    /// The client's end.
    pub client: Connection,
}

/// Connects a pair with `options` on both ends and waits until both are connected.
pub fn connect_pair(sockets: &Sockets, options: &[ConfigValue]) -> Result<Pair, String> {
    let listener = listen(sockets, options)?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (server, client) = connect_to(sockets, addr, options)?;
    Ok(Pair { listener, server, client })
}

/// Connects a client with `options` to `addr` (a listen socket of this process, or a relay
/// in front of one), accepts it, and waits until both ends are connected: `(server, client)`.
pub fn connect_to(
    sockets: &Sockets,
    addr: std::net::SocketAddr,
    options: &[ConfigValue],
) -> Result<(Connection, Connection), String> {
    let client = sockets.connect_ip(addr, options).map_err(|e| format!("connect: {e}"))?;
    let mut server = None;
    let mut connected = (false, false);
    pump_until(sockets, DEADLINE, |event| {
        match event {
            Event::Incoming(request) => match request.accept() {
                Ok(conn) => server = Some(conn),
                Err(e) => return Some(Err(format!("accept: {e}"))),
            },
            Event::ConnectionStatus(change) if change.info.state == ConnectionState::Connected => {
                if server.as_ref().is_some_and(|s| s.id() == change.connection) {
                    connected.0 = true;
                } else if change.connection == client.id() {
                    connected.1 = true;
                }
            }
            Event::ConnectionStatus(change)
                if matches!(
                    change.info.state,
                    ConnectionState::ClosedByPeer | ConnectionState::ProblemDetectedLocally
                ) =>
            {
                return Some(Err(format!("connection failed: {:?}", change.info.close_reason())));
            }
            _ => {}
        }
        (connected == (true, true)).then_some(Ok(()))
    })??;
    let server = server.ok_or("no server connection")?;
    Ok((server, client))
}

/// Bytes of a payload's header: stream, sequence number, length.
pub const HEADER: usize = 12;

/// A self-checking payload of `len` bytes (at least [`HEADER`]): the header names the stream,
/// sequence number and length, and the body is derived from them and each 8-byte word's
/// offset, so a corrupted, truncated or mixed-up message is recognised.
pub fn payload(stream: u32, seq: u32, len: usize) -> Vec<u8> {
    let len = len.max(HEADER);
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&stream.to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&(len as u32).to_le_bytes());
    let key = key(stream, seq);
    let mut word = 0u64;
    while out.len() < len {
        let bytes = body_word(key, word).to_le_bytes();
        let take = bytes.len().min(len - out.len());
        out.extend_from_slice(&bytes[..take]);
        word += 1;
    }
    out
}

fn key(stream: u32, seq: u32) -> u64 {
    (u64::from(stream) << 32 | u64::from(seq)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn body_word(key: u64, word: u64) -> u64 {
    (key ^ word).wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// The stream and sequence number of an intact payload; `None` if it was corrupted.
pub fn verify(data: &[u8]) -> Option<(u32, u32)> {
    if data.len() < HEADER {
        return None;
    }
    let field = |i: usize| u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
    let (stream, seq, len) = (field(0), field(4), field(8));
    if len as usize != data.len() {
        return None;
    }
    let key = key(stream, seq);
    let intact = data[HEADER..]
        .chunks(8)
        .enumerate()
        .all(|(word, chunk)| chunk == &body_word(key, word as u64).to_le_bytes()[..chunk.len()]);
    intact.then_some((stream, seq))
}

/// Deterministic xorshift64* generator: scenarios are reproducible run to run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Checks that the reliable messages of each stream arrive exactly once, intact and in order,
/// and counts the unreliable ones.
#[derive(Debug, Default)]
pub struct Tracker {
    next: HashMap<u32, u32>,
    /// Reliable messages that arrived in order.
    pub reliable: u64,
    /// Unreliable messages that arrived intact.
    pub unreliable: u64,
    /// Reliable messages that arrived with a sequence number other than the next one.
    pub out_of_order: u64,
    /// Messages whose content did not verify.
    pub corrupted: u64,
    /// Unreliable messages that arrived more than once.
    pub unreliable_duplicates: u64,
    seen_unreliable: std::collections::HashSet<(u32, u32)>,
}

impl Tracker {
    /// Accounts for one received message; reliable streams must count up from 0.
    pub fn take(&mut self, message: &Message) {
        let Some((stream, seq)) = verify(message) else {
            self.corrupted += 1;
            return;
        };
        if message.is_reliable() {
            let next = self.next.entry(stream).or_insert(0);
            if seq == *next {
                *next += 1;
                self.reliable += 1;
            } else {
                self.out_of_order += 1;
            }
        } else if self.seen_unreliable.insert((stream, seq)) {
            self.unreliable += 1;
        } else {
            self.unreliable_duplicates += 1;
        }
    }

    /// The next reliable sequence number expected on `stream` (how many arrived in order).
    pub fn received_on(&self, stream: u32) -> u32 {
        self.next.get(&stream).copied().unwrap_or(0)
    }
}

/// This process's resident memory, in KiB (`VmRSS` in `/proc/self/status`).
pub fn resident_kib() -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| format!("/proc: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS in /proc/self/status".to_owned())
}
