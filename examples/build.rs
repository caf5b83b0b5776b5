//! Puts libsteam_api beside the examples (steam backend), so they also start when run directly
//! from target/<profile>/examples/ without LD_LIBRARY_PATH.

fn main() {
    if std::env::var_os("CARGO_FEATURE_STEAM").is_some() {
        if let Err(e) = steam_sockets_build::bundle_steam_api() {
            println!("cargo:warning=libsteam_api not bundled: {e}");
        }
    }
}
