//! `steam-sockets-bench`: throughput of `steam-sockets` against the raw flat C API and against
//! gns-rs, on the GameNetworkingSockets (GNS) backend. Run it with `cargo xtask bench` (a
//! release build with the `gns` feature); extra arguments are passed on, e.g.
//! `cargo xtask bench --rounds 3 --only udp-64,poll-100`.
//!
//! # Sides
//! Every workload runs the same traffic through three implementations:
//! * **raw**: the flat C API called directly from Rust through `steam-sockets-sys`, the way a
//!   careful C++ programmer would (the baseline);
//! * **wrapper**: `steam-sockets`;
//! * **peer**: gns-rs (`game-networking-sockets` 0.3, the same GNS underneath).
//!
//! Each run (one side, one workload, one round) happens in a fresh child process (the binary
//! runs itself with `worker`): the three sides initialise the same process-global library,
//! install their own callbacks and set global configuration, so they are kept apart, and every
//! run starts from the same state. A run warms up with a tenth of its messages, then times the
//! rest from the first send to the last receive, counts every message received and checks its
//! size and content, and fails unless all arrived. Sends that meet a full send buffer are
//! retried (back-pressure), never dropped. The rounds alternate the sides, rotating their order,
//! and the median of the rounds is reported.
//!
//! # Workloads
//! All messages are reliable. `run_callbacks` is pumped about every thousand messages and
//! whenever a loop makes no progress.
//! * `pair-64`: in-process socket pair (`CreateSocketPair(false)`), 64-byte messages, one send
//!   call per message (raw: `SendMessageToConnection`; wrapper: `Connection::send`; peer:
//!   `send_message`), received 64 at a time into a reused buffer.
//! * `pair-64-batch`: the same with `SendMessages` batches of 64, payloads copied (raw:
//!   `AllocateMessage(64)` and a copy; wrapper: `Sockets::send_messages` with
//!   `Payload::Copied`; peer: `send_messages` with a `Box<[u8]>` each).
//! * `pair-64-shared`: the same batches without copying the payload (raw: `AllocateMessage(0)`
//!   pointing at a reference-counted buffer; wrapper: `Payload::Shared(&Bytes)`; peer: an
//!   `Arc<[u8]>` clone each).
//! * `pair-64-bytes`: zero-copy, one send call per message (wrapper: `Connection::send` with `&Bytes`;
//!   raw: a one-message `SendMessages`; peer: `send_message` with an `Arc<[u8]>`).
//! * `udp-64`: UDP loopback socket pair (`CreateSocketPair(true)`, encrypted), 64-byte
//!   messages, one send call per message.
//! * `udp-1200-bulk`: the same with 1200-byte messages and the send rate and buffers raised;
//!   the summary gives MB/s.
//! * `poll-10`, `poll-100`, `poll-1000`, `poll-5000`: a listen socket on 127.0.0.1 (a free
//!   port), N client connections over UDP loopback sending 64-byte messages round-robin, one
//!   call each; the server's connections are in one poll group, which the receiver reads. The
//!   same 150,000 messages at every N, so messages per second and CPU time per message show
//!   how the cost grows with the number of connections. The clients are in a child process
//!   of the same side (`poll-clients`, the binary running itself), because GNS refuses a
//!   process more than 8,190 connections ("Too many connections.") and 5,000 clients with
//!   their server ends would need 10,000. The worker is the server: it accepts the clients
//!   through its status events, and asks the child for the warm-up and then the timed
//!   messages; the timed section (and the instruction count) is the server's receive loop
//!   on its application thread, i.e. what one server costs with N players. Each client
//!   connection has a UDP socket of its own: both processes raise their soft open-file limit
//!   to the hard limit first (an `INFO open_files` line says what it did).
//! * `rtt-64`: ping-pong of one 64-byte reliable message (`NoNagle`) over a UDP loopback
//!   socket pair, 10,000 round trips after 1,000 untimed; the waiting end polls with a 10 µs
//!   sleep between receive calls (busy-polling starved GNS's service thread on 2 cores). The
//!   figure is the median round trip in microseconds and the ratio is raw/wrapper (above 1:
//!   the wrapper is faster); the `RESULT` line adds p50, p99 and p99.9 of both sides.
//! * `connect-1000`, `events`, `memory`: 1,000 clients connect to one listen socket; the
//!   server accepts each through the side's status events (raw: the status-changed callback,
//!   which records handle, listen socket and state; wrapper: `Event::Incoming` and
//!   `Event::ConnectionStatus` from `Sockets::events`; peer: `receive_events`) and puts it in
//!   a poll group. One such run gives: connections per second from the first connect call to
//!   all connected (`connect-1000`); status events per second of time spent delivering them,
//!   i.e. in `run_callbacks` and taking the events, not in handling them (`events`); and the
//!   growth of the resident set (`/proc/self/statm`) divided by 1,000 (`memory`, bytes per
//!   connection, both ends in the process, ratio raw/wrapper). A run fails unless at least
//!   two events per connection arrived.
//! * `p2p-bulk`: `udp-1200-bulk`'s traffic (60,000 timed 1200-byte reliable messages after
//!   a tenth untimed, one send call each, its rate and buffers) between two processes in two
//!   network namespaces joined by a veth pair (10.78.0.1/24 and 10.78.0.2/24, IPv6 off, no
//!   route elsewhere; made once, deleted on every way out), run after the other workloads and
//!   by `--only p2p-bulk`. Each (round, side, network) is a `p2p-sink` process in namespace A
//!   and a `p2p-source` in B, over two networks: **ICE** (`listen_p2p` / `connect_p2p` by
//!   identity, signals through steam-sockets' `SignalingServer` in A and a
//!   `SignalingClient` in each process; host candidates only, no STUN server) and **IP**
//!   (`listen_ip` / `connect_ip` to A's address). The source sends the warm-up, waits for
//!   one message back (go), sends the run, and waits for one more (done); the sink counts and
//!   checks every message and times from sending go to the last message of the run. The raw
//!   side's connection is set up by steam-sockets (the flat API has no signaling of its
//!   own); only its data path is raw (`SendMessageToConnection`,
//!   `ReceiveMessagesOnConnection`, `Release`, on the connection's handle), so raw and
//!   wrapper differ only in the data path. gns-rs 0.3 has no P2P or signaling API: its
//!   `PEER` line is `failed` with the reason on an `INFO ... failed:` line, and it runs over
//!   IP only. `RESULT` compares wrapper and raw over ICE (messages per second, as the other
//!   stream workloads); `INFO workload=p2p-bulk payload_MB_per_s` gives MB/s over ICE and IP
//!   for each side and the ICE/IP ratio. Instructions: the sink under callgrind over ICE,
//!   the receiving thread only (the other workloads count both ends in one thread). Without
//!   root or `ip`, the benchmark prints `INFO p2p-bulk skipped: <why>` and does not count it.
//!
//! # Instructions per message
//! Every workload also reports instructions per message (per round trip, connection or
//! event) for each side, in the same run: `perf stat -e instructions` has no hardware
//! counters here, so each side runs once more, briefly (2,000 messages, or 600 KB of payload
//! if less: 500 for the 1200-byte workloads; `TimeoutConnected` raised to 120 s, send rates
//! capped at 8 MiB/s), under valgrind's
//! callgrind with collection on only inside `workload::timed_section` (the timed part of a
//! run; for `events`, `storm::Dispatch::deliver`), on the application thread. The poll-N
//! runs keep their N: only the server is under callgrind (its clients' process is native
//! and connects 100 at a time, so each handshake finishes within GNS's 10 s timeout), and
//! it receives only once the child says every message has been acknowledged
//! (`--delivered-first`), so that no receive call that finds nothing is counted; the
//! storms have both ends under callgrind and use at most 100 clients, as callgrind makes
//! 1,000 handshakes time out. `RESULT` gets
//! `instr_ratio=<raw/wrapper>` and `PEER` `instr_ratio=<peer/ours>` (above 1: ours executes
//! fewer); an `INFO ... instructions_per_...` line gives the counts. `--no-instructions`
//! skips them.
//!
//! # Settings
//! The library's defaults cap each connection at 256 KiB/s with a 512 KiB send buffer; the UDP
//! workloads set `SendRateMin`/`SendRateMax` and `SendBufferSize` explicitly (each workload's
//! `INFO` line lists them), through each side's own API, at global scope. What GNS 0.3 does
//! with them, read in its source and measured here:
//! * GNS sets a connection's rate once, when it connects, to 4380 bytes per round trip
//!   (a ping below 1 ms counts as 0.5 ms: 8.76 MB/s), clamped to `SendRateMin..=SendRateMax`
//!   and to 100 MiB/s; it never estimates bandwidth afterwards.
//! * Connections through a listen socket measure their ping in the handshake, so raising
//!   only `SendRateMax` lifts them up to 8.76 MB/s.
//! * `CreateSocketPair(true)` connections have no ping yet (200 ms assumed), so their rate
//!   stays at `SendRateMin`: the socket-pair workloads fix the rate (`SendRateMin` =
//!   `SendRateMax`).
//! * GNS never slows down on loss, so a rate above what its service thread can receive
//!   overflows the kernel's socket buffers (GNS asks for 256 KiB) and runs become erratic.
//!   `udp-64` uses 48 MiB/s, the highest rate found without losses (80 MiB/s lost packets and
//!   took up to 15 times longer). `poll-100` keeps the library's default 256 KiB/s per
//!   connection: its 100 connections share the listen socket's one UDP socket, and at
//!   512 KiB/s each they overflowed its buffer, and on a busy machine connections timed out
//!   (4 MiB/s collapsed at once).
//! * With the default 1000-message receive queue, about one `udp-64` run in ten stalled for
//!   good (the receiver had dropped packets, and neither end sent anything again; `poll-100`
//!   did it too); raising `RecvBufferMessages` (and `RecvBufferSize`) made that disappear.
//! * Bulk: GNS's ceiling is 100 MiB/s; fixed there (`SendRateMin` = `SendRateMax`), lossless
//!   runs carry 100 MB/s of 1200-byte payloads, but most runs lose packets in the kernel and
//!   take up to 1.8 times longer (median about 82 MB/s). `udp-1200-bulk` uses 80 MiB/s, the
//!   highest rate without losses here: 80.8 MB/s, within 0.5% from run to run (the sweep:
//!   32 MiB/s gives 32 MB/s, 64 MiB/s 64 MB/s, 88 MiB/s already loses packets; send buffers
//!   from 1 to 32 MiB change little; 16 MiB is used).
//! * With small messages the send buffer stays small: every reliable message in flight takes
//!   an entry in a list with 16-bit indices, and GNS aborts the process when it overflows.
//!   `udp-64` (tiny messages to a receiver that sends nothing back, so acknowledged every
//!   50 ms) measures steam-sockets' reliable backlog limit, which lets about 8,192 such
//!   messages per connection into the library at a time (README "Reliability"): about 150,000
//!   a second. The raw side has no such limit: faster on average, it stalls for seconds
//!   whenever an acknowledgement is late, and its runs spread widely.
//!
//! Beside messages per second, the summary gives CPU time per message of the application
//! thread (where the API calls run) and of the whole process: on rate-paced workloads the
//! first shows a wrapper's cost that throughput hides.
//!
//! `sweep <workload>` times one side over a grid of rates and buffer sizes to re-tune them.
//!
//! # Output
//! Per workload, on standard output:
//! ```text
//! RESULT workload=<name> wrapper=<figure> raw=<figure> ratio=<wrapper vs raw> instr_ratio=<raw/wrapper> [...]
//! PEER workload=<name> peer=gns-rs msgs=<figure> ratio=<ours vs peer> instr_ratio=<peer/ours>
//! ```
//! The figure is messages per second for the stream workloads, the median round trip (µs)
//! for `rtt-64`, connections or events per second, or bytes per connection for `memory`;
//! every ratio is "higher is better" (rates: ours/theirs; times and memory: theirs/ours).
//! Everything else (context, per-round figures, MB/s, spread) is on `INFO` lines. A run that
//! fails is run once more; one that fails again counts as failed (`side=failed` on its round's
//! line, its error on standard error) and the benchmark goes on. A workload that has no
//! successful run on some side still gets its two lines, with `failed` for the figures it
//! lacks, and `INFO ... failed:` lines with the errors. The exit status is non-zero if any run
//! failed twice.
//!
//! # Commands
//! * (none): the benchmark. Options: `--rounds N` (default 7), `--scale F` (multiplies the
//!   message counts), `--only a,b`, `--set Name=value` (a library setting for every
//!   workload, e.g. `--set SendBufferSize=4194304`), `--list`, `--no-instructions`,
//!   `--plot` (writes `bench/results/poll-n.svg`: messages per second and application-thread
//!   CPU per message against N for the poll-N family, three sides, drawn with `plotters`).
//! * `sweep <workload> [--side S] [--reps N] [--scale F]`: times one side over a grid of
//!   send rates and buffer sizes.
//! * `worker <side> <workload> [--scale F] [--clients N] [--set Name=value]...`,
//!   `poll-clients <side> <workload> <port> <clients> [--set Name=value]...` (started by a
//!   poll-N worker), `p2p-sink`/`p2p-source <side> <ice|ip> <messages> [--set Name=value]...`
//!   (the two ends of a `p2p-bulk` run, inside the namespaces) and `probe-init`: what the
//!   benchmark runs in its child processes.

#[cfg(feature = "gns")]
mod catalog;
#[cfg(feature = "gns")]
mod clients;
#[cfg(feature = "gns")]
mod coordinator;
#[cfg(feature = "gns")]
mod instr;
#[cfg(feature = "gns")]
mod latency;
#[cfg(feature = "gns")]
mod os;
#[cfg(feature = "gns")]
mod p2p_bulk;
#[cfg(feature = "gns")]
mod peer;
#[cfg(feature = "gns")]
mod plot;
#[cfg(feature = "gns")]
mod raw;
#[cfg(feature = "gns")]
mod report;
#[cfg(feature = "gns")]
mod storm;
#[cfg(feature = "gns")]
mod workload;
#[cfg(feature = "gns")]
mod wrapper;

use std::process::ExitCode;

#[cfg(not(feature = "gns"))]
fn main() -> ExitCode {
    eprintln!(
        "steam-sockets-bench runs on the GameNetworkingSockets backend: build it with \
         `--features gns`, or run `cargo xtask bench`"
    );
    ExitCode::from(2)
}

#[cfg(feature = "gns")]
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("worker") => coordinator::worker(&args[1..]),
        Some("poll-clients") => clients::command(&args[1..]),
        Some(role @ ("p2p-sink" | "p2p-source")) => p2p_bulk::child(role, &args[1..]),
        Some("probe-init") => coordinator::probe_init(),
        Some("sweep") => coordinator::sweep(&args[1..]),
        _ => coordinator::bench(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("steam-sockets-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
