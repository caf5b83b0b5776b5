//! Raw FFI declarations for Valve's `ISteamNetworkingSockets` flat API.
//!
//! This crate holds declarations and linking only. Nothing here is safe to call without reading
//! Valve's documentation; the `steam-sockets` crate is the safe wrapper.
//!
//! # Backends
//! Exactly one of two features must be enabled:
//!
//! * `steam` (default): the Steamworks SDK's `steam_api`, linked through the
//!   [`steamworks-sys`](https://docs.rs/steamworks-sys) crate, so the same binary can also use the
//!   `steamworks` crate.
//! * `gns`: Valve's open-source GameNetworkingSockets, built and linked statically by the
//!   [`game-networking-sockets-sys`](https://docs.rs/game-networking-sockets-sys) crate.
//!
//! The two flat APIs differ in a few places; those differences are resolved here:
//!
//! * [`SteamAPI_ISteamNetworkingSockets_SendMessages`] takes an extra `bool bDeleteFailedMessages`
//!   on GNS; both backends get the same four-argument Rust signature, with Steam's semantics (the
//!   library always takes ownership of every message).
//! * Functions that GNS does not export (FakeIP, hosted dedicated servers, relay tickets, ping
//!   locations, `ResetIdentity`, ...) are declared only with the `steam` feature, so code built on
//!   `gns` cannot reference a symbol that would fail to link.
//!
//! # Enumerations
//! Every C enum is an integer newtype with associated constants, never a Rust `enum`: the
//! libraries may return values this crate has never heard of, and reading an unknown value into a
//! Rust `enum` is undefined behaviour.
#![no_std]
#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]
// Opaque FFI types and raw structs have nothing useful to print.
#![allow(missing_debug_implementations)]

#[cfg(all(feature = "steam", feature = "gns"))]
compile_error!(
    "steam-sockets-sys: the `steam` and `gns` backends are mutually exclusive. To use GNS, write \
     `steam-sockets = { version = \"0.1\", default-features = false, features = [\"gns\"] }` \
     in Cargo.toml; for Steam, keep the default features."
);

#[cfg(not(any(feature = "steam", feature = "gns")))]
compile_error!(
    "steam-sockets-sys: no backend selected. Enable exactly one feature: `steam` (the default: \
     Steamworks SDK) or `gns` (open-source GameNetworkingSockets), e.g. \
     `steam-sockets = { version = \"0.1\", default-features = false, features = [\"gns\"] }`."
);

// The backend crates provide the native libraries; referencing them makes sure they are linked.
#[cfg(feature = "gns")]
use gns_sys as _;
#[cfg(feature = "steam")]
use steamworks_sys as _;

mod enums;
mod functions;
mod layout;
mod structs;

pub use enums::*;
pub use functions::*;
pub use structs::*;

/// Name of the backend this crate was built for: `"steam"` or `"gns"`.
#[cfg(feature = "steam")]
pub const BACKEND: &str = "steam";
/// Name of the backend this crate was built for: `"steam"` or `"gns"`.
#[cfg(all(feature = "gns", not(feature = "steam")))]
pub const BACKEND: &str = "gns";
