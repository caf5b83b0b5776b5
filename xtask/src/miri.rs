//! `cargo xtask miri`: the unit tests of the pure-Rust parts of `steam-sockets` under Miri
//! (`cargo +nightly miri test`), which checks their unsafe code and everything it touches for
//! undefined behaviour: out-of-bounds and use-after-free accesses, aliasing violations
//! (Stacked Borrows), uninitialised reads, data races, leaks.
//!
//! The modules are those with no call into the C library: the address, identity and PopId
//! parsers, the configuration codecs, the owner slot pool and the reliable backlog, and the
//! signaling line format. Miri interprets every step, so tests whose loops are long natively
//! run a sample of their inputs under `cfg(miri)`, and tests that cannot run there (calls into
//! the C library, TCP sockets) are `#[cfg_attr(miri, ignore = "...")]`, which libtest reports as
//! ignored (never as passed). The backend is the default `steam` (its build script only
//! links, and Miri links nothing).
//!
//! Needs the nightly toolchain with its `miri` component; when the component is missing, one
//! `rustup component add --toolchain nightly miri` is tried. Without them, the suite says why
//! and counts as skipped (never as passed). `MIRIFLAGS` from the environment is passed on.

use std::process::{Command, Stdio};
use std::time::Instant;

use super::{Result, Tally};

/// The toolchain Miri runs on.
const TOOLCHAIN: &str = "nightly";

/// The library's package.
const PACKAGE: &str = "steam-sockets";

/// Test-name filters (libtest substrings) of the modules Miri runs: only pure Rust there.
pub(crate) const FILTERS: &[&str] = &[
    "address::",
    "identity::",
    "config::",
    "send::owners::",
    "send::backlog::",
    "p2p::rendezvous::",
    "relay::pop::",
];

/// `cargo xtask miri`.
pub(crate) fn miri() -> Result {
    let mut tally = Tally::default();
    suite(&mut tally);
    println!("{}", tally.summary());
    tally.check()
}

/// The suite, for `cargo xtask test`.
pub(crate) fn suite(tally: &mut Tally) {
    println!("miri: {PACKAGE} unit tests of {} under Miri", FILTERS.join(" "));
    if let Err(reason) = ensure_miri() {
        return println!("miri: skipped: {reason}");
    }
    let started = Instant::now();
    let (passed, failed) = (tally.passed, tally.failed);
    tally.run_counted(&mut miri_command(), super::test_result_counts);
    println!(
        "miri: {} passed, {} failed in {:.0} s",
        tally.passed - passed,
        tally.failed - failed,
        started.elapsed().as_secs_f64()
    );
}

/// `cargo +nightly miri test` of the library's unit tests in [`FILTERS`], on the `steam`
/// backend. Through `rustup run`: the `cargo` that runs xtask is the stable toolchain's own
/// binary, which takes no `+toolchain`.
fn miri_command() -> Command {
    let mut cmd = rustup_cargo();
    cmd.args(["miri", "test", "-p", PACKAGE, "--lib", "--no-default-features"])
        .args(["--features", "steam", "--"])
        .args(FILTERS);
    cmd
}

/// `cargo` of [`TOOLCHAIN`], run by rustup.
fn rustup_cargo() -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", TOOLCHAIN, "cargo"]);
    // Output is parsed (test tallies) and read in CI logs: no colour codes.
    cmd.env("CARGO_TERM_COLOR", "never");
    // The stable toolchain's tools, which cargo names to its children, are not nightly's.
    for var in ["CARGO", "RUSTC", "RUSTDOC", "RUSTUP_TOOLCHAIN"] {
        cmd.env_remove(var);
    }
    cmd
}

/// Whether `cargo +nightly miri` runs.
fn miri_runs() -> bool {
    rustup_cargo()
        .args(["miri", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Makes sure Miri runs, adding the component once if it is missing; the reason if not.
fn ensure_miri() -> Result {
    if miri_runs() {
        return Ok(());
    }
    let rustup = Command::new("rustup").arg("--version").output();
    if !rustup.is_ok_and(|o| o.status.success()) {
        return Err("rustup is not installed (Miri needs the nightly toolchain)".into());
    }
    println!("miri: adding the miri component: rustup component add --toolchain {TOOLCHAIN} miri");
    let added = Command::new("rustup")
        .args(["component", "add", "--toolchain", TOOLCHAIN, "miri"])
        .status()
        .is_ok_and(|s| s.success());
    if !added {
        return Err(format!(
            "`rustup component add --toolchain {TOOLCHAIN} miri` failed (no {TOOLCHAIN} \
             toolchain, or no network?)"
        ));
    }
    if !miri_runs() {
        return Err(format!("`cargo +{TOOLCHAIN} miri --version` fails after adding it"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn miri_results_count_like_cargo_tests_and_ignored_ones_do_not_count() {
        let line = "test result: ok. 48 passed; 0 failed; 1 ignored; 0 measured; 11 filtered out; \
                    finished in 69.56s";
        assert_eq!(super::super::test_result_counts(line), (48, 0));
        let failed = "test result: FAILED. 20 passed; 1 failed; 1 ignored; 0 measured";
        assert_eq!(super::super::test_result_counts(failed), (20, 1));
        let ignored = "test p2p::rendezvous::tests::a ... ignored, uses TCP sockets";
        assert_eq!(super::super::test_result_counts(ignored), (0, 0));
    }

    #[test]
    fn the_command_runs_nightly_miri_on_the_library_tests_of_the_pure_modules() {
        let cmd = miri_command();
        let args: Vec<_> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(cmd.get_program(), "rustup");
        assert_eq!(&args[..5], ["run", "nightly", "cargo", "miri", "test"]);
        assert!(args.windows(2).any(|w| w == ["-p", PACKAGE]));
        assert!(args.iter().any(|a| a == "--lib"));
        let filters = &args[args.iter().position(|a| a == "--").unwrap() + 1..];
        assert_eq!(filters, FILTERS);
    }
}
