//! `cargo xtask stress`: the reliability suite (`steam-sockets-stress`, GNS backend, dev
//! profile so that it shares the test build). Each scenario runs in a child process and prints
//! one `STRESS scenario=... result=<ok|FAIL>` line; the command fails if any line is `FAIL`.
//!
//! The full form (`cargo xtask stress`) includes the `leaks` scenario, which runs the
//! integration tests under valgrind (memcheck) and needs the `valgrind` Debian package
//! (installed here when missing, as root). `cargo xtask test` runs the short form
//! (`--short`: less traffic, and no valgrind), each scenario counting as one test.

use std::process::Stdio;

use super::{Result, Tally, cargo, run};

/// The package of the reliability suite.
const STRESS_PACKAGE: &str = "steam-sockets-stress";

/// `cargo run` of the suite with the GNS backend, up to the `--` before its own arguments.
fn run_args() -> Vec<String> {
    ["run", "--quiet", "-p", STRESS_PACKAGE, "--no-default-features", "--features", "gns", "--"]
        .map(String::from)
        .to_vec()
}

/// The full suite; `args` are passed on (`--only NAME[,NAME...]`, `--list`, `--short`).
pub fn stress(args: &[String]) -> Result {
    let short = args.iter().any(|a| a == "--short");
    let leaks = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1));
    if !short && leaks.is_none_or(|only| only.split(',').any(|n| n == "leaks")) {
        valgrind()?;
    }
    run(cargo().args(run_args()).args(args))
}

/// Makes sure valgrind is installed (the `leaks` scenario runs the tests under it).
fn valgrind() -> Result {
    let found = |program: &str| {
        std::process::Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if found("valgrind") {
        return Ok(());
    }
    if !super::is_root() {
        return Err("the leaks scenario needs valgrind: sudo apt-get install -y valgrind".into());
    }
    eprintln!("xtask stress: installing valgrind");
    run(std::process::Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends", "valgrind"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// The short form, for `cargo xtask test`: each `STRESS` line counts as one passed or failed
/// test; a run that fails without a `FAIL` line (a build error, a crash) counts as one failure.
pub fn short(tally: &mut Tally) {
    println!("stress: short form ({STRESS_PACKAGE}, gns)");
    tally.run_counted(cargo().args(run_args()).arg("--short"), |line| {
        match line.strip_prefix("STRESS ") {
            Some(line) if line.ends_with(" result=ok") => (1, 0),
            Some(_) => (0, 1),
            None => (0, 0),
        }
    });
}
