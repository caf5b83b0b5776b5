//! `cargo xtask fuzz [--seconds N] [--only TARGET[,TARGET...]]`: the cargo-fuzz targets of
//! `fuzz/` (libFuzzer, AddressSanitizer, nightly), each run for a bounded time. Each prints one
//! `FUZZ target=... result=ok|FAIL runs=... execs_per_sec=...` line; a crash, a failed
//! property or a build error fails the command, and libFuzzer leaves the input that did it in
//! `fuzz/artifacts/TARGET/` (rerun it with `cargo +nightly fuzz run TARGET FILE`).
//!
//! The targets check properties the crate promises, not just the absence of panics:
//! `parse_address` and `parse_identity` (text round-trips, typed errors, agreement with std),
//! `pop_id` (every value round-trips, errors describe the input) and `signaling_line` (a
//! `SignalingServer` on loopback forwards exactly the lines the protocol says, and no other).
//!
//! Installs cargo-fuzz (`cargo install cargo-fuzz --locked`) when missing. The targets link
//! steam-sockets on its default `steam` backend, whose prebuilt `libsteam_api.so` the
//! binaries need at load time (they call no C function): its directory in the build output
//! goes on `LD_LIBRARY_PATH`. `cargo xtask test` runs every target for
//! [`TEST_SECONDS`]; without the nightly toolchain or cargo-fuzz, it says why and counts as
//! skipped (never as passed). The corpus grows in `fuzz/corpus/` (ignored by git).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{Result, Tally, cargo};

/// The fuzz targets (`fuzz/fuzz_targets/*.rs`).
pub(crate) const TARGETS: &[&str] =
    &["parse_address", "parse_identity", "pop_id", "signaling_line"];

/// Seconds per target for `cargo xtask fuzz` without `--seconds`.
const DEFAULT_SECONDS: u64 = 60;

/// Seconds per target in `cargo xtask test`.
pub(crate) const TEST_SECONDS: u64 = 15;

/// The toolchain cargo-fuzz builds with (sanitizers need nightly).
const TOOLCHAIN: &str = "nightly";

/// Longest input: no signaling line reaches the server's limit (64 KiB), so the
/// `signaling_line` target keeps one connection.
const MAX_LEN: u32 = 4096;

/// `cargo xtask fuzz [--seconds N] [--only TARGET,...]`.
pub(crate) fn fuzz(args: &[String]) -> Result {
    let mut seconds = DEFAULT_SECONDS;
    let mut only: Vec<String> = TARGETS.iter().map(|t| t.to_string()).collect();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--seconds" => {
                let value = value()?;
                seconds = value
                    .parse()
                    .ok()
                    .filter(|&s| s > 0)
                    .ok_or_else(|| format!("--seconds {value}: a whole number of seconds"))?;
            }
            "--only" => {
                only = value()?.split(',').map(String::from).collect();
                if let Some(unknown) = only.iter().find(|t| !TARGETS.contains(&t.as_str())) {
                    return Err(format!("no fuzz target {unknown}; there are {TARGETS:?}"));
                }
            }
            other => return Err(format!("unknown option {other}: --seconds N, --only T,...")),
        }
    }
    let mut tally = Tally::default();
    run_targets(&mut tally, &only, seconds);
    println!("{}", tally.summary());
    tally.check()
}

/// Every target for [`TEST_SECONDS`], for `cargo xtask test`.
pub(crate) fn suite(tally: &mut Tally) {
    let targets: Vec<String> = TARGETS.iter().map(|t| t.to_string()).collect();
    run_targets(tally, &targets, TEST_SECONDS);
}

fn run_targets(tally: &mut Tally, targets: &[String], seconds: u64) {
    println!("fuzz: {} for {seconds} s each (cargo-fuzz, {TOOLCHAIN})", targets.join(" "));
    if let Err(reason) = ensure_cargo_fuzz() {
        return println!("fuzz: skipped: {reason}");
    }
    let fuzz_dir = match super::metadata_dir("workspace_root") {
        Ok(root) => root.join("fuzz"),
        Err(e) => {
            println!("fuzz: FAILED: {e}");
            tally.failed += 1;
            return;
        }
    };
    let started = std::time::Instant::now();
    let built = super::run(fuzz_cargo(&fuzz_dir).args(["fuzz", "build", "-O"]));
    if let Err(e) = built {
        println!("fuzz: FAILED: build: {e}");
        tally.failed += 1;
        return;
    }
    println!("fuzz: built in {:.0} s", started.elapsed().as_secs_f64());
    let library_path = match steam_api_dir(&fuzz_dir) {
        Ok(dir) => dir,
        Err(e) => {
            println!("fuzz: FAILED: {e}");
            tally.failed += 1;
            return;
        }
    };
    for target in targets {
        let line = run_target(&fuzz_dir, &library_path, target, seconds);
        println!("{line}");
        if line.contains(" result=ok") {
            tally.passed += 1;
        } else {
            tally.failed += 1;
        }
    }
}

/// One target for `seconds`: its `FUZZ ...` line.
fn run_target(fuzz_dir: &Path, library_path: &Path, target: &str, seconds: u64) -> String {
    let mut cmd = fuzz_cargo(fuzz_dir);
    cmd.args(["fuzz", "run", "-O", target, "--"])
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-max_len={MAX_LEN}"))
        .arg("-print_final_stats=1")
        .env("LD_LIBRARY_PATH", prepend_path(library_path))
        .stdout(Stdio::inherit());
    let output = match cmd.stderr(Stdio::piped()).output() {
        Ok(output) => output,
        Err(e) => return format!("FUZZ target={target} result=FAIL cannot run cargo fuzz: {e}"),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    let (runs, per_second) = final_stats(&stderr);
    if output.status.success() {
        return format!("FUZZ target={target} result=ok runs={runs} execs_per_sec={per_second}");
    }
    // libFuzzer's report: the panic or sanitizer message, and where the input was saved.
    eprint!("{stderr}");
    let artifact = stderr
        .lines()
        .find_map(|l| l.split_once("Test unit written to ").map(|(_, path)| path.trim()))
        .unwrap_or("none");
    format!("FUZZ target={target} result=FAIL runs={runs} artifact={artifact}")
}

/// `stat::number_of_executed_units` and `stat::average_exec_per_sec` of libFuzzer's final
/// statistics; `?` when missing.
fn final_stats(stderr: &str) -> (String, String) {
    let stat = |name: &str| {
        stderr
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim_start().strip_prefix(':'))
            .map_or_else(|| "?".to_owned(), |v| v.trim().to_owned())
    };
    (stat("stat::number_of_executed_units"), stat("stat::average_exec_per_sec"))
}

/// `cargo` of [`TOOLCHAIN`] through rustup (the `cargo` running xtask is the stable
/// toolchain's own binary), in the fuzz project.
fn fuzz_cargo(fuzz_dir: &Path) -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", TOOLCHAIN, "cargo"]).current_dir(fuzz_dir);
    cmd.env("CARGO_TERM_COLOR", "never");
    for var in ["CARGO", "RUSTC", "RUSTDOC", "RUSTUP_TOOLCHAIN", "CARGO_TARGET_DIR"] {
        cmd.env_remove(var);
    }
    cmd
}

/// Whether `cargo fuzz` runs on nightly.
fn cargo_fuzz_runs() -> bool {
    let mut cmd = fuzz_cargo(Path::new("."));
    cmd.args(["fuzz", "--version"]).stdout(Stdio::null()).stderr(Stdio::null());
    cmd.status().is_ok_and(|s| s.success())
}

/// Makes sure nightly and cargo-fuzz are there, installing cargo-fuzz once if missing; the
/// reason if not.
fn ensure_cargo_fuzz() -> Result {
    let nightly = Command::new("rustup")
        .args(["run", TOOLCHAIN, "rustc", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !nightly.is_ok_and(|s| s.success()) {
        return Err(format!("no {TOOLCHAIN} toolchain (rustup toolchain install {TOOLCHAIN})"));
    }
    if cargo_fuzz_runs() {
        return Ok(());
    }
    println!("fuzz: installing cargo-fuzz: cargo install cargo-fuzz --locked");
    let installed =
        cargo().args(["install", "cargo-fuzz", "--locked"]).status().is_ok_and(|s| s.success());
    if !installed || !cargo_fuzz_runs() {
        return Err("`cargo install cargo-fuzz --locked` failed (no network?)".into());
    }
    Ok(())
}

/// The directory of the newest `libsteam_api.so` that steamworks-sys's build script left in
/// the fuzz build (`target/<triple>/release/build/steamworks-sys-*/out/`).
fn steam_api_dir(fuzz_dir: &Path) -> Result<PathBuf> {
    // `fuzz_cargo` leaves `CARGO_TARGET_DIR` out: the fuzz project's own target directory.
    let target = fuzz_dir.join("target");
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    let triples = std::fs::read_dir(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    for triple in triples.flatten() {
        let Ok(builds) = std::fs::read_dir(triple.path().join("release/build")) else { continue };
        for build in builds.flatten() {
            let name = build.file_name();
            if !name.to_string_lossy().starts_with("steamworks-sys-") {
                continue;
            }
            let out = build.path().join("out");
            let library = out.join("libsteam_api.so");
            if let Ok(modified) = library.metadata().and_then(|m| m.modified()) {
                found.push((modified, out));
            }
        }
    }
    found.into_iter().max().map(|(_, dir)| dir).ok_or_else(|| {
        format!(
            "no libsteam_api.so under {}/*/release/build/steamworks-sys-*/out",
            target.display()
        )
    })
}

/// `dir` ahead of the current `LD_LIBRARY_PATH`.
fn prepend_path(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    if let Some(current) = std::env::var_os("LD_LIBRARY_PATH") {
        paths.extend(std::env::split_paths(&current));
    }
    std::env::join_paths(paths).unwrap_or_else(|_| dir.as_os_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_stats_are_read_off_libfuzzers_report() {
        let report = "Done 1636528 runs in 11 second(s)\n\
                      stat::number_of_executed_units: 1636528\n\
                      stat::average_exec_per_sec:     148775\n\
                      stat::new_units_added:          812\n";
        assert_eq!(final_stats(report), ("1636528".into(), "148775".into()));
        assert_eq!(final_stats("==1== ERROR: libFuzzer: deadly signal"), ("?".into(), "?".into()));
    }

    #[test]
    fn every_target_has_a_source_and_a_bin_entry() {
        let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
        let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).unwrap();
        for target in TARGETS {
            assert!(fuzz.join(format!("fuzz_targets/{target}.rs")).is_file(), "{target}");
            assert!(manifest.contains(&format!("name = \"{target}\"")), "{target}");
        }
    }

    #[test]
    fn the_library_directory_goes_first() {
        let path = prepend_path(Path::new("/x/out"));
        assert!(path.to_string_lossy().starts_with("/x/out"));
    }
}
