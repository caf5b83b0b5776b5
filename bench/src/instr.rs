//! Instructions per message. This machine has no hardware counters (`perf stat -e
//! instructions` says `<not supported>`), so the count comes from valgrind's callgrind on a
//! short run of the same worker: collection is off at the start and on only inside
//! [`crate::workload::timed_section`] (`--toggle-collect`), which wraps the timed part of every
//! run. Callgrind counts the instructions of the thread that runs that section (the
//! application thread, where the API calls run); the library's own threads are not counted.

use std::process::Command;

use crate::workload::{Failure, Kind, Result, Setting, StormMetric, Workload};

/// Messages of an instruction-count run (callgrind is about 50 times slower than native).
pub(crate) const MESSAGES: f64 = 2_000.0;

/// Most payload bytes of an instruction-count run: `udp-1200-bulk` counts 500 messages, not
/// 2,000. Under callgrind 2,000 of 1,200 bytes took 28 s (and sometimes stalled past the
/// benchmark's 20 s limit) where 500 took 1 s: the library's threads, serialised by valgrind,
/// fall behind and retransmit.
pub(crate) const MAX_BYTES: f64 = 600_000.0;

/// Most client connections of an instruction-count run of a storm (`connect-1000`, `events`,
/// `memory`), which has both ends under callgrind: there the handshakes of 1,000 clients take
/// so long that the clients time out before they are accepted. The `poll-N` family is
/// counted at its full N: only its server runs under callgrind, its clients' process is
/// native and connects them 100 at a time (`clients::WAVE`), and 5,000 are accepted in about
/// 45 s.
pub(crate) const CLIENTS: usize = 100;

/// Highest send rate of an instruction-count run, bytes per second: under callgrind the
/// library's threads run one at a time, and at `udp-1200-bulk`'s 80 MiB/s the receiver fell
/// behind, lost packets and the connection stalled or timed out on every side. Instructions
/// per message on the application thread do not depend on the rate.
pub(crate) const MAX_SEND_RATE: i32 = 8 * 1024 * 1024;

/// `TimeoutConnected` of an instruction-count run, milliseconds: under callgrind the
/// library's service thread can go without a CPU for longer than the default 10 s, and
/// `udp-1200-bulk`'s connection then timed out ("Connection dropped") even at
/// [`MAX_SEND_RATE`]. Instructions per message do not depend on it.
pub(crate) const TIMEOUT_CONNECTED_MS: i32 = 120_000;

/// The settings of an instruction-count run: send rates capped at [`MAX_SEND_RATE`],
/// `TimeoutConnected` [`TIMEOUT_CONNECTED_MS`], the rest as given.
pub(crate) fn settings(settings: &[(Setting, i32)]) -> Vec<(Setting, i32)> {
    let capped = settings.iter().map(|&(setting, value)| match setting {
        Setting::SendRateMin | Setting::SendRateMax => (setting, value.min(MAX_SEND_RATE)),
        _ => (setting, value),
    });
    let timeout = (Setting::TimeoutConnected, TIMEOUT_CONNECTED_MS);
    capped.filter(|&(setting, _)| setting != Setting::TimeoutConnected).chain([timeout]).collect()
}

/// Messages of an instruction-count run of `workload`: [`MESSAGES`], fewer if that is over
/// [`MAX_BYTES`], and never more than the workload's own.
pub(crate) fn messages(workload: &Workload) -> u64 {
    let messages = MESSAGES.min(MAX_BYTES / workload.size.max(1) as f64) as u64;
    messages.min(workload.messages)
}

/// `--toggle-collect` pattern: the timed section's symbol, with any generic suffix.
const TOGGLE: &str = "*timed_section*";

/// The pattern for `events`: only the delivery of the events (`Dispatch::deliver`), not the
/// handshakes and accepts around it.
const TOGGLE_EVENTS: &str = "*Dispatch*deliver*";

/// The `--toggle-collect` pattern for a workload of `kind`.
fn toggle(kind: Kind) -> &'static str {
    if kind == Kind::Storm(StormMetric::Events) { TOGGLE_EVENTS } else { TOGGLE }
}

/// How instructions are counted here, for the `INFO` line; `None` if they cannot be.
pub(crate) fn method() -> Option<String> {
    let perf = Command::new("perf").args(["stat", "-x,", "-e", "instructions", "true"]).output();
    let perf = match perf {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stderr).into_owned();
            if text.contains("not supported") || text.contains("not counted") {
                "perf stat: instructions <not supported> (no hardware counters)".to_string()
            } else {
                "perf stat works, but only callgrind can count one section of a run".to_string()
            }
        }
        Ok(_) | Err(_) => "perf stat unavailable".to_string(),
    };
    let valgrind = Command::new("valgrind").arg("--version").output().ok()?;
    valgrind.status.success().then(|| {
        format!(
            "{perf}; counting with {} --tool=callgrind --collect-atstart=no \
             --toggle-collect={TOGGLE} on short runs ({MESSAGES} messages, at most {MAX_BYTES} payload bytes, \
             TimeoutConnected {TIMEOUT_CONNECTED_MS} ms; poll-N at its full N, \
             the server only, its clients' process native; connect-1000, events and memory, \
             both ends under callgrind, at N={CLIENTS}; send rates capped at {cap} MiB/s), \
             application thread, timed section only (events: {TOGGLE_EVENTS}, the event \
             delivery only)",
            String::from_utf8_lossy(&valgrind.stdout).trim(),
            cap = MAX_SEND_RATE / (1024 * 1024),
        )
    })
}

/// The valgrind arguments that run a command under callgrind, writing its counts to
/// `out_file`.
pub(crate) fn prefix(kind: Kind, out_file: &str) -> Vec<String> {
    [
        "valgrind",
        "--tool=callgrind",
        "--collect-atstart=no",
        "--quiet",
        &format!("--toggle-collect={}", toggle(kind)),
        &format!("--callgrind-out-file={out_file}"),
    ]
    .map(String::from)
    .to_vec()
}

/// The instructions callgrind collected, from its output file (the `summary:` or `totals:`
/// line), which is then removed.
pub(crate) fn read(out_file: &str) -> Result<u64> {
    let text = std::fs::read_to_string(out_file)
        .map_err(|e| Failure(format!("no callgrind output {out_file}: {e}")))?;
    let _ = std::fs::remove_file(out_file);
    text.lines()
        .find_map(|l| l.strip_prefix("summary: ").or_else(|| l.strip_prefix("totals: ")))
        .and_then(|n| n.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| Failure(format!("no summary line in {out_file}")))
}
