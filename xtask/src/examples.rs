//! Example checks for `cargo xtask test`.
//!
//! * Smoke runs: each example that can run without Steam is started on the GNS backend with
//!   the arguments in [`SMOKE_EXAMPLES`](super::SMOKE_EXAMPLES); it talks to itself over
//!   loopback, checks its own traffic (echoes, chat lines, file hash, lane order, status
//!   rates) and must exit 0 within [`SMOKE_TIMEOUT`].
//! * Steam runs: every example is built on the `steam` backend and each binary is started
//!   *directly* from `target/debug/examples/` (no `cargo run`, so no `LD_LIBRARY_PATH`: this
//!   also proves `libsteam_api` was bundled beside it). Without a Steam client each must exit
//!   with status 1 and the example's "Steam client not running" line: not a panic (status
//!   101), a signal, or a loader error. If a Steam client *is* running, the run is bounded by
//!   `--seconds` and counted as passed when it exits 0.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Result, SMOKE_EXAMPLES, Tally, cargo};

/// Longest a smoke run may take.
const SMOKE_TIMEOUT: Duration = Duration::from_secs(180);

/// Every example, with arguments that make it exit by itself, for the Steam-backend check.
const STEAM_RUNS: &[(&str, &[&str])] = &[
    ("echo", &[]),
    ("chat", &["--demo", "--seconds", "5"]),
    ("status", &["--demo", "--seconds", "2"]),
    ("p2p_chat", &["listen", "--seconds", "2"]),
    ("fake_ip_server", &["--seconds", "2"]),
    ("fake_ip_client", &["127.0.0.1:27015", "--seconds", "2"]),
    ("dedicated_server", &["--seconds", "2", "--port", "27115", "--query-port", "27116"]),
];

/// What an example prints when Steam is absent.
const STEAM_ABSENT: &str = "Steam client not running";

/// A finished child process.
struct Finished {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` with its output captured, killing it after `timeout`.
fn run_bounded(cmd: &mut Command, timeout: Duration) -> Result<Finished> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = read(Box::new(child.stdout.take().ok_or("no stdout pipe")?));
    let stderr = read(Box::new(child.stderr.take().ok_or("no stderr pipe")?));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("waiting for {cmd:?}: {e}"))? {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{cmd:?} did not finish within {} s", timeout.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok(Finished {
        code: status.code(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

/// `cargo run` of one example of `package` on GNS with `args`; passes when it exits 0.
pub(crate) fn smoke(tally: &mut Tally, package: &str, example: &str, args: &[&str]) {
    println!("smoke: example {example} of {package} {} (gns)", args.join(" "));
    let mut cmd = cargo();
    cmd.args(["run", "--quiet"]).args(super::example_args(package, example)).arg("--").args(args);
    match run_bounded(&mut cmd, SMOKE_TIMEOUT) {
        Ok(done) if done.code == Some(0) => {
            print!("{}", done.stdout);
            tally.passed += 1;
        }
        Ok(done) => {
            print!("{}", done.stdout);
            eprint!("{}", done.stderr);
            eprintln!("smoke: example {example} failed: exit status {:?}", done.code);
            tally.failed += 1;
        }
        Err(e) => {
            eprintln!("smoke: example {example} failed: {e}");
            tally.failed += 1;
        }
    }
}

/// The smoke runs of [`SMOKE_EXAMPLES`](super::SMOKE_EXAMPLES).
pub(crate) fn smoke_all(tally: &mut Tally) {
    for (package, example, args) in SMOKE_EXAMPLES {
        smoke(tally, package, example, args);
    }
}

/// Builds every example on the `steam` backend and runs each binary directly: without a Steam
/// client, each must fail cleanly (see the module docs). One tally entry per example, plus one
/// for the build.
pub(crate) fn steam_clean_errors(tally: &mut Tally) {
    println!("steam examples: build, then run each without a Steam client");
    let built =
        super::run(cargo().args(["build", "--examples", "-p", "steam-sockets-examples"]).args([
            "--no-default-features",
            "--features",
            "steam",
        ]));
    let dir = match built.and_then(|()| super::target_dir()) {
        Ok(dir) => dir.join("debug").join("examples"),
        Err(e) => {
            eprintln!("steam examples: {e}");
            tally.failed += 1;
            return;
        }
    };
    tally.passed += 1;
    for (example, args) in STEAM_RUNS {
        let mut cmd = Command::new(dir.join(example));
        // Started as a player would: no loader path from cargo.
        cmd.args(*args).env_remove("LD_LIBRARY_PATH").env_remove("DYLD_LIBRARY_PATH");
        let verdict = match run_bounded(&mut cmd, Duration::from_secs(60)) {
            Err(e) => Err(e),
            Ok(done) => {
                let line = done.stderr.lines().find(|l| l.starts_with(&format!("{example}:")));
                match (done.code, line) {
                    (Some(1), Some(line)) if line.contains(STEAM_ABSENT) => {
                        println!("steam example {example}: clean error: {line}");
                        Ok(())
                    }
                    (Some(0), _) => {
                        println!("steam example {example}: ran (a Steam client is available)");
                        Ok(())
                    }
                    (code, _) => Err(format!(
                        "exit status {code:?}, expected 1 with \"{STEAM_ABSENT}\"; stderr:\n{}",
                        done.stderr.trim_end()
                    )),
                }
            }
        };
        match verdict {
            Ok(()) => tally.passed += 1,
            Err(e) => {
                eprintln!("steam example {example} failed: {e}");
                tally.failed += 1;
            }
        }
    }
}
