//! What the benchmark runs: the workloads, the settings they need, and the loop that drives
//! one side's traffic and checks that every message arrived.

use std::fmt;
use std::time::{Duration, Instant};

use crate::catalog::{KIB, MIB};

/// Which implementation carries the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Side {
    /// The flat C API, called directly through `steam-sockets-sys`: the baseline.
    Raw,
    /// `steam-sockets`.
    Wrapper,
    /// gns-rs (`game-networking-sockets` 0.3).
    Peer,
}

impl Side {
    pub(crate) const ALL: [Side; 3] = [Side::Raw, Side::Wrapper, Side::Peer];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Side::Raw => "raw",
            Side::Wrapper => "wrapper",
            Side::Peer => "peer",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Side> {
        Side::ALL.into_iter().find(|side| side.name() == name)
    }
}

/// How the two ends are connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// `CreateSocketPair(false)`: the library's in-process buffers.
    Pipe,
    /// `CreateSocketPair(true)`: real, encrypted UDP over 127.0.0.1.
    Udp,
    /// A listen socket on 127.0.0.1 and this many client connections to it over UDP; the
    /// server's ends are in one poll group, which the receiver reads.
    PollGroup(usize),
}

/// How messages are handed to the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SendMode {
    /// One call per message; the payload is copied.
    One,
    /// `SendMessages` with up to [`BATCH`] messages per call; payloads copied into
    /// library-allocated messages.
    Batch,
    /// `SendMessages` with up to [`BATCH`] messages per call; payloads shared, not copied.
    SharedBatch,
    /// One call per message; the payload shared, not copied.
    SharedOne,
}

/// Messages per `SendMessages` call, and the most messages taken per receive call.
pub(crate) const BATCH: usize = 64;

/// Byte every payload is filled with; receivers check it.
pub(crate) const FILL: u8 = 0xA5;

/// A library setting a workload needs, applied at global scope through each side's own API
/// before its connections are created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Setting {
    /// `SendRateMin`, bytes per second.
    SendRateMin,
    /// `SendRateMax`, bytes per second.
    SendRateMax,
    /// `SendBufferSize`, bytes.
    SendBufferSize,
    /// `RecvBufferSize`, bytes.
    RecvBufferSize,
    /// `RecvBufferMessages`.
    RecvBufferMessages,
    /// `NagleTime`, microseconds.
    NagleTime,
    /// `MTU_PacketSize`, bytes.
    MtuPacketSize,
    /// `TimeoutConnected`, milliseconds (raised for instruction counts: see `instr.rs`).
    TimeoutConnected,
}

impl Setting {
    const ALL: [Setting; 8] = [
        Setting::SendRateMin,
        Setting::SendRateMax,
        Setting::SendBufferSize,
        Setting::RecvBufferSize,
        Setting::RecvBufferMessages,
        Setting::NagleTime,
        Setting::MtuPacketSize,
        Setting::TimeoutConnected,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Setting::SendRateMin => "SendRateMin",
            Setting::SendRateMax => "SendRateMax",
            Setting::SendBufferSize => "SendBufferSize",
            Setting::RecvBufferSize => "RecvBufferSize",
            Setting::RecvBufferMessages => "RecvBufferMessages",
            Setting::NagleTime => "NagleTime",
            Setting::MtuPacketSize => "MTU_PacketSize",
            Setting::TimeoutConnected => "TimeoutConnected",
        }
    }

    /// Parses `Name=value`.
    pub(crate) fn parse_assignment(text: &str) -> Result<(Setting, i32)> {
        let (name, value) =
            text.split_once('=').ok_or_else(|| format!("expected Name=value, got {text:?}"))?;
        let setting = Setting::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("unknown setting {name:?}"))?;
        let value = value.parse().map_err(|e| format!("bad value for {name}: {e}"))?;
        Ok((setting, value))
    }

    /// `settings` as the `--set Name=value` arguments of a child's command line (read back by
    /// [`Setting::parse_sets`]).
    pub(crate) fn args(settings: &[(Setting, i32)]) -> Vec<String> {
        settings
            .iter()
            .flat_map(|(setting, value)| {
                ["--set".to_string(), format!("{}={value}", setting.name())]
            })
            .collect()
    }

    /// Parses the `--set Name=value` pairs that end a child's command line; anything else
    /// fails with `usage`.
    pub(crate) fn parse_sets(args: &[String], usage: &str) -> Result<Vec<(Setting, i32)>> {
        let mut settings = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match (arg.as_str(), args.next()) {
                ("--set", Some(value)) => settings.push(Setting::parse_assignment(value)?),
                _ => return Err(usage.into()),
            }
        }
        Ok(settings)
    }
}

/// One workload: the same traffic is run through every side.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Workload {
    /// Short kebab-case name, as printed.
    pub(crate) name: &'static str,
    /// How the ends are connected.
    pub(crate) transport: Transport,
    /// How messages are sent.
    pub(crate) mode: SendMode,
    /// Payload bytes per message.
    pub(crate) size: usize,
    /// Messages per timed run (before `--scale`).
    pub(crate) messages: u64,
    /// Library settings, applied globally before connecting.
    pub(crate) settings: &'static [(Setting, i32)],
    /// What is measured.
    pub(crate) kind: Kind,
}

/// What a workload measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A stream of messages: messages per second (higher is better).
    Stream,
    /// Round trips of one message (ping-pong between the two ends): the median round-trip
    /// time (lower is better), with p99 and p99.9.
    PingPong,
    /// The clients of a [`Transport::PollGroup`] connecting to the listen socket, accepted
    /// through the side's status events; `messages` is unused (the count is the number of
    /// connections).
    Storm(StormMetric),
}

/// The figure a [`Kind::Storm`] workload reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StormMetric {
    /// Connections per second, from the first connect call to all connected (higher is better).
    Connections,
    /// Status events per second of time spent delivering them: `run_callbacks` and taking
    /// the events (higher is better).
    Events,
    /// Resident memory per connection, bytes (both ends are in the process; lower is better).
    Memory,
}

impl Kind {
    /// The figure a run of this kind reports.
    pub(crate) fn figure(self, m: &Measurement) -> f64 {
        match self {
            Kind::Stream | Kind::Storm(StormMetric::Connections | StormMetric::Events) => {
                m.msgs_per_sec()
            }
            Kind::PingPong => m.rtt.p50 as f64 / 1e3,
            Kind::Storm(StormMetric::Memory) => m.rss_bytes as f64 / m.messages as f64,
        }
    }

    /// Whether a larger figure is better (rates) or a smaller one (times, memory).
    pub(crate) fn higher_is_better(self) -> bool {
        !matches!(self, Kind::PingPong | Kind::Storm(StormMetric::Memory))
    }

    /// `ours` against `theirs`, as a "higher is better" ratio whatever the figure.
    pub(crate) fn ratio(self, ours: f64, theirs: f64) -> f64 {
        if self.higher_is_better() { ours / theirs } else { theirs / ours }
    }

    /// The unit of [`Kind::figure`], for `INFO` lines.
    pub(crate) fn unit(self) -> &'static str {
        match self {
            Kind::Stream => "msgs_per_s",
            Kind::PingPong => "rtt_p50_us",
            Kind::Storm(StormMetric::Connections) => "connections_per_s",
            Kind::Storm(StormMetric::Events) => "events_per_s",
            Kind::Storm(StormMetric::Memory) => "rss_bytes_per_connection",
        }
    }

    /// What one counted unit (a message of the measurement) is, for instructions per unit.
    pub(crate) fn per(self) -> &'static str {
        match self {
            Kind::Stream => "message",
            Kind::PingPong => "round_trip",
            Kind::Storm(StormMetric::Events) => "event",
            Kind::Storm(_) => "connection",
        }
    }
}

impl Workload {
    pub(crate) fn find(name: &str) -> Option<&'static Workload> {
        crate::catalog::WORKLOADS.iter().find(|w| w.name == name)
    }

    /// One line describing the workload, for `INFO`.
    pub(crate) fn describe(&self) -> String {
        let transport = match self.transport {
            Transport::Pipe => "in-process socket pair (CreateSocketPair(false))".to_string(),
            Transport::Udp => "UDP loopback socket pair (CreateSocketPair(true))".to_string(),
            Transport::PollGroup(n) if self.kind == Kind::Stream => format!(
                "{n} UDP loopback connections from a child process to a listen socket on \
                 127.0.0.1, server ends in one poll group; the server's receive loop is timed"
            ),
            Transport::PollGroup(n) => format!(
                "{n} UDP loopback connections to a listen socket on 127.0.0.1, server ends in \
                 one poll group"
            ),
        };
        let mode = match self.mode {
            SendMode::One => "one send call per message, payload copied".to_string(),
            SendMode::Batch => format!("SendMessages batches of {BATCH}, payload copied"),
            SendMode::SharedBatch => {
                format!("SendMessages batches of {BATCH}, payload shared (zero-copy)")
            }
            SendMode::SharedOne => "one send call per message, payload shared (zero-copy)".into(),
        };
        match self.kind {
            Kind::Stream => {
                format!("{transport}; {size}-byte reliable messages; {mode}", size = self.size)
            }
            Kind::PingPong => format!(
                "{transport}; ping-pong of one {size}-byte reliable message (NoNagle), busy-polled; \
                 figure: median round trip, microseconds",
                size = self.size
            ),
            Kind::Storm(metric) => {
                let figure = match metric {
                    StormMetric::Connections => "connections per second to all connected",
                    StormMetric::Events => {
                        "status events per second of time in run_callbacks and taking the events"
                    }
                    StormMetric::Memory => {
                        "resident memory growth per connection, bytes (both ends in the process)"
                    }
                };
                format!("{transport}; accepted through status events; figure: {figure}")
            }
        }
    }
}

pub(crate) fn format_settings(settings: &[(Setting, i32)]) -> String {
    let parts: Vec<String> =
        settings.iter().map(|(s, v)| format!("{}={}", s.name(), human(*v))).collect();
    parts.join(",")
}

/// `8MiB`, `64KiB` or the plain number.
fn human(v: i32) -> String {
    if v >= MIB && v % MIB == 0 {
        format!("{}MiB", v / MIB)
    } else if v >= KIB && v % KIB == 0 {
        format!("{}KiB", v / KIB)
    } else {
        v.to_string()
    }
}

/// The workload's settings with command-line overrides applied (same setting: last wins).
pub(crate) fn effective_settings(
    workload: &Workload,
    overrides: &[(Setting, i32)],
) -> Vec<(Setting, i32)> {
    let mut settings = workload.settings.to_vec();
    for &(setting, value) in overrides {
        settings.retain(|(s, _)| *s != setting);
        settings.push((setting, value));
    }
    settings
}

/// The result of one timed run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Measurement {
    /// Time from the first send to the last message received.
    pub(crate) elapsed: Duration,
    /// Messages received (and checked).
    pub(crate) messages: u64,
    /// Payload bytes received.
    pub(crate) bytes: u64,
    /// CPU time of the application thread (sending, receiving, pumping) during the run.
    pub(crate) thread_cpu: Duration,
    /// CPU time of the whole process (with the library's threads) during the run.
    pub(crate) process_cpu: Duration,
    /// Round-trip percentiles ([`Kind::PingPong`]; zero otherwise).
    pub(crate) rtt: Percentiles,
    /// Growth of the resident set during the run, bytes ([`Kind::Storm`]; zero otherwise).
    pub(crate) rss_bytes: u64,
}

/// Round-trip time percentiles, nanoseconds.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Percentiles {
    pub(crate) p50: u64,
    pub(crate) p99: u64,
    pub(crate) p999: u64,
}

impl Percentiles {
    /// The percentiles of `samples` (sorted here), nearest-rank.
    pub(crate) fn of(samples: &mut [Duration]) -> Percentiles {
        samples.sort_unstable();
        let at = |q: f64| {
            let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len().max(1));
            samples.get(rank - 1).map_or(0, |d| d.as_nanos() as u64)
        };
        Percentiles { p50: at(0.50), p99: at(0.99), p999: at(0.999) }
    }
}

impl Measurement {
    pub(crate) fn msgs_per_sec(&self) -> f64 {
        self.messages as f64 / self.elapsed.as_secs_f64()
    }

    pub(crate) fn mb_per_sec(&self) -> f64 {
        self.bytes as f64 / self.elapsed.as_secs_f64() / 1e6
    }

    /// Nanoseconds of application-thread CPU per message.
    pub(crate) fn thread_ns_per_msg(&self) -> f64 {
        self.thread_cpu.as_nanos() as f64 / self.messages as f64
    }

    /// Nanoseconds of process CPU per message.
    pub(crate) fn process_ns_per_msg(&self) -> f64 {
        self.process_cpu.as_nanos() as f64 / self.messages as f64
    }

    /// The line a worker prints for the coordinator.
    pub(crate) fn to_line(self) -> String {
        format!(
            "MEASURE elapsed_ns={} messages={} bytes={} thread_cpu_ns={} process_cpu_ns={} \
             p50_ns={} p99_ns={} p999_ns={} rss_bytes={}",
            self.elapsed.as_nanos(),
            self.messages,
            self.bytes,
            self.thread_cpu.as_nanos(),
            self.process_cpu.as_nanos(),
            self.rtt.p50,
            self.rtt.p99,
            self.rtt.p999,
            self.rss_bytes,
        )
    }

    pub(crate) fn parse_line(line: &str) -> Option<Measurement> {
        let mut fields = line.strip_prefix("MEASURE ")?.split(' ');
        let mut field = |name: &str| -> Option<u64> {
            fields.next()?.strip_prefix(name)?.strip_prefix('=')?.parse().ok()
        };
        let elapsed = Duration::from_nanos(field("elapsed_ns")?);
        let messages = field("messages")?;
        let bytes = field("bytes")?;
        let thread_cpu = Duration::from_nanos(field("thread_cpu_ns")?);
        let process_cpu = Duration::from_nanos(field("process_cpu_ns")?);
        let rtt =
            Percentiles { p50: field("p50_ns")?, p99: field("p99_ns")?, p999: field("p999_ns")? };
        let rss_bytes = field("rss_bytes")?;
        Some(Measurement { elapsed, messages, bytes, thread_cpu, process_cpu, rtt, rss_bytes })
    }
}

/// An error in a run, as text (each side has its own error type).
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Failure {
    fn from(s: String) -> Failure {
        Failure(s)
    }
}

impl From<&str> for Failure {
    fn from(s: &str) -> Failure {
        Failure(s.to_string())
    }
}

pub(crate) type Result<T> = std::result::Result<T, Failure>;

/// Fails a run that received `bad` messages of the wrong size or content.
pub(crate) fn check_content(bad: usize) -> Result<()> {
    if bad == 0 {
        Ok(())
    } else {
        Err(format!("{bad} received message(s) of the wrong size or content").into())
    }
}

/// Which of a side's `len` sending connections the next message goes to (round-robin).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RoundRobin {
    next: usize,
}

impl RoundRobin {
    /// Index of the next message's connection.
    pub(crate) fn get(self) -> usize {
        self.next
    }

    /// Moves on after a message was accepted.
    pub(crate) fn advance(&mut self, len: usize) {
        self.next = (self.next + 1) % len;
    }

    /// Steps back over `count` messages the library did not accept, so they go again in order.
    pub(crate) fn rewind(&mut self, count: usize, len: usize) {
        self.next = (self.next + len - count % len) % len;
    }
}

/// One side's connected endpoints, as the driver uses them.
pub(crate) trait Traffic {
    /// Sends up to `count` messages (at most [`BATCH`]) the workload's way and returns how
    /// many the library accepted: fewer when a send buffer is full (back-pressure: the driver
    /// sends the rest later).
    fn send(&mut self, count: usize) -> Result<usize>;

    /// Receives every message that has arrived, [`BATCH`] per call, checks each one's size
    /// and content, releases it, and returns how many there were.
    fn receive(&mut self) -> Result<usize>;

    /// Runs the library's callbacks and handles the events, as an application's frame does.
    fn pump(&mut self) -> Result<()>;

    /// The library's view of the connections, for the error report of a stuck run.
    fn diagnose(&self) -> String;
}

/// Messages sent per loop iteration before receiving: one batch.
const BURST: usize = BATCH;

/// Loop iterations between `run_callbacks` calls (about 1000 messages).
const PUMP_EVERY: u32 = 16;

/// How long the driver sleeps when a loop made no progress.
const IDLE_SLEEP: Duration = Duration::from_micros(50);

/// Longest time without any progress before a run is declared stuck.
pub(crate) const STALL_LIMIT: Duration = Duration::from_secs(20);

/// Which ends of the traffic a process drives. The `poll-N` family puts its clients in a
/// child process (GNS refuses a process more than 8,190 connections), so each of the two
/// processes runs one half of the loop; every other workload has both ends in one process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Sends and receives (both ends in this process).
    Both,
    /// Only sends: the receiver is in another process.
    Sender,
    /// Only receives: the sender is in another process.
    Receiver,
}

/// Sends `total` messages through `traffic` while receiving them (only one of the two for a
/// [`Role::Sender`] or [`Role::Receiver`]), and returns the time from the first send to the
/// last receive. Fails unless exactly `total` messages are sent and arrive.
pub(crate) fn drive(traffic: &mut impl Traffic, role: Role, total: u64) -> Result<Duration> {
    let (elapsed, received) = drive_as(traffic, role, total)?;
    if role != Role::Sender && received != total {
        return Err(format!("received {received} messages, expected {total}").into());
    }
    Ok(elapsed)
}

/// The loop of [`drive`] for one `role`: stops when `total` messages are sent
/// ([`Role::Sender`]) or at least `total` received (otherwise). Returns the time taken and
/// the messages received.
fn drive_as(traffic: &mut impl Traffic, role: Role, total: u64) -> Result<(Duration, u64)> {
    let start = Instant::now();
    let sends = role != Role::Receiver;
    let receives = role != Role::Sender;
    let (mut sent, mut received) = (0u64, 0u64);
    let mut iteration = 0u32;
    let mut stalled_since: Option<Instant> = None;
    while if receives { received < total } else { sent < total } {
        let mut progress = false;
        if sends && sent < total {
            let want = (total - sent).min(BURST as u64) as usize;
            let accepted = traffic.send(want)?;
            sent += accepted as u64;
            progress |= accepted > 0;
        }
        if receives {
            let got = traffic.receive()?;
            received += got as u64;
            progress |= got > 0;
        }
        iteration = iteration.wrapping_add(1);
        if iteration % PUMP_EVERY == 0 {
            traffic.pump()?;
        }
        if progress {
            stalled_since = None;
        } else {
            // Waiting for the network, or for room in the send buffer. Sleep briefly, as an
            // application would: polling the library in a tight loop keeps taking its locks,
            // and can starve its service thread for seconds (seen here with `yield_now`).
            let since = *stalled_since.get_or_insert_with(Instant::now);
            if since.elapsed() > STALL_LIMIT {
                return Err(format!(
                    "no progress for {STALL_LIMIT:?}: sent {sent}, received {received} of \
                     {total}; library status: {}",
                    traffic.diagnose()
                )
                .into());
            }
            std::thread::sleep(IDLE_SLEEP);
        }
    }
    let elapsed = start.elapsed();
    if sends && sent != total {
        return Err(format!("sent {sent} messages, expected {total}").into());
    }
    Ok((elapsed, received))
}

/// Messages of the untimed warm-up before a timed run of `messages`.
pub(crate) fn warm_up(messages: u64) -> u64 {
    (messages / 10).max(1)
}

/// Runs a short untimed warm-up, then the timed run, and checks the count.
pub(crate) fn measure(
    traffic: &mut impl Traffic,
    workload: &Workload,
    messages: u64,
) -> Result<Measurement> {
    drive(traffic, Role::Both, warm_up(messages))?;
    let (elapsed, cpu) = timed_section(|| drive(traffic, Role::Both, messages));
    Ok(Measurement { elapsed: elapsed?, messages, bytes: messages * workload.size as u64, ..cpu })
}

/// The sending process of a [`Role::Receiver`], as the receiver drives it.
pub(crate) trait Remote {
    /// Asks it for `count` messages.
    fn send(&mut self, count: u64) -> Result<()>;

    /// Fails if it has ended: checked with every pump, so the receiver does not wait out
    /// [`STALL_LIMIT`] for messages that cannot come.
    fn check(&mut self) -> Result<()>;
}

/// [`measure`] for a receiver whose sender is another process: it is asked for the warm-up,
/// then for the timed run, so each phase gets exactly its messages and the timed run starts,
/// as [`measure`]'s does, with the sending.
pub(crate) fn measure_received(
    traffic: &mut impl Traffic,
    workload: &Workload,
    messages: u64,
    remote: &mut dyn Remote,
) -> Result<Measurement> {
    let mut watched = Watched { traffic, remote };
    watched.remote.send(warm_up(messages))?;
    drive(&mut watched, Role::Receiver, warm_up(messages))?;
    watched.remote.send(messages)?;
    let (elapsed, cpu) = timed_section(|| drive(&mut watched, Role::Receiver, messages));
    Ok(Measurement { elapsed: elapsed?, messages, bytes: messages * workload.size as u64, ..cpu })
}

/// A receiver's traffic whose pump also checks its [`Remote`].
struct Watched<'a, T> {
    traffic: &'a mut T,
    remote: &'a mut dyn Remote,
}

impl<T: Traffic> Traffic for Watched<'_, T> {
    fn send(&mut self, count: usize) -> Result<usize> {
        self.traffic.send(count)
    }

    fn receive(&mut self) -> Result<usize> {
        self.traffic.receive()
    }

    fn pump(&mut self) -> Result<()> {
        self.traffic.pump()?;
        self.remote.check()
    }

    fn diagnose(&self) -> String {
        self.traffic.diagnose()
    }
}

/// Runs `f`, the timed part of a run, and returns its result with the CPU time it took (in a
/// [`Measurement`] whose other fields are zero). Under callgrind (`--instructions`), only the
/// instructions executed inside this function are collected (`--toggle-collect`), so its name
/// must not change (see `instr.rs`).
#[inline(never)]
pub(crate) fn timed_section<T>(f: impl FnOnce() -> T) -> (T, Measurement) {
    let (thread_before, process_before) = crate::os::cpu_times();
    let value = std::hint::black_box(f());
    let (thread_after, process_after) = crate::os::cpu_times();
    let cpu = Measurement {
        elapsed: Duration::ZERO,
        messages: 0,
        bytes: 0,
        thread_cpu: thread_after.saturating_sub(thread_before),
        process_cpu: process_after.saturating_sub(process_before),
        rtt: Percentiles::default(),
        rss_bytes: 0,
    };
    (value, cpu)
}

/// Waits, pumping `step` (which reports whether setup is complete), for up to 30 seconds.
pub(crate) fn wait_until(what: &str, step: impl FnMut() -> Result<bool>) -> Result<()> {
    wait_for(what, SETUP_LIMIT, step)
}

/// Longest wait of [`wait_until`].
pub(crate) const SETUP_LIMIT: Duration = Duration::from_secs(30);

/// [`wait_until`] with a time limit of its own.
pub(crate) fn wait_for(
    what: &str,
    limit: Duration,
    mut step: impl FnMut() -> Result<bool>,
) -> Result<()> {
    let start = Instant::now();
    loop {
        if step()? {
            return Ok(());
        }
        if start.elapsed() > limit {
            return Err(format!("timed out waiting for {what}").into());
        }
        std::thread::sleep(Duration::from_micros(500));
    }
}
