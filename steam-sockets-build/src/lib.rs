//! Ship Steam's `libsteam_api` with your game, for binaries that start without
//! `LD_LIBRARY_PATH`.
//!
//! `steam-sockets` (like the `steamworks` crate) links `libsteam_api.so` / `.dylib` /
//! `steam_api64.dll` dynamically. `cargo run` and `cargo test` find it because cargo puts its
//! build directory on the loader path; a binary started directly, or shipped to players, does not,
//! and fails before `main` with "libsteam_api.so: cannot open shared object file".
//!
//! Call [`bundle_steam_api`] from your package's `build.rs`. It
//! * copies the library that `steamworks-sys` ships into the directories cargo writes binaries
//!   to (`target/<profile>/`, `deps/` for tests, `examples/`), and
//! * on Linux and macOS adds an rpath of `$ORIGIN` / `@executable_path` to your binaries, tests
//!   and examples, so they look for the library next to themselves (Windows always does).
//!
//! To ship, copy the library from `target/<profile>/` next to your executable.
//!
//! ```no_run
//! // build.rs
//! fn main() {
//!     steam_sockets_build::bundle_steam_api().expect("bundle libsteam_api");
//! }
//! ```
//! with, in `Cargo.toml`:
//! ```toml
//! [build-dependencies]
//! steam-sockets-build = "0.1"
//! ```
//!
//! The SDK is found through `cargo metadata` (the copy inside `steamworks-sys`), or in
//! `$STEAM_SDK_LOCATION/redistributable_bin` when that variable is set, as `steamworks-sys` itself
//! does.

// The example is a build script, whose `main` is the point.
#![allow(clippy::needless_doctest_main)]

use std::env;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why the library could not be bundled.
#[derive(Debug)]
pub enum Error {
    /// A variable cargo sets for build scripts is missing: not called from a build script.
    NotInBuildScript(&'static str),
    /// The target has no Steamworks redistributable.
    UnsupportedTarget(String),
    /// `cargo metadata` failed or did not list `steamworks-sys`.
    SdkNotFound(String),
    /// Copying failed.
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotInBuildScript(var) => {
                write!(f, "{var} is not set: call bundle_steam_api from a build script")
            }
            Error::UnsupportedTarget(t) => write!(f, "no Steamworks redistributable for {t}"),
            Error::SdkNotFound(why) => write!(
                f,
                "cannot find the Steamworks SDK ({why}); set STEAM_SDK_LOCATION to the SDK's \
                 directory (the one holding redistributable_bin)"
            ),
            Error::Io(path, e) => write!(f, "{}: {e}", path.display()),
        }
    }
}

impl std::error::Error for Error {}

fn var(name: &'static str) -> Result<String, Error> {
    env::var(name).map_err(|_| Error::NotInBuildScript(name))
}

/// Copies the Steamworks redistributable library beside the package's binaries and, on Linux
/// and macOS, gives them an rpath to their own directory. Returns the copied library's path in
/// `target/<profile>/`.
///
/// # Errors
/// See [`Error`]: outside a build script, on a target without a redistributable, when the SDK
/// cannot be found, or when a copy fails.
pub fn bundle_steam_api() -> Result<PathBuf, Error> {
    let os = var("CARGO_CFG_TARGET_OS")?;
    let arch = var("CARGO_CFG_TARGET_ARCH")?;
    let (platform, file) = redistributable(&os, &arch)?;
    println!("cargo:rerun-if-env-changed=STEAM_SDK_LOCATION");

    let source = sdk_dir()?.join("redistributable_bin").join(platform).join(file);
    println!("cargo:rerun-if-changed={}", source.display());
    match os.as_str() {
        "linux" => println!("cargo:rustc-link-arg=-Wl,-rpath,$ORIGIN"),
        "macos" => println!("cargo:rustc-link-arg=-Wl,-rpath,@executable_path"),
        _ => {}
    }

    // OUT_DIR is <target>/<profile>/build/<package>-<hash>/out.
    let out_dir = PathBuf::from(var("OUT_DIR")?);
    let profile_dir =
        out_dir.ancestors().nth(3).ok_or(Error::NotInBuildScript("OUT_DIR"))?.to_path_buf();
    for dir in [profile_dir.clone(), profile_dir.join("deps"), profile_dir.join("examples")] {
        std::fs::create_dir_all(&dir).map_err(|e| Error::Io(dir.clone(), e))?;
        copy_if_changed(&source, &dir.join(file))?;
    }
    Ok(profile_dir.join(file))
}

/// The SDK's directory name for the target, and the library's file name.
fn redistributable(os: &str, arch: &str) -> Result<(&'static str, &'static str), Error> {
    Ok(match (os, arch) {
        ("linux", "x86_64") => ("linux64", "libsteam_api.so"),
        ("linux", "x86") => ("linux32", "libsteam_api.so"),
        ("linux", "aarch64") => ("linuxarm64", "libsteam_api.so"),
        ("macos", _) => ("osx", "libsteam_api.dylib"),
        ("windows", "x86_64") => ("win64", "steam_api64.dll"),
        ("windows", "x86") => ("", "steam_api.dll"),
        _ => return Err(Error::UnsupportedTarget(format!("{os}/{arch}"))),
    })
}

/// `$STEAM_SDK_LOCATION`, or `lib/steam` inside the `steamworks-sys` that cargo resolved.
fn sdk_dir() -> Result<PathBuf, Error> {
    if let Ok(dir) = env::var("STEAM_SDK_LOCATION") {
        return Ok(PathBuf::from(dir));
    }
    let cargo = var("CARGO")?;
    // Offline and for this target only: everything this build needs is already downloaded,
    // and a build script must not download anything.
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--filter-platform"])
        .arg(var("TARGET")?)
        .current_dir(var("CARGO_MANIFEST_DIR")?)
        .output()
        .map_err(|e| Error::SdkNotFound(format!("cannot run cargo metadata: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(Error::SdkNotFound(format!("cargo metadata failed: {stderr}")));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| Error::SdkNotFound(format!("unreadable cargo metadata: {e}")))?;
    let packages = metadata["packages"].as_array().map(Vec::as_slice).unwrap_or_default();
    let candidates: Vec<&serde_json::Value> =
        packages.iter().filter(|p| p["name"] == "steamworks-sys").collect();
    // steam-sockets links the 0.13 series; prefer it if several versions are in the graph.
    let chosen = candidates
        .iter()
        .find(|p| p["version"].as_str().is_some_and(|v| v.starts_with("0.13.")))
        .or(candidates.first())
        .ok_or_else(|| Error::SdkNotFound("steamworks-sys is not a dependency".into()))?;
    let manifest = chosen["manifest_path"]
        .as_str()
        .ok_or_else(|| Error::SdkNotFound("steamworks-sys has no manifest path".into()))?;
    let package_dir = Path::new(manifest).parent().unwrap_or(Path::new("."));
    Ok(package_dir.join("lib").join("steam"))
}

fn copy_if_changed(source: &Path, dest: &Path) -> Result<(), Error> {
    let same = match (std::fs::read(source), std::fs::read(dest)) {
        (Ok(a), Ok(b)) => a == b,
        (Err(e), _) => return Err(Error::Io(source.to_path_buf(), e)),
        _ => false,
    };
    if !same {
        // Copy to a temporary name and rename, so a binary starting meanwhile never sees a
        // half-written library.
        let tmp = dest.with_extension("partial");
        std::fs::copy(source, &tmp).map_err(|e| Error::Io(tmp.clone(), e))?;
        std::fs::rename(&tmp, dest).map_err(|e| Error::Io(dest.to_path_buf(), e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_target_has_a_directory_and_file() {
        assert_eq!(redistributable("linux", "x86_64").unwrap(), ("linux64", "libsteam_api.so"));
        assert_eq!(redistributable("macos", "aarch64").unwrap().1, "libsteam_api.dylib");
        assert_eq!(redistributable("windows", "x86_64").unwrap().1, "steam_api64.dll");
        assert!(matches!(redistributable("android", "arm"), Err(Error::UnsupportedTarget(_))));
    }

    #[test]
    fn outside_a_build_script_it_says_so() {
        // Tests run without the variables cargo gives build scripts.
        assert!(matches!(bundle_steam_api(), Err(Error::NotInBuildScript(_))));
    }
}
