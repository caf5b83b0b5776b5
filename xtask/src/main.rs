//! `cargo xtask <command>`: the project's tasks, so that a fresh Debian machine needs nothing
//! but cargo.
//!
//! * `setup`: installs the Debian packages the GNS backend builds with, when missing, and
//!   downloads every package of the lock file (`cargo fetch --locked`).
//! * `demo`:  setup, then the echo example on GNS over UDP loopback.
//! * `test`:  setup, then the whole suite: GNS and Steam backends, tool crates, example smoke
//!   runs (GNS), every example run on Steam without a Steam client (a clean error expected;
//!   see `examples.rs`), the stress short form, the Steam and P2P suites, Miri and the fuzz
//!   targets (briefly). Ends with one line `tests: N passed, M failed`.
//! * `ci`:    `layout` first (it needs no build), then `test`, then clippy and rustdoc with
//!   warnings denied on both backends, and `cargo fmt --check`. Clippy on GNS also lints the
//!   benchmark package (not run in CI). Then the release checks (`release.rs`):
//!   `publish-check`, `msrv`, `licenses`.
//! * `layout`: the source layout of `steam-sockets/src` (`layout.rs`): no `sys::` outside
//!   `src/raw/`, no import cycle between files, no import through the crate root's re-exports,
//!   no file over 600 lines of non-test code, a `// SAFETY:` comment on every `unsafe` block
//!   passed to `try_call!` / `c_call!`. One `LAYOUT violation: ...` line per violation and a
//!   summary; `--graph` also prints each file's line count and imported modules.
//! * `publish-check`: `cargo publish --dry-run` of the published crates, and their contents.
//! * `msrv`: dependencies' `rust-version` against ours, and no `let` chains (clippy's
//!   `incompatible_msrv` runs with clippy in `ci`).
//! * `licenses`: every dependency's licence against an allowlist (cargo-deny style).
//! * `bench`: setup, then the benchmark suite (`steam-sockets-bench`, a release build on GNS):
//!   steam-sockets against the raw flat API and gns-rs. Prints `RESULT ...` and `PEER ...`
//!   lines; arguments after `bench` are passed on (e.g. `--rounds 3 --only udp-64`).
//! * `stress`: setup, then the reliability suite (`stress.rs`): one `STRESS ...` line per
//!   scenario, failing if any fails; arguments are passed on (e.g. `--only lossy,flood`).
//!   `test` runs its short form.
//! * `steam`: setup, then the Steam-backend run-time suite (`steam.rs`) against the Steam test
//!   double whose source `STEAM_EMULATOR_SRC` names: one `STEAM ...` line per scenario;
//!   skipped, and said so, when not root or without that source. `test` runs it too.
//! * `p2p`: setup, then the P2P suite on GNS (`p2p.rs`): two peers in network namespaces
//!   connect by identity over ICE through the crate's signaling; one `P2P ...` line per
//!   scenario; skipped, and said so, when not root. `test` runs it too.
//! * `miri`:  the unit tests of the pure-Rust modules of `steam-sockets` (parsers, codecs, the
//!   owner slot pool, the backlog, the signaling line format) under Miri on nightly
//!   (`miri.rs`), counted like cargo tests; skipped, and said so, when nightly's Miri is
//!   missing and cannot be added. `test` runs it too.
//! * `fuzz`:  the cargo-fuzz targets of `fuzz/` (`fuzz.rs`: the address, identity and PopId
//!   parsers, the signaling server's lines), each for a bounded time (`--seconds N`, default
//!   60; `--only T,...`), installing cargo-fuzz when missing; one `FUZZ ...` line per target,
//!   failing on any crash. `test` runs each for 15 s; skipped, and said so, without nightly
//!   or cargo-fuzz.

mod examples;
mod fuzz;
mod layout;
mod miri;
mod p2p;
mod release;
mod steam;
mod stress;

use std::process::{Command, ExitCode, Stdio};

/// Debian packages GameNetworkingSockets needs to build.
const DEBIAN_PACKAGES: &[&str] =
    &["cmake", "libprotobuf-dev", "protobuf-compiler", "libssl-dev", "libclang-dev", "pkg-config"];

/// The packages that take the `gns` / `steam` backend features.
const BACKEND_PACKAGES: &[&str] = &[
    "steam-sockets-sys",
    "steam-sockets",
    "steam-sockets-renet",
    "steam-sockets-aeronet",
    "steam-sockets-tests",
    "steam-sockets-examples",
    "steam-sockets-stress",
];

/// The package of the examples.
const EXAMPLES_PACKAGE: &str = "steam-sockets-examples";

/// The benchmark package: linted with the GNS backend packages, never tested or run in CI.
const BENCH_PACKAGE: &str = "steam-sockets-bench";

/// The transport scenarios' peers, linted with the suite of each backend (it has no backend
/// feature of its own).
const TRANSPORT_PEERS: &str = "steam-sockets-transport-peers";

/// Packages without a backend.
const TOOL_PACKAGES: &[&str] = &["steam-sockets-build", "xtask"];

/// Examples that run without Steam, as smoke tests on GNS: package, example, arguments. Each
/// checks its own traffic and exits 0 only if it all arrived (see each example's header).
const SMOKE_EXAMPLES: &[(&str, &str, &[&str])] = &[
    (EXAMPLES_PACKAGE, "echo", &[]),
    (EXAMPLES_PACKAGE, "chat", &["--demo"]),
    // 7 s: GameNetworkingSockets measures rates over 5-second intervals.
    (EXAMPLES_PACKAGE, "status", &["--demo", "--seconds", "7"]),
    (EXAMPLES_PACKAGE, "rendezvous", &["--listen", "127.0.0.1:0", "--seconds", "1"]),
    ("steam-sockets-renet", "echo", &["--smoke"]),
    ("steam-sockets-aeronet", "echo", &["--smoke"]),
];

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup(),
        Some("demo") => setup().and_then(|()| demo()),
        Some("test") => setup().and_then(|()| test()),
        Some("ci") => setup().and_then(|()| ci()),
        Some("bench") => setup().and_then(|()| bench(&args[1..])),
        Some("stress") => setup().and_then(|()| stress::stress(&args[1..])),
        Some("steam") => setup().and_then(|()| steam::steam()),
        Some("p2p") => setup().and_then(|()| p2p::p2p()),
        Some("publish-check") => release::publish_check(),
        Some("msrv") => release::msrv(),
        Some("licenses") => release::licenses(),
        Some("layout") => layout::layout(&args[1..]),
        Some("miri") => miri::miri(),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <setup|demo|test|ci|bench [bench options]|stress [stress \
                 options]|steam|p2p|miri|fuzz [--seconds N] [--only T,...]|publish-check|msrv|licenses|layout \
                 [--graph]>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn setup() -> Result {
    install_debian_packages()?;
    // Build scripts that bundle libsteam_api (`steam-sockets-build`) find the SDK with `cargo
    // metadata --offline`, which needs every package of the lock file downloaded, not only
    // those of the current build: on a fresh machine the GNS-backend build, which does not
    // compile the `steamworks` crate, left its `paste` missing and the bundling failed.
    run(cargo().args(["fetch", "--locked"]))
}

/// Installs the Debian packages the builds and suites need (as root), or says which are
/// missing.
fn install_debian_packages() -> Result {
    let installed = |pkg: &&str| {
        Command::new("dpkg-query")
            .args(["-W", "-f=${Status}", pkg])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
    };
    if Command::new("dpkg-query").arg("--version").output().is_err() {
        eprintln!(
            "xtask setup: not a Debian system; make sure these (or your system's equivalents) are \
             installed: {}",
            DEBIAN_PACKAGES.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = DEBIAN_PACKAGES.iter().filter(|p| !installed(p)).copied().collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        return Err(format!(
            "missing Debian packages: {0}. Install them with: sudo apt-get install -y {0}",
            missing.join(" ")
        ));
    }
    eprintln!("xtask setup: installing {}", missing.join(" "));
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// A directory `cargo metadata` names: `"target_directory"` (honouring `CARGO_TARGET_DIR` and
/// configuration) or `"workspace_root"`.
fn metadata_dir(key: &str) -> Result<std::path::PathBuf> {
    release::metadata(&["--no-deps"])?[key]
        .as_str()
        .map(std::path::PathBuf::from)
        .ok_or_else(|| format!("cargo metadata gave no {key}"))
}

/// Cargo's target directory.
fn target_dir() -> Result<std::path::PathBuf> {
    metadata_dir("target_directory")
}

/// Whether this process runs as root (it may install packages, and make network namespaces).
fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn demo() -> Result {
    run(cargo().args(["run", "--quiet"]).args(example_args(EXAMPLES_PACKAGE, "echo")))
}

fn example_args(package: &str, name: &str) -> Vec<String> {
    ["-p", package, "--example", name, "--no-default-features", "--features", "gns"]
        .map(String::from)
        .to_vec()
}

/// `-p <package>` for each package.
fn package_args(packages: &[&str]) -> Vec<String> {
    packages.iter().flat_map(|p| ["-p".to_string(), p.to_string()]).collect()
}

/// `-p <each backend package>` plus the backend's feature flags.
fn backend_args(backend: &str) -> Vec<String> {
    let mut args = package_args(BACKEND_PACKAGES);
    args.extend(["--no-default-features".into(), "--features".into(), backend.into()]);
    args
}

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    /// Runs `cargo test ...`, echoing its output, and adds up its `test result:` lines.
    fn cargo_test(&mut self, args: &[String]) {
        self.run_counted(cargo().args(["test", "--no-fail-fast"]).args(args), test_result_counts);
    }

    /// Runs `cmd`, echoing its output, and adds up the (passed, failed) counts that `count`
    /// reads off each line. A run that fails without a failed count (a build error, a crash)
    /// counts as one failure.
    fn run_counted(&mut self, cmd: &mut Command, count: impl Fn(&str) -> (u64, u64)) {
        let output = match cmd.stderr(Stdio::inherit()).output() {
            Ok(output) => output,
            Err(e) => {
                eprintln!("xtask: cannot run {cmd:?}: {e}");
                self.failed += 1;
                return;
            }
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        print!("{stdout}");
        let failed_before = self.failed;
        for (passed, failed) in stdout.lines().map(count) {
            self.passed += passed;
            self.failed += failed;
        }
        if !output.status.success() && self.failed == failed_before {
            self.failed += 1;
        }
    }

    fn summary(&self) -> String {
        format!("tests: {} passed, {} failed", self.passed, self.failed)
    }

    fn check(&self) -> Result {
        if self.failed == 0 { Ok(()) } else { Err(format!("{} test(s) failed", self.failed)) }
    }
}

/// The (passed, failed) counts of a libtest `test result:` line; (0, 0) for other lines.
/// Ignored tests count as neither.
fn test_result_counts(line: &str) -> (u64, u64) {
    let mut counts = (0, 0);
    // "test result: ok. 3 passed; 0 failed; 0 ignored; ..."
    let Some(line) = line.strip_prefix("test result: ") else { return counts };
    for part in line.split(';') {
        let words: Vec<&str> = part.split_whitespace().collect();
        let count =
            |w: &[&str]| w.iter().rev().nth(1).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
        match words.last() {
            Some(&"passed") => counts.0 += count(&words),
            Some(&"failed") => counts.1 += count(&words),
            _ => {}
        }
    }
    counts
}

fn test() -> Result {
    let tally = run_tests();
    tally.check()
}

/// Runs every suite and smoke test, printing `tests: N passed, M failed` at the end.
fn run_tests() -> Tally {
    let mut tally = Tally::default();
    tally.cargo_test(&backend_args("gns"));
    tally.cargo_test(&backend_args("steam"));
    tally.cargo_test(&package_args(TOOL_PACKAGES));
    examples::smoke_all(&mut tally);
    examples::steam_clean_errors(&mut tally);
    stress::short(&mut tally);
    steam::suite(&mut tally);
    p2p::suite(&mut tally);
    miri::suite(&mut tally);
    fuzz::suite(&mut tally);
    println!("{}", tally.summary());
    tally
}

fn ci() -> Result {
    // The source layout (`layout.rs`): text only, no build, so before the long test runs.
    layout::layout(&[])?;
    let tally = run_tests();
    tally.check()?;
    for backend in ["gns", "steam"] {
        // The benchmark builds on GNS only (it has a `gns` feature, off by default).
        let bench = if backend == "gns" { package_args(&[BENCH_PACKAGE]) } else { Vec::new() };
        run(cargo()
            .args(["clippy", "--all-targets"])
            .args(backend_args(backend))
            .args(bench)
            .args(["--", "-D", "warnings"]))?;
        run(cargo()
            .args(["doc", "--no-deps"])
            .args(backend_args(backend))
            .env("RUSTDOCFLAGS", "-D warnings"))?;
    }
    run(cargo()
        .args(["clippy", "--all-targets"])
        .args(package_args(TOOL_PACKAGES))
        .args(["--", "-D", "warnings"]))?;
    // The Steam suite is Steam-only (it has no backend features).
    run(cargo()
        .args(["clippy", "--all-targets", "-p", steam::SUITE_PACKAGE, "-p", TRANSPORT_PEERS])
        .args(["--", "-D", "warnings"]))?;
    // The P2P suite and its lab, on GNS (the suite's backend is a feature).
    run(cargo()
        .args(["clippy", "--all-targets", "-p", p2p::SUITE_PACKAGE, "-p", "steam-sockets-netlab"])
        .args(["-p", TRANSPORT_PEERS])
        .args(["--features", "gns", "--", "-D", "warnings"]))?;
    run(cargo()
        .args(["doc", "--no-deps", "-p", "steam-sockets-build"])
        .env("RUSTDOCFLAGS", "-D warnings"))?;
    run(cargo().args(["fmt", "--all", "--check"]))?;
    release::publish_check()?;
    release::msrv()?;
    release::licenses()?;
    println!(
        "xtask ci: source layout, tests, clippy, rustdoc, rustfmt, publish dry-run, MSRV and \
         licence checks all passed"
    );
    // The test tally is the run's closing line.
    println!("{}", tally.summary());
    Ok(())
}

/// The benchmark suite: a release build with the GNS backend; `args` go to the benchmark.
fn bench(args: &[String]) -> Result {
    run(cargo()
        .args(["run", "--release", "-p", BENCH_PACKAGE, "--features", "gns", "--"])
        .args(args))
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    // Output is parsed (test tallies) and read in CI logs: no colour codes.
    cmd.env("CARGO_TERM_COLOR", "never");
    cmd
}

fn run(cmd: &mut Command) -> Result {
    let status = cmd.status().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{cmd:?} failed: {status}")) }
}
