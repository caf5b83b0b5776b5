//! The workloads: what each one sends, how, and with which library settings.

use crate::workload::{Kind, SendMode, Setting, StormMetric, Transport, Workload};

pub(crate) const KIB: i32 = 1024;
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

/// The largest `poll-N`. GNS refuses a process more than 8,190 connections
/// (`g_mapConnections.Count() >= 0x1fff`: "Too many connections.", in
/// `steamnetworkingsockets_connections.cpp`): with both ends in one process, 5,000 clients
/// would need 10,000 (`ConnectByIPAddress` failed at the 4,096th client on every side). So
/// the family's clients are in a child process (`clients.rs`), and each process holds 5,000.
const POLL_MAX: usize = 5000;

/// Settings of the `poll-N` family (N = 10, 100, 1,000, 5,000 connections), tuned on
/// `poll-100`. Connections made through a listen socket measure their ping during
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

/// `p2p-bulk`: `udp-1200-bulk`'s messages and settings between two processes in two network
/// namespaces, over ICE and over IP (`p2p_bulk.rs`). Not in [`WORKLOADS`]: it runs in the
/// lab, not through `worker`, after the others; `transport` is unused (each run is over ICE
/// or over IP).
pub(crate) const P2P_BULK: Workload = Workload { name: "p2p-bulk", ..UDP_1200_BULK };

/// `udp-1200-bulk`, in [`WORKLOADS`]; named, as [`P2P_BULK`] is the same traffic.
const UDP_1200_BULK: Workload = Workload {
    name: "udp-1200-bulk",
    transport: Transport::Udp,
    mode: SendMode::One,
    size: 1200,
    messages: 60_000,
    settings: UDP_BULK,
    kind: Kind::Stream,
};

/// Every workload, in the order they are run and printed. All messages are reliable.
pub(crate) const WORKLOADS: &[Workload] = &[
    Workload {
        name: "pair-64",
        transport: Transport::Pipe,
        mode: SendMode::One,
        size: 64,
        messages: 1_000_000,
        settings: &[],
        kind: Kind::Stream,
    },
    Workload {
        name: "pair-64-batch",
        transport: Transport::Pipe,
        mode: SendMode::Batch,
        size: 64,
        messages: 3_000_000,
        settings: &[],
        kind: Kind::Stream,
    },
    Workload {
        name: "pair-64-shared",
        transport: Transport::Pipe,
        mode: SendMode::SharedBatch,
        size: 64,
        messages: 3_000_000,
        settings: &[],
        kind: Kind::Stream,
    },
    Workload {
        name: "pair-64-bytes",
        transport: Transport::Pipe,
        mode: SendMode::SharedOne,
        size: 64,
        messages: 1_000_000,
        settings: &[],
        kind: Kind::Stream,
    },
    Workload {
        name: "udp-64",
        transport: Transport::Udp,
        mode: SendMode::One,
        size: 64,
        messages: 300_000,
        settings: UDP_SMALL,
        kind: Kind::Stream,
    },
    UDP_1200_BULK,
    Workload {
        name: "poll-10",
        transport: Transport::PollGroup(10),
        mode: SendMode::One,
        size: 64,
        messages: 150_000,
        settings: POLL,
        kind: Kind::Stream,
    },
    Workload {
        name: "poll-100",
        transport: Transport::PollGroup(100),
        mode: SendMode::One,
        size: 64,
        messages: 150_000,
        settings: POLL,
        kind: Kind::Stream,
    },
    Workload {
        name: "poll-1000",
        transport: Transport::PollGroup(1000),
        mode: SendMode::One,
        size: 64,
        messages: 150_000,
        settings: POLL,
        kind: Kind::Stream,
    },
    Workload {
        name: "poll-5000",
        transport: Transport::PollGroup(POLL_MAX),
        mode: SendMode::One,
        size: 64,
        messages: 150_000,
        settings: POLL,
        kind: Kind::Stream,
    },
    Workload {
        name: "rtt-64",
        transport: Transport::Udp,
        mode: SendMode::One,
        size: 64,
        messages: 10_000,
        settings: &[],
        kind: Kind::PingPong,
    },
    Workload {
        name: "connect-1000",
        transport: Transport::PollGroup(STORM_CLIENTS),
        mode: SendMode::One,
        size: 0,
        messages: STORM_CLIENTS as u64,
        settings: &[],
        kind: Kind::Storm(StormMetric::Connections),
    },
    Workload {
        name: "events",
        transport: Transport::PollGroup(STORM_CLIENTS),
        mode: SendMode::One,
        size: 0,
        messages: STORM_CLIENTS as u64,
        settings: &[],
        kind: Kind::Storm(StormMetric::Events),
    },
    Workload {
        name: "memory",
        transport: Transport::PollGroup(STORM_CLIENTS),
        mode: SendMode::One,
        size: 0,
        messages: STORM_CLIENTS as u64,
        settings: &[],
        kind: Kind::Storm(StormMetric::Memory),
    },
];

/// Client connections of `connect-1000`, `events` and `memory`.
const STORM_CLIENTS: usize = 1000;
