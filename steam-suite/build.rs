//! Puts libsteam_api beside the suite's binary, which the harness starts directly (inside
//! network namespaces, with `ip netns exec`), without LD_LIBRARY_PATH.

fn main() {
    steam_sockets_build::bundle_steam_api().expect("bundle libsteam_api");
}
