//! Runs each scenario in a child process (this same binary, re-executed) and collects the
//! `STRESS` lines.

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::common::Report;

/// Environment variable naming the scenario a child process runs.
pub const SCENARIO_VAR: &str = "STEAM_SOCKETS_STRESS_SCENARIO";
/// Environment variable naming a helper role (a client process of a scenario).
pub const ROLE_VAR: &str = "STEAM_SOCKETS_STRESS_ROLE";
/// Environment variable set (to `1`) in children of a `--short` run.
const SHORT_VAR: &str = "STEAM_SOCKETS_STRESS_SHORT";

/// How much work a scenario does.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    /// The reduced form run by `cargo xtask test`.
    pub short: bool,
}

impl Size {
    /// `full` normally, `short` in the short form.
    pub fn pick<T>(self, full: T, short: T) -> T {
        if self.short { short } else { full }
    }
}

/// A scenario: its name and the function that runs it in the child process.
type Scenario = (&'static str, fn(Size) -> Report);

/// Scenarios run only when named with `--only`: `flood-fast` forces a send rate above what
/// loopback carries, where the library may drop the connection (losses it never slows down
/// for); it shows the process no longer aborts, but cannot promise delivery.
const EXTRA: &[Scenario] = &[("flood-fast", crate::flood::run_fast)];

/// Scenarios the short form leaves out (`leaks` needs valgrind and minutes).
const FULL_ONLY: &[&str] = &["leaks"];

/// Every scenario, in the order they run.
const SCENARIOS: &[Scenario] = &[
    ("lossy", crate::lossy::run),
    ("flood", crate::flood::run),
    ("flood-tiny", crate::flood::run_tiny),
    ("peer-death", crate::peer_death::run),
    ("many-connections", crate::many::run),
    ("threads", crate::threads::run),
    ("drop-order", crate::drop_order::run),
    ("bad-input", crate::bad_input::run),
    ("garbage", crate::garbage::run),
    ("handshake-flood", crate::handshake::run),
    ("impairment-proxy", crate::impaired::run),
    ("event-storm", crate::storm::run),
    ("leaks", crate::leaks::run),
];

/// Entry point: a helper role, one scenario (in a child), or the whole suite.
pub fn main() -> ExitCode {
    if let Ok(role) = std::env::var(ROLE_VAR) {
        return match crate::crowd::Behaviour::of_role(&role) {
            Some(behaviour) => crate::crowd::child(behaviour),
            None => crate::peer_death::child(&role),
        };
    }
    let size = Size { short: std::env::var(SHORT_VAR).is_ok_and(|v| v == "1") };
    if let Ok(name) = std::env::var(SCENARIO_VAR) {
        let Some((_, run)) = SCENARIOS.iter().chain(EXTRA).find(|(n, _)| *n == name) else {
            eprintln!("unknown scenario {name}");
            return ExitCode::from(2);
        };
        let report = run(size);
        println!("{}", report.line());
        return if report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    }
    suite()
}

fn usage() -> ExitCode {
    let names: Vec<&str> = SCENARIOS.iter().map(|(n, _)| *n).collect();
    eprintln!(
        "usage: steam-sockets-stress [--short] [--only NAME[,NAME...]] [--list]\nscenarios: {}",
        names.join(", ")
    );
    ExitCode::from(2)
}

fn suite() -> ExitCode {
    let mut short = false;
    let mut only: Option<Vec<String>> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--short" => short = true,
            "--only" => match args.next() {
                Some(list) => only = Some(list.split(',').map(str::to_owned).collect()),
                None => return usage(),
            },
            "--list" => {
                SCENARIOS.iter().for_each(|(name, _)| println!("{name}"));
                EXTRA.iter().for_each(|(name, _)| println!("{name} (only with --only)"));
                return ExitCode::SUCCESS;
            }
            _ => return usage(),
        }
    }
    if let Some(only) = &only {
        let known = |n: &String| SCENARIOS.iter().chain(EXTRA).any(|(s, _)| s == n);
        if let Some(unknown) = only.iter().find(|n| !known(n)) {
            eprintln!("unknown scenario {unknown}");
            return usage();
        }
    }
    let start = Instant::now();
    let mut failed = 0;
    let mut ran = 0;
    for (name, _) in SCENARIOS.iter().chain(EXTRA) {
        let named = only.as_ref().is_some_and(|only| only.iter().any(|n| n == name));
        let extra = EXTRA.iter().any(|(e, _)| e == name);
        if !named && (only.is_some() || extra) {
            continue;
        }
        if short && FULL_ONLY.contains(name) {
            println!("# {name}: not part of the short form");
            continue;
        }
        ran += 1;
        let began = Instant::now();
        let ok = run_child(name, short);
        println!("# {name}: {:.1} s", began.elapsed().as_secs_f64());
        if !ok {
            failed += 1;
        }
    }
    println!(
        "stress: {} of {ran} scenarios passed ({}), {:.1} s",
        ran - failed,
        if short { "short" } else { "full" },
        start.elapsed().as_secs_f64()
    );
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Longest a scenario's child process may run before it is killed and the scenario fails.
const CHILD_LIMIT: Duration = Duration::from_secs(240);

/// Runs scenario `name` in a child, echoing its output; whether it printed `result=ok` and
/// exited successfully. A child that crashes or hangs gets a `FAIL` line of its own.
fn run_child(name: &'static str, short: bool) -> bool {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return failed_line(name, &format!("cannot find own executable: {e}")),
    };
    let child = Command::new(exe)
        .env(SCENARIO_VAR, name)
        .env(SHORT_VAR, if short { "1" } else { "0" })
        .env_remove(ROLE_VAR)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return failed_line(name, &format!("cannot start: {e}")),
    };
    let Some(stdout) = child.stdout.take() else {
        return failed_line(name, "no output pipe");
    };
    // Read the output on a thread so that a hung child can be killed at the limit.
    let reader = std::thread::spawn(move || {
        let mut ok_line = false;
        let mut any_line = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if line.starts_with("STRESS ") {
                any_line = true;
                ok_line = line.ends_with(" result=ok");
            }
        }
        (any_line, ok_line)
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() > CHILD_LIMIT => {
                // The child is ours, killed by its own handle.
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                eprintln!("# {name}: wait failed: {e}");
                break None;
            }
        }
    };
    let (any_line, ok_line) = reader.join().unwrap_or((false, false));
    match status {
        None => failed_line(name, &format!("killed after {CHILD_LIMIT:?}")),
        Some(status) if !any_line => {
            failed_line(name, &format!("exited without a result: {status}"))
        }
        Some(status) => ok_line && status.success(),
    }
}

fn failed_line(name: &'static str, why: &str) -> bool {
    let mut report = Report::new(name);
    report.fail(why);
    println!("{}", report.line());
    false
}
