//! Puts libsteam_api beside the test binaries (steam backend), so that `backends.rs` can check
//! that a binary started directly, without LD_LIBRARY_PATH, still loads it.

fn main() {
    if std::env::var_os("CARGO_FEATURE_STEAM").is_some() {
        steam_sockets_build::bundle_steam_api().expect("bundle libsteam_api");
    }
}
