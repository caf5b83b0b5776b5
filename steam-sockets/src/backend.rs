//! Which library a build links.

use std::fmt;

/// The library a build of this crate links (see the crate docs' "Backends").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// The Steamworks SDK's `libsteam_api` (the `steam` feature).
    Steam,
    /// Valve's open-source GameNetworkingSockets, built from source (the `gns` feature).
    Gns,
}

impl Backend {
    /// The feature's name: `"steam"` or `"gns"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Backend::Steam => "steam",
            Backend::Gns => "gns",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The backend this build links.
///
/// ```
/// use steam_sockets::{BACKEND, Backend};
/// if BACKEND == Backend::Gns {
///     // GameNetworkingSockets: no Steam client needed.
/// }
/// println!("linked against {BACKEND}");
/// ```
pub const BACKEND: Backend = if cfg!(feature = "gns") { Backend::Gns } else { Backend::Steam };
