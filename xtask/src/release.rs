//! Release checks for `cargo xtask ci` (each also runs alone: `cargo xtask publish-check`,
//! `msrv`, `licenses`).
//!
//! * [`publish_check`]: `cargo publish --dry-run` of the publishable crates together (cargo
//!   packages them, resolves the unpublished ones against each other, and compiles each from its
//!   package with default features, i.e. the `steam` backend), then checks each package's file
//!   list: required files present, no file over [`MAX_FILE`], no crate over [`MAX_CRATE`]
//!   compressed.
//! * [`msrv`]: what can be checked with the one toolchain this project builds with (no older
//!   one can be installed here). (1) Every publishable crate declares the workspace
//!   `rust-version`, or the one [`OWN_MSRV`] gives it (steam-sockets-aeronet: its aeronet and
//!   bevy need 1.95). (2) Every dependency they can pull in (normal and build dependencies, both
//!   backends, as resolved in `Cargo.lock`) declares a `rust-version` no newer than that of the
//!   oldest published crate that pulls it in; crates that declare none are listed. (3) No `let`
//!   chains in the sources of crates below 1.88 (stable only since then, and not caught by the
//!   lint below). The fourth part runs with clippy in `ci`: `clippy::incompatible_msrv`
//!   (warn by default, denied there) reads `rust-version` and flags standard-library items
//!   stabilised after it. This does not prove the crates build on 1.85: language features other
//!   than `let` chains, lint or inference changes, and Cargo features are not checked; only
//!   building with 1.85 itself would.
//! * [`licenses`]: a `cargo deny check licenses`-style allowlist over `cargo metadata`: every
//!   package in the locked graph (all workspace members, all dependency kinds and features) must
//!   have an SPDX `license` expression satisfied by [`ALLOWED`]. cargo-deny itself is not used:
//!   its advisory database cannot be fetched here, and its licence check needs only this.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

use super::{Result, cargo};

/// The crates published to crates.io, in dependency order.
pub(crate) const PUBLISHED: &[&str] = &[
    "steam-sockets-sys",
    "steam-sockets",
    "steam-sockets-build",
    "steam-sockets-renet",
    "steam-sockets-aeronet",
];

/// Published crates whose `rust-version` is not the workspace's: name, version, why.
const OWN_MSRV: &[(&str, &str, &str)] =
    &[("steam-sockets-aeronet", "1.95", "aeronet_io 0.22 and bevy 0.20 declare Rust 1.95")];

/// Files every published package must contain.
const REQUIRED: &[&str] =
    &["Cargo.toml", "README.md", "LICENSE-MIT", "LICENSE-APACHE", "src/lib.rs"];

/// Largest file allowed in a package.
const MAX_FILE: u64 = 256 * 1024;

/// Largest compressed package allowed (crates.io's limit is 10 MiB; ours are ~100 KiB).
const MAX_CRATE: f64 = 1024.0 * 1024.0;

/// Licences allowed for dependencies (SPDX identifiers).
const ALLOWED: &[&str] = &[
    "MIT",
    "Apache-2.0",
    "Apache-2.0 WITH LLVM-exception",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "BSL-1.0",
    "CC0-1.0",
    "0BSD",
];

/// Dependencies whose declared licence does not cover everything they ship: printed as notes.
const NOTES: &[(&str, &str)] = &[
    (
        "steamworks-sys",
        "redistributes Valve's prebuilt libsteam_api, which is under the Steamworks SDK Access \
         Agreement, not MIT/Apache: shipping it is allowed to Steamworks partners",
    ),
    (
        "game-networking-sockets-sys",
        "vendors GameNetworkingSockets (BSD-3-Clause) and links protobuf (BSD-3-Clause) and \
         OpenSSL (Apache-2.0) from the system",
    ),
];

pub(crate) fn metadata(extra: &[&str]) -> Result<Value> {
    let out = cargo()
        .args(["metadata", "--format-version", "1"])
        .args(extra)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err("cargo metadata failed".into());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata output: {e}"))
}

/// `cargo publish --dry-run` of [`PUBLISHED`], then the package contents check.
pub(crate) fn publish_check() -> Result {
    let target = dry_run_target()?;
    forget_earlier_dry_runs(&target);
    let mut cmd = cargo();
    // `--allow-dirty`: a developer's tree usually is; CI's fresh clone is not.
    cmd.args(["publish", "--dry-run", "--allow-dirty"])
        .args(super::package_args(PUBLISHED))
        .env("CARGO_TARGET_DIR", &target);
    let out =
        cmd.stdout(Stdio::inherit()).output().map_err(|e| format!("cannot run cargo: {e}"))?;
    let log = String::from_utf8_lossy(&out.stderr);
    eprint!("{log}");
    if !out.status.success() {
        return Err("cargo publish --dry-run failed".into());
    }
    // "Packaged 24 files, 371.1KiB (95.4KiB compressed)", one per crate, in order.
    let packaged: Vec<&str> =
        log.lines().filter_map(|l| l.trim().strip_prefix("Packaged ")).collect();
    if packaged.len() != PUBLISHED.len() {
        return Err(format!(
            "expected {} packages, cargo packaged {}",
            PUBLISHED.len(),
            packaged.len()
        ));
    }
    let meta = metadata(&["--no-deps"])?;
    for (name, line) in PUBLISHED.iter().zip(&packaged) {
        let compressed = line
            .rsplit_once('(')
            .and_then(|(_, c)| c.strip_suffix(" compressed)"))
            .and_then(parse_size)
            .ok_or_else(|| format!("cannot read the package size in {line:?}"))?;
        if compressed > MAX_CRATE {
            return Err(format!("{name}: {line}: over the {MAX_CRATE} byte limit"));
        }
        check_package_files(name, &meta)?;
        println!("publish-check: {name}: {line}; contents checked");
    }
    Ok(())
}

/// Where the dry run builds: a directory of its own, emptied first (see
/// [`forget_earlier_dry_runs`]).
fn dry_run_target() -> Result<std::path::PathBuf> {
    Ok(super::target_dir()?.join("publish-check"))
}

/// Removes what earlier dry runs left of our packages. The dry run verifies each crate against
/// the others' packages through a local registry; cargo unpacks those into
/// `$CARGO_HOME/registry/src/-<hash>/`, builds them beside registry dependencies, and takes
/// both as unchanged while the version is: after a change to `steam-sockets-sys` at the same
/// version, `steam-sockets` was verified against the stale build and failed. So the dry run's
/// own target directory goes, and in the local-registry directories (`-<hash>`, never
/// crates.io's) only our packages.
fn forget_earlier_dry_runs(dry_run_target: &std::path::Path) {
    let _ = std::fs::remove_dir_all(dry_run_target);
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cargo")));
    let Some(home) = home else { return };
    for kind in ["src", "cache"] {
        let Ok(registries) = std::fs::read_dir(home.join("registry").join(kind)) else { continue };
        for registry in registries.flatten() {
            if !registry.file_name().to_string_lossy().starts_with('-') {
                continue;
            }
            let Ok(entries) = std::fs::read_dir(registry.path()) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let ours = PUBLISHED.iter().any(|p| {
                    name.strip_prefix(p)
                        .and_then(|v| v.strip_prefix('-'))
                        .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                });
                if ours {
                    let path = entry.path();
                    let _ = if path.is_dir() {
                        std::fs::remove_dir_all(&path)
                    } else {
                        std::fs::remove_file(&path)
                    };
                }
            }
        }
    }
}

/// "95.4KiB" in bytes.
fn parse_size(text: &str) -> Option<f64> {
    let units =
        [("GiB", 1024.0 * 1024.0 * 1024.0), ("MiB", 1024.0 * 1024.0), ("KiB", 1024.0), ("B", 1.0)];
    units.iter().find_map(|(unit, scale)| {
        text.strip_suffix(unit).and_then(|n| n.trim().parse::<f64>().ok()).map(|n| n * scale)
    })
}

/// `cargo package --list`: required files present, none too large.
fn check_package_files(name: &str, meta: &Value) -> Result {
    let out = cargo()
        .args(["package", "--list", "--allow-dirty", "-p", name])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo package: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo package --list -p {name} failed"));
    }
    let files: BTreeSet<String> =
        String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
    let missing: Vec<&&str> = REQUIRED.iter().filter(|f| !files.contains(**f)).collect();
    if !missing.is_empty() {
        return Err(format!("{name}: the package lacks {missing:?}"));
    }
    let manifest = meta["packages"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .and_then(|p| p["manifest_path"].as_str())
        .ok_or_else(|| format!("{name} is not a workspace package"))?;
    let root = Path::new(manifest).parent().ok_or("manifest without a directory")?;
    for file in &files {
        // Files cargo generates (normalised Cargo.toml, VCS info, lock file) are not on disk here.
        let Ok(size) = std::fs::metadata(root.join(file)).map(|m| m.len()) else { continue };
        if size > MAX_FILE {
            return Err(format!("{name}: {file} is {size} bytes, over the {MAX_FILE} limit"));
        }
    }
    Ok(())
}

/// Packages reachable from the published crate `root` (itself included) through normal and
/// build dependencies (all features: both backends), by package id.
fn shipped(meta: &Value, root: &str) -> Result<BTreeSet<String>> {
    let nodes = meta["resolve"]["nodes"].as_array().ok_or("cargo metadata has no resolve graph")?;
    let by_id: BTreeMap<&str, &Value> =
        nodes.iter().filter_map(|n| Some((n["id"].as_str()?, n))).collect();
    let packages = meta["packages"].as_array().ok_or("cargo metadata has no packages")?;
    let mut queue: VecDeque<String> = packages
        .iter()
        .filter(|p| p["name"] == root && p["source"].is_null())
        .filter_map(|p| p["id"].as_str().map(str::to_string))
        .collect();
    let mut seen = BTreeSet::new();
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let Some(node) = by_id.get(id.as_str()) else { continue };
        for dep in node["deps"].as_array().into_iter().flatten() {
            let shipped_kind = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            if let (true, Some(pkg)) = (shipped_kind, dep["pkg"].as_str()) {
                queue.push_back(pkg.to_string());
            }
        }
    }
    Ok(seen)
}

/// "1.85" or "1.85.0" as (major, minor, patch).
fn version(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.trim().split('.').map(|p| p.parse::<u64>().ok());
    Some((parts.next()??, parts.next().flatten().unwrap_or(0), parts.next().flatten().unwrap_or(0)))
}

/// The MSRV checks described in the module docs (all but clippy's, which `ci` runs).
pub(crate) fn msrv() -> Result {
    let meta = metadata(&["--all-features"])?;
    let packages = meta["packages"].as_array().ok_or("cargo metadata has no packages")?;
    let by_id: BTreeMap<&str, &Value> =
        packages.iter().filter_map(|p| Some((p["id"].as_str()?, p))).collect();
    let declared = |name: &str| {
        packages
            .iter()
            .find(|p| p["name"] == name && p["source"].is_null())
            .and_then(|p| p["rust_version"].as_str())
            .map(str::to_string)
    };
    let ours = declared("steam-sockets").ok_or("steam-sockets declares no rust-version")?;
    let mut problems = Vec::new();
    // Each dependency is held to the oldest Rust of the published crates that pull it in.
    let mut limits: BTreeMap<String, ((u64, u64, u64), String)> = BTreeMap::new();
    for &name in PUBLISHED {
        let expected = OWN_MSRV.iter().find(|(n, ..)| *n == name).map_or(ours.as_str(), |o| o.1);
        let Some(rv) = declared(name) else {
            problems.push(format!("{name} declares no rust-version"));
            continue;
        };
        if rv != expected {
            problems.push(format!("{name} declares rust-version {rv}, expected {expected}"));
        }
        let limit = version(&rv).ok_or_else(|| format!("cannot read rust-version {rv}"))?;
        if limit < (1, 88, 0) {
            problems.extend(let_chains(&meta, name)?);
        }
        for id in shipped(&meta, name)? {
            let entry = limits.entry(id).or_insert((limit, rv.clone()));
            if limit < entry.0 {
                *entry = (limit, rv.clone());
            }
        }
    }
    let mut undeclared = Vec::new();
    let mut checked = 0;
    for (id, (limit, limit_text)) in &limits {
        let Some(pkg) = by_id.get(id.as_str()) else { continue };
        let name = pkg["name"].as_str().unwrap_or("?");
        let pkg_version = pkg["version"].as_str().unwrap_or("?");
        match pkg["rust_version"].as_str() {
            Some(rv) => match version(rv) {
                Some(v) if v <= *limit => checked += 1,
                _ => problems.push(format!(
                    "{name} {pkg_version} needs Rust {rv}, but a crate with rust-version \
                     {limit_text} pulls it in"
                )),
            },
            None => undeclared.push(format!("{name} {pkg_version}")),
        }
    }
    if !problems.is_empty() {
        return Err(format!("MSRV:\n  {}", problems.join("\n  ")));
    }
    println!(
        "msrv: rust-version {ours} ({}): {checked} crates (ours and every locked normal/build \
         dependency, both backends) declare a rust-version no newer than the crates that pull \
         them in; no let chains in the sources of those below 1.88; {} dependencies declare \
         none: {}",
        OWN_MSRV.iter().map(|(n, v, _)| format!("{n}: {v}")).collect::<Vec<_>>().join(", "),
        undeclared.len(),
        undeclared.join(", ")
    );
    Ok(())
}

/// `let` chains (`if let A = b && c`, `&& let`), stable since Rust 1.88, in `package`'s sources.
fn let_chains(meta: &Value, package: &str) -> Result<Vec<String>> {
    let manifest = meta["packages"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == package))
        .and_then(|p| p["manifest_path"].as_str())
        .ok_or_else(|| format!("{package} is not a workspace package"))?;
    let src = Path::new(manifest).with_file_name("src");
    let mut found = Vec::new();
    let mut dirs = vec![src];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                for (n, line) in text.lines().enumerate() {
                    if is_let_chain(line) {
                        found.push(format!(
                            "{}:{}: a let chain needs Rust 1.88: {}",
                            path.display(),
                            n + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    Ok(found)
}

/// Whether a line holds a `let` chain: `&& let`, or `if let`/`while let` whose condition has a
/// top-level `&&` after its `=`. A line-based heuristic: `rustfmt` keeps short chains on one
/// line and starts continuation lines with `&& let`.
fn is_let_chain(line: &str) -> bool {
    let code = line.split("//").next().unwrap_or("");
    if code.contains("&& let ") {
        return true;
    }
    let Some(start) = code.find("if let ").or_else(|| code.find("while let ")) else {
        return false;
    };
    let rest = &code[start..];
    let Some(eq) = rest.find(" = ") else { return false };
    let mut depth = 0i32;
    let bytes = &rest.as_bytes()[eq..];
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' if depth == 0 => return false,
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b'&' if depth == 0 && bytes.get(i + 1) == Some(&b'&') => return true,
            _ => {}
        }
    }
    false
}

/// The licence allowlist check described in the module docs.
pub(crate) fn licenses() -> Result {
    let meta = metadata(&["--all-features"])?;
    let packages = meta["packages"].as_array().ok_or("cargo metadata has no packages")?;
    let mut problems = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for pkg in packages {
        let name = pkg["name"].as_str().unwrap_or("?");
        let pkg_version = pkg["version"].as_str().unwrap_or("?");
        let Some(expr) = pkg["license"].as_str() else {
            let file = pkg["license_file"].as_str().unwrap_or("nothing");
            problems.push(format!("{name} {pkg_version}: no SPDX licence (license-file: {file})"));
            continue;
        };
        match allowed(expr) {
            Ok(true) => {
                let expr =
                    expr.replace('/', " OR ").split_whitespace().collect::<Vec<_>>().join(" ");
                *counts.entry(expr).or_default() += 1;
            }
            Ok(false) => problems.push(format!("{name} {pkg_version}: {expr} is not allowed")),
            Err(e) => problems.push(format!("{name} {pkg_version}: cannot read {expr:?}: {e}")),
        }
    }
    if !problems.is_empty() {
        return Err(format!(
            "licences (allowed: {}):\n  {}",
            ALLOWED.join(", "),
            problems.join("\n  ")
        ));
    }
    let total: usize = counts.values().sum();
    println!("licenses: all {total} packages allowed:");
    for (expr, n) in &counts {
        println!("  {n:>3}  {expr}");
    }
    for (name, note) in NOTES {
        if packages.iter().any(|p| p["name"] == *name) {
            println!("  note: {name} {note}");
        }
    }
    Ok(())
}

/// Evaluates an SPDX expression (`OR`, `AND`, `WITH`, parentheses; the legacy `/` means `OR`)
/// against [`ALLOWED`].
fn allowed(expr: &str) -> Result<bool> {
    let spaced = expr.replace('(', " ( ").replace(')', " ) ").replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut pos = 0;
    let value = or_expr(&tokens, &mut pos)?;
    if pos != tokens.len() {
        return Err(format!("unexpected {:?}", tokens[pos]));
    }
    Ok(value)
}

fn or_expr(tokens: &[&str], pos: &mut usize) -> Result<bool> {
    let mut value = and_expr(tokens, pos)?;
    while tokens.get(*pos).is_some_and(|t| t.eq_ignore_ascii_case("OR")) {
        *pos += 1;
        value |= and_expr(tokens, pos)?;
    }
    Ok(value)
}

fn and_expr(tokens: &[&str], pos: &mut usize) -> Result<bool> {
    let mut value = term(tokens, pos)?;
    while tokens.get(*pos).is_some_and(|t| t.eq_ignore_ascii_case("AND")) {
        *pos += 1;
        value &= term(tokens, pos)?;
    }
    Ok(value)
}

fn term(tokens: &[&str], pos: &mut usize) -> Result<bool> {
    let Some(&token) = tokens.get(*pos) else { return Err("expression ends early".into()) };
    *pos += 1;
    if token == "(" {
        let value = or_expr(tokens, pos)?;
        if tokens.get(*pos) != Some(&")") {
            return Err("missing )".into());
        }
        *pos += 1;
        return Ok(value);
    }
    let mut id = token.trim_end_matches('+').to_string();
    if tokens.get(*pos).is_some_and(|t| t.eq_ignore_ascii_case("WITH")) {
        let exception = tokens.get(*pos + 1).ok_or("WITH without an exception")?;
        id = format!("{id} WITH {exception}");
        *pos += 2;
    }
    Ok(ALLOWED.contains(&id.as_str()))
}

#[cfg(test)]
mod tests {
    use super::{allowed, is_let_chain, parse_size};

    #[test]
    fn spdx_expressions() {
        assert_eq!(allowed("MIT OR Apache-2.0"), Ok(true));
        assert_eq!(allowed("MIT / Apache-2.0"), Ok(true));
        assert_eq!(allowed("(MIT OR Apache-2.0) AND Unicode-3.0"), Ok(true));
        assert_eq!(allowed("GPL-3.0 OR MIT"), Ok(true));
        assert_eq!(allowed("GPL-3.0 AND MIT"), Ok(false));
        assert_eq!(allowed("GPL-3.0-only"), Ok(false));
        assert_eq!(allowed("Apache-2.0 WITH LLVM-exception"), Ok(true));
        assert_eq!(allowed("GPL-2.0 WITH Classpath-exception-2.0"), Ok(false));
        assert!(allowed("(MIT").is_err());
        assert!(allowed("MIT OR").is_err());
    }

    #[test]
    fn let_chain_heuristic() {
        assert!(is_let_chain("        if let Some(x) = y && x > 1 {"));
        assert!(is_let_chain("            && let Some(z) = w"));
        assert!(is_let_chain("    while let Some(x) = it.next() && ok {"));
        assert!(!is_let_chain("        if let Some(x) = y.filter(|v| a && b) {"));
        assert!(!is_let_chain("        if let Some(x) = y { a && b }"));
        assert!(!is_let_chain("        if a && b {"));
        assert!(!is_let_chain("        let ok = a && b; // if let x = y && z"));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("95.4KiB"), Some(95.4 * 1024.0));
        assert_eq!(parse_size("12B"), Some(12.0));
        assert_eq!(parse_size("1.5MiB"), Some(1.5 * 1024.0 * 1024.0));
    }
}
