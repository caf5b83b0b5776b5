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
//! * `poll-100`: a listen socket on 127.0.0.1 (a free port), 100 client connections over UDP
//!   loopback sending 64-byte messages round-robin, one call each; the server's connections
//!   are in one poll group, which the receiver reads.
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
//! RESULT workload=<name> wrapper=<msgs per s> raw=<msgs per s> ratio=<wrapper/raw>
//! PEER workload=<name> peer=gns-rs msgs=<msgs per s> ratio=<ours/peer>
//! ```
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
//!   workload, e.g. `--set SendBufferSize=4194304`), `--list`.
//! * `sweep <workload> [--side S] [--reps N] [--scale F]`: times one side over a grid of
//!   send rates and buffer sizes.
//! * `worker <side> <workload> [--scale F] [--set Name=value]...` and `probe-init`: what the
//!   benchmark runs in its child processes.

#[cfg(feature = "gns")]
mod coordinator;
#[cfg(feature = "gns")]
mod peer;
#[cfg(feature = "gns")]
mod raw;
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
