//! `cargo xtask steam`: the Steam-backend run-time suite (`steam-sockets-steam-suite`).
//!
//! * Always: the workspace links the `steamworks` crate and steam-sockets in one binary with a
//!   single `steamworks-sys` (its lockfile has one), and builds that binary.
//! * With the Steam test double's source in `STEAM_EMULATOR_SRC` (CI passes
//!   `../shared/steam-emulator`), as root: builds the double (its `build.sh`) into
//!   `target/steam-emulator/`, builds the suite and the `p2p_chat` example on the steam
//!   backend, and runs the suite, whose peers run in network namespaces it creates and removes.
//!   Each `STEAM scenario=... result=ok|FAIL` line counts as a passed or failed test.
//! * Not root, or no source: says why, and counts as skipped (never as passed).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Result, Tally, cargo, is_root};

/// The suite's package.
pub(crate) const SUITE_PACKAGE: &str = "steam-sockets-steam-suite";

/// Names the directory of the Steam test double's source.
const SOURCE_VAR: &str = "STEAM_EMULATOR_SRC";

/// `cargo xtask steam`.
pub(crate) fn steam() -> Result {
    let mut tally = Tally::default();
    suite(&mut tally);
    println!("{}", tally.summary());
    tally.check()
}

/// The suite, for `cargo xtask test`.
pub(crate) fn suite(tally: &mut Tally) {
    println!("steam: Steam-backend suite ({SUITE_PACKAGE})");
    match one_steamworks_sys() {
        Ok(line) => {
            println!("steam: {line}");
            tally.passed += 1;
        }
        Err(e) => {
            println!("steam: FAILED: {e}");
            tally.failed += 1;
        }
    }
    let source = std::env::var_os(SOURCE_VAR).map(PathBuf::from);
    let source = match source {
        Some(dir) if dir.join("build.sh").is_file() => dir,
        Some(dir) => {
            return println!(
                "steam: skipped: {SOURCE_VAR}={} has no build.sh (the Steam test double's \
                 source is needed)",
                dir.display()
            );
        }
        None => {
            return println!(
                "steam: skipped: {SOURCE_VAR} is not set (it names the Steam test double's \
                 source, shared/steam-emulator)"
            );
        }
    };
    if !is_root() {
        return println!("steam: skipped: not root (the peers run in network namespaces)");
    }
    if let Err(e) = build_and_run(&source, tally) {
        println!("steam: FAILED: {e}");
        tally.failed += 1;
    }
}

/// The lockfile names `steamworks-sys` once, and the `steamworks` crate beside steam-sockets.
fn one_steamworks_sys() -> Result<String> {
    let lock = super::metadata_dir("workspace_root")?.join("Cargo.lock");
    let text = std::fs::read_to_string(&lock).map_err(|e| format!("{}: {e}", lock.display()))?;
    let versions = |name: &str| -> Vec<String> {
        let entry = format!("name = \"{name}\"");
        let mut lines = text.lines();
        let mut found = Vec::new();
        while let Some(line) = lines.next() {
            if line == entry {
                if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = ")) {
                    found.push(v.trim_matches('"').to_owned());
                }
            }
        }
        found
    };
    let (sys, steamworks) = (versions("steamworks-sys"), versions("steamworks"));
    match (sys.as_slice(), steamworks.as_slice()) {
        ([sys], [steamworks]) => Ok(format!(
            "one steamworks-sys ({sys}) in Cargo.lock, shared by steam-sockets-sys and the \
             steamworks crate ({steamworks})"
        )),
        _ => Err(format!("Cargo.lock has steamworks-sys {sys:?} and steamworks {steamworks:?}")),
    }
}

fn build_and_run(source: &Path, tally: &mut Tally) -> Result {
    let target = super::target_dir()?;
    let emulator_dir = target.join("steam-emulator");
    let status = Command::new("bash")
        .arg(source.join("build.sh"))
        .arg(&emulator_dir)
        .status()
        .map_err(|e| format!("cannot run the test double's build.sh: {e}"))?;
    if !status.success() {
        return Err(format!("building the Steam test double failed: {status}"));
    }
    // The suite (steam-sockets beside the `steamworks` crate: one binary, one steamworks-sys)
    // and the example it runs, on the steam backend (the default).
    super::run(cargo().args(["build", "--quiet", "-p", SUITE_PACKAGE]))?;
    super::run(cargo().args([
        "build",
        "--quiet",
        "-p",
        "steam-sockets-examples",
        "--example",
        "p2p_chat",
    ]))?;
    let debug = target.join("debug");
    let mut suite = Command::new(debug.join(SUITE_PACKAGE));
    suite
        .arg("run")
        .arg("--emulator")
        .arg(emulator_dir.join("steamclient.so"))
        .arg("--p2p-chat")
        .arg(debug.join("examples/p2p_chat"))
        .arg("--scratch")
        .arg(target.join("steam-suite"));
    tally.run_counted(&mut suite, |line| match line.strip_prefix("STEAM ") {
        Some(rest) if rest.contains(" result=ok") => (1, 0),
        Some(rest) if rest.contains(" result=FAIL") => (0, 1),
        _ => (0, 0),
    });
    Ok(())
}
