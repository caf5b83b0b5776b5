//! Leaks: the integration tests (`steam-sockets-tests`, GNS) run under valgrind's memcheck,
//! and so does this suite's own drop-order workload.
//!
//! The command, per test binary (run from `tests/`):
//! `valgrind --leak-check=full --show-leak-kinds=definite --num-callers=50 --fair-sched=yes
//! <binary> --test-threads=1`.
//!
//! A definitely-lost block is *attributable to the crate* if it was allocated by Rust code of
//! `steam_sockets` (a `steam_sockets::` frame with no GameNetworkingSockets frame between it and
//! the allocator). Blocks GameNetworkingSockets allocated itself (connection objects, their
//! sockets) are reported too but are the library's: a test binary exits while connections it
//! closed are still lingering inside the library, whose global tables are freed at exit, which
//! leaves those objects unreferenced. The drop-order workload shows that they are freed: it
//! waits for the library to finish closing before it exits, and must end with no definitely
//! lost byte at all. Memcheck errors (invalid reads or writes, bad frees) fail the scenario.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::Report;
use crate::runner::{SCENARIO_VAR, Size};

/// Seconds the workload waits, after its last drop, for the library to finish closing.
const SETTLE_SECS: &str = "10";

/// Runs the scenario.
pub fn run(_size: Size) -> Report {
    Report::of("leaks", leaks)
}

/// What memcheck said about one process.
#[derive(Debug, Default)]
struct Memcheck {
    definitely_lost: u64,
    attributable: u64,
    attributable_records: Vec<String>,
    errors: Vec<String>,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn leaks(report: &mut Report) -> Result<(), String> {
    let binaries = test_binaries()?;
    let log_dir = std::env::temp_dir().join(format!("steam-sockets-leaks-{}", std::process::id()));
    std::fs::create_dir_all(&log_dir).map_err(|e| e.to_string())?;
    let (mut tests_passed, mut tests_failed, mut lost, mut library_lost) = (0u64, 0u64, 0u64, 0u64);
    for binary in &binaries {
        let name = binary.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let log = log_dir.join(format!("{name}.log"));
        let output = valgrind(&log)
            .arg(binary)
            .arg("--test-threads=1")
            // Load tests (tens or hundreds of thousands of messages) are too slow under
            // memcheck; they allocate nothing the other tests do not, and run natively in
            // `cargo xtask test`.
            .args(["--skip", "a_flood_of_", "--skip", "reliable_sends_stop_at_the_backlog_limit"])
            .current_dir(workspace().join("tests"))
            .output()
            .map_err(|e| format!("cannot run valgrind: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let _ = std::fs::write(log_dir.join(format!("{name}.out")), stdout.as_bytes());
        let (passed, failed) = test_counts(&stdout);
        tests_passed += passed;
        tests_failed += failed;
        let check = memcheck(&log)?;
        report.detail(format!(
            "{name}: {passed} tests passed, {failed} failed; definitely lost {} B, {} B of them \
             attributable to the crate",
            check.definitely_lost, check.attributable
        ));
        // Under memcheck everything runs 10-50 times slower, so a test with a deadline can
        // fail here and pass natively (`cargo xtask test` judges the tests); this scenario
        // judges memory. A binary that died without a test result is a failure.
        for line in stdout.lines().filter(|l| l.starts_with("test ") && l.ends_with("FAILED")) {
            report.detail(format!("{name}: under valgrind, {line}"));
        }
        report.check(output.status.success() || failed > 0, || {
            format!("{name} crashed under valgrind: {}", output.status)
        });
        judge(report, &name, &check);
        lost += check.attributable;
        library_lost += check.definitely_lost - check.attributable;
    }
    // The suite's own workload, waiting for the library before it exits.
    let log = log_dir.join("drop-order.log");
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = valgrind(&log)
        .arg(exe)
        .env(SCENARIO_VAR, "drop-order")
        .env("STEAM_SOCKETS_STRESS_SHORT", "1")
        .env("STEAM_SOCKETS_STRESS_SETTLE", SETTLE_SECS)
        .env("STEAM_SOCKETS_STRESS_STEP", "20")
        .output()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().find(|l| l.starts_with("STRESS ")).unwrap_or_default();
    let field = |key: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    report.sent += field("sent=");
    report.received += field("received=");
    report.check(line.ends_with("result=ok"), || format!("drop-order under valgrind: {line:?}"));
    let check = memcheck(&log)?;
    report.detail(format!(
        "drop-order workload (waits {SETTLE_SECS} s for the library before exiting): \
         definitely lost {} B",
        check.definitely_lost
    ));
    report.check(check.definitely_lost == 0, || {
        format!("drop-order workload: {} B definitely lost", check.definitely_lost)
    });
    judge(report, "drop-order workload", &check);
    report.detail(format!(
        "{} test binaries, {tests_passed} tests passed under memcheck, {tests_failed} failed; \
         definitely lost attributable to the crate: {lost} B; the library's objects still \
         lingering at exit: {library_lost} B; logs in {}",
        binaries.len(),
        log_dir.display()
    ));
    Ok(())
}

fn judge(report: &mut Report, name: &str, check: &Memcheck) {
    for record in &check.attributable_records {
        report.fail(format!("{name}: crate leak:\n{record}"));
    }
    for error in &check.errors {
        report.fail(format!("{name}: memcheck error:\n{error}"));
    }
}

fn valgrind(log: &Path) -> Command {
    let mut cmd = Command::new("valgrind");
    cmd.args([
        "--leak-check=full",
        "--show-leak-kinds=definite",
        "--num-callers=50",
        // Without it valgrind's scheduler can starve the library's service thread while a
        // test polls, and connections time out.
        "--fair-sched=yes",
        &format!("--log-file={}", log.display()),
    ]);
    cmd
}

/// The integration test binaries of `steam-sockets-tests` on GNS, built if needed.
fn test_binaries() -> Result<Vec<PathBuf>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["test", "--no-run", "--message-format=json", "-p", "steam-sockets-tests"])
        .args(["--no-default-features", "--features", "gns"])
        .current_dir(workspace())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the tests failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let binaries: Vec<PathBuf> = stdout
        .lines()
        .filter_map(|l| l.split("\"executable\":\"").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .map(PathBuf::from)
        .collect();
    if binaries.is_empty() {
        return Err("no test binaries found".into());
    }
    Ok(binaries)
}

/// Passed and failed tests from libtest's `test result:` lines.
fn test_counts(stdout: &str) -> (u64, u64) {
    let (mut passed, mut failed) = (0, 0);
    for line in stdout.lines().filter_map(|l| l.strip_prefix("test result: ")) {
        for part in line.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            let count = words.iter().rev().nth(1).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
            match words.last() {
                Some(&"passed") => passed += count,
                Some(&"failed") => failed += count,
                _ => {}
            }
        }
    }
    (passed, failed)
}

/// Reads a memcheck log: definitely-lost records, which of them the crate allocated, and
/// memory errors.
fn memcheck(log: &Path) -> Result<Memcheck, String> {
    let text = std::fs::read_to_string(log).map_err(|e| format!("{}: {e}", log.display()))?;
    // Strip the `==pid== ` prefixes; blocks are separated by empty lines.
    let lines: Vec<&str> =
        text.lines()
            .map(|l| {
                if l.starts_with("==") {
                    l.split_once("== ").map_or("", |(_, rest)| rest)
                } else {
                    l
                }
            })
            .collect();
    let mut result = Memcheck::default();
    for block in lines.split(|l| l.trim().is_empty()) {
        let Some(head) = block.first() else { continue };
        if head.contains("are definitely lost in loss record") {
            let direct = leading_bytes(head);
            result.definitely_lost += direct;
            if allocated_by_crate(block) {
                result.attributable += direct;
                result.attributable_records.push(block.join("\n"));
            }
        } else if [
            "Invalid read",
            "Invalid write",
            "Invalid free",
            "Mismatched free",
            "Use of uninit",
            "Conditional jump",
        ]
        .iter()
        .any(|kind| head.starts_with(kind))
            && block.iter().any(|l| l.contains("steam_sockets::"))
        {
            result.errors.push(block.join("\n"));
        }
    }
    Ok(result)
}

/// The direct bytes of a loss record's first line: `1,234 (56 direct, ...) bytes in ...` or
/// `1,234 bytes in ...`.
fn leading_bytes(head: &str) -> u64 {
    let number = |s: &str| s.replace(',', "").parse::<u64>().unwrap_or(0);
    match head.split_once(" direct") {
        Some((before, _)) => number(before.rsplit('(').next().unwrap_or("")),
        None => number(head.split_whitespace().next().unwrap_or("")),
    }
}

/// Whether the crate's own Rust code allocated the block: walking up from the allocator, a
/// `steam_sockets::` frame comes before any frame of the C++ library.
fn allocated_by_crate(block: &[&str]) -> bool {
    for frame in block.iter().skip(1) {
        if frame.contains("SteamNetworkingSocketsLib::")
            || frame.contains("google::protobuf")
            || frame.contains("SteamAPI_")
            || frame.contains("GameNetworkingSockets_")
        {
            return false;
        }
        if frame.contains("steam_sockets::") {
            return true;
        }
    }
    false
}
