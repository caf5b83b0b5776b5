//! What the benchmark runs: the workloads, the settings they need, and the loop that drives
//! one side's traffic and checks that every message arrived.

use std::fmt;
use std::time::{Duration, Instant};

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
}

impl Setting {
    const ALL: [Setting; 7] = [
        Setting::SendRateMin,
        Setting::SendRateMax,
        Setting::SendBufferSize,
        Setting::RecvBufferSize,
        Setting::RecvBufferMessages,
        Setting::NagleTime,
        Setting::MtuPacketSize,
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
}

const KIB: i32 = 1024;
pub(crate) const MIB: i32 = 1024 * 1024;

/// GNS clamps the send rate to 100 MiB/s whatever `SendRateMax` says (`SNP_ClampSendRate`).
pub(crate) const GNS_MAX_SEND_RATE: i32 = 100 * MIB;

/// Settings of `udp-64`. A socket pair made with `CreateSocketPair(true)` has not measured its
/// ping when GNS sets its send rate (`SNP_InitializeConnection` then assumes 200 ms), and GNS
/// never estimates bandwidth afterwards, so the rate stays at `SendRateMin`: raising only
/// `SendRateMax` leaves it at 256 KiB/s. The rate is therefore fixed (`SendRateMin` =
/// `SendRateMax`). GNS does not slow down on loss either, so a rate above what its one service
/// thread can receive overflows the kernel's socket buffer (GNS sets 256 KiB): at 80 MiB/s runs
/// lost packets and took 1 to 15 times longer; 48 MiB/s is the highest rate found without
/// losses, close to CPU-bound (about 650 K messages/s raw). The receive queue is raised from
/// 1000 messages: with the default, about one run in ten stalled for good (the receiver had
/// dropped packets and neither end sent anything again); with 64 Ki, none in 60 runs. The send
/// buffer stays small (16 Ki messages of 64 bytes) because every reliable message in flight
/// takes one entry of a list with 16-bit indices, and GNS aborts the process when it
/// overflows. The receiver sends nothing back, so GNS acknowledges every 50 ms: the wrapper's
/// reliable backlog limit (`RELIABLE_BACKLOG_LIMIT`, 8,192 messages at a time) caps it at about
/// 150,000 messages a second, while the unguarded raw side has tens of thousands in flight and
/// stalls for seconds whenever an acknowledgement is late (its runs spread 50-150% here).
const UDP_SMALL: &[(Setting, i32)] = &[
    (Setting::SendRateMin, 48 * MIB),
    (Setting::SendRateMax, 48 * MIB),
    (Setting::SendBufferSize, MIB),
    (Setting::RecvBufferMessages, 64 * KIB),
    (Setting::RecvBufferSize, 8 * MIB),
];

/// Settings of `udp-1200-bulk`: the most found on this machine with `sweep` and repeated runs.
/// GNS clamps the rate to 100 MiB/s whatever is asked ([`GNS_MAX_SEND_RATE`]); fixed there,
/// runs without loss reach 100 MB/s of payload, but most runs lose packets in the kernel and
/// take up to 1.8 times longer (median about 82 MB/s). 80 MiB/s is the highest rate without
/// losses: 80.8 MB/s, within 0.5% run to run (88 MiB/s already loses packets). A 16 MiB send
/// buffer keeps the queue from running dry; the receive queue is raised as for `udp-64`.
const UDP_BULK: &[(Setting, i32)] = &[
    (Setting::SendRateMin, 80 * MIB),
    (Setting::SendRateMax, 80 * MIB),
    (Setting::SendBufferSize, 16 * MIB),
    (Setting::RecvBufferMessages, 64 * KIB),
    (Setting::RecvBufferSize, 32 * MIB),
];

/// Settings of `poll-100`. Connections made through a listen socket measure their ping during
/// the handshake, and GNS starts their rate at 4380 bytes per round trip (8.76 MB/s below
/// 1 ms), clamped to `SendRateMin..=SendRateMax`, and never adapts it to loss. All 100
/// connections' packets arrive on the listen socket's one UDP socket, whose kernel buffer
/// (GNS asks for 256 KiB) overflows when they come faster than the service thread reads them,
/// and GNS retransmits into the full buffer. At 512 KiB/s per connection (50 MiB/s in all)
/// runs lost about 15,000 packets each on a quiet machine and spread 45-55%; with two
/// CPU-bound processes beside them they lost about 80,000 each, and connections went 10 s
/// without a packet and timed out (5003), on raw and wrapper alike. At the library's default
/// 256 KiB/s per connection (25 MiB/s in all, about 22 MB/s of payload) the quiet machine lost
/// about 250 packets a run (7 rounds spread 14-18%), and under that load about 11,500 and no
/// connection timed out in 7 rounds:
/// that is what this workload uses, so it measures the poll group close to the rate. The
/// receive queue is raised as for `udp-64` (with the default, a run stalled for good as
/// `udp-64` did).
const POLL: &[(Setting, i32)] = &[
    (Setting::SendBufferSize, MIB),
    (Setting::RecvBufferMessages, 64 * KIB),
    (Setting::RecvBufferSize, 8 * MIB),
];

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
}

/// Every workload, in the order they are run and printed. All messages are reliable.
pub(crate) const WORKLOADS: &[Workload] = &[
    Workload {
        name: "pair-64",
        transport: Transport::Pipe,
        mode: SendMode::One,
        size: 64,
        messages: 1_000_000,
        settings: &[],
    },
    Workload {
        name: "pair-64-batch",
        transport: Transport::Pipe,
        mode: SendMode::Batch,
        size: 64,
        messages: 3_000_000,
        settings: &[],
    },
    Workload {
        name: "pair-64-shared",
        transport: Transport::Pipe,
        mode: SendMode::SharedBatch,
        size: 64,
        messages: 3_000_000,
        settings: &[],
    },
    Workload {
        name: "pair-64-bytes",
        transport: Transport::Pipe,
        mode: SendMode::SharedOne,
        size: 64,
        messages: 1_000_000,
        settings: &[],
    },
    Workload {
        name: "udp-64",
        transport: Transport::Udp,
        mode: SendMode::One,
        size: 64,
        messages: 300_000,
        settings: UDP_SMALL,
    },
    Workload {
        name: "udp-1200-bulk",
        transport: Transport::Udp,
        mode: SendMode::One,
        size: 1200,
        messages: 60_000,
        settings: UDP_BULK,
    },
    Workload {
        name: "poll-100",
        transport: Transport::PollGroup(100),
        mode: SendMode::One,
        size: 64,
        messages: 150_000,
        settings: POLL,
    },
];

impl Workload {
    pub(crate) fn find(name: &str) -> Option<&'static Workload> {
        WORKLOADS.iter().find(|w| w.name == name)
    }

    /// One line describing the workload, for `INFO`.
    pub(crate) fn describe(&self) -> String {
        let transport = match self.transport {
            Transport::Pipe => "in-process socket pair (CreateSocketPair(false))".to_string(),
            Transport::Udp => "UDP loopback socket pair (CreateSocketPair(true))".to_string(),
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
        format!("{transport}; {size}-byte reliable messages; {mode}", size = self.size)
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
            "MEASURE elapsed_ns={} messages={} bytes={} thread_cpu_ns={} process_cpu_ns={}",
            self.elapsed.as_nanos(),
            self.messages,
            self.bytes,
            self.thread_cpu.as_nanos(),
            self.process_cpu.as_nanos()
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
        Some(Measurement { elapsed, messages, bytes, thread_cpu, process_cpu })
    }
}

/// CPU time consumed so far by the calling thread and by the whole process (zero where
/// the platform has no such clocks).
fn cpu_times() -> (Duration, Duration) {
    #[cfg(unix)]
    {
        let read = |clock| {
            let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
            // SAFETY: `ts` is writable; the clock ids are valid on every unix libc targets.
            if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
                return Duration::ZERO;
            }
            Duration::new(u64::try_from(ts.tv_sec).unwrap_or(0), ts.tv_nsec as u32)
        };
        (read(libc::CLOCK_THREAD_CPUTIME_ID), read(libc::CLOCK_PROCESS_CPUTIME_ID))
    }
    #[cfg(not(unix))]
    {
        (Duration::ZERO, Duration::ZERO)
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

/// Sends `total` messages through `traffic` while receiving them, and returns the time from
/// the first send to the last receive. Fails unless exactly `total` messages arrive.
pub(crate) fn drive(traffic: &mut impl Traffic, total: u64) -> Result<Duration> {
    let start = Instant::now();
    let (mut sent, mut received) = (0u64, 0u64);
    let mut iteration = 0u32;
    let mut stalled_since: Option<Instant> = None;
    while received < total {
        let mut progress = false;
        if sent < total {
            let want = (total - sent).min(BURST as u64) as usize;
            let accepted = traffic.send(want)?;
            sent += accepted as u64;
            progress |= accepted > 0;
        }
        let got = traffic.receive()?;
        received += got as u64;
        progress |= got > 0;
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
    if received != total || sent != total {
        return Err(
            format!("sent {sent} and received {received} messages, expected {total}").into()
        );
    }
    Ok(elapsed)
}

/// Runs a short untimed warm-up, then the timed run, and checks the count.
pub(crate) fn measure(
    traffic: &mut impl Traffic,
    workload: &Workload,
    messages: u64,
) -> Result<Measurement> {
    drive(traffic, (messages / 10).max(1))?;
    let (thread_before, process_before) = cpu_times();
    let elapsed = drive(traffic, messages)?;
    let (thread_after, process_after) = cpu_times();
    Ok(Measurement {
        elapsed,
        messages,
        bytes: messages * workload.size as u64,
        thread_cpu: thread_after.saturating_sub(thread_before),
        process_cpu: process_after.saturating_sub(process_before),
    })
}

/// Waits, pumping `step` (which reports whether setup is complete), for up to 30 seconds.
pub(crate) fn wait_until(what: &str, mut step: impl FnMut() -> Result<bool>) -> Result<()> {
    let start = Instant::now();
    loop {
        if step()? {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(30) {
            return Err(format!("timed out waiting for {what}").into());
        }
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// A free UDP port on 127.0.0.1, found by binding port 0 and letting the socket go.
pub(crate) fn free_loopback_port() -> Result<u16> {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0")
        .map_err(|e| format!("cannot bind a UDP socket on 127.0.0.1: {e}"))?;
    let port = socket.local_addr().map_err(|e| format!("no local address: {e}"))?.port();
    Ok(port)
}
