//! The raw layer: every call into the C library, and nothing else, lives here.
//!
//! One module per library object, each owning every C call made on that object:
//! [`sockets`] (the `ISteamNetworkingSockets` interface: creating objects, identity,
//! authentication, dispatch), [`connection`], [`listen_socket`], [`poll_group`], [`message`]
//! (received and outgoing messages), [`utils`] (the `ISteamNetworkingUtils` interface: clock,
//! configuration, debug output), [`steam_only`] (everything only Steam's library has),
//! [`callbacks`] (the functions the library calls) and [`signaling`] (the C++ objects of
//! custom P2P signaling).
//! [`convert`] turns the library's structs into this crate's types and back, [`routes`] says
//! which `Sockets` owns which handle.
//!
//! The rules every module here keeps, so that the safe layer above holds no `unsafe` of its
//! own except where ownership is the point:
//! * every `unsafe` block makes one C call or one raw-pointer access, with a `// SAFETY:`
//!   comment that says why it is sound;
//! * a call that can fail goes through [`try_call!`] (or [`c_call!`] when the result needs
//!   more than a yes or no), which names the C function once and maps its result to a typed
//!   [`Error`](crate::Error) carrying that name;
//! * what only one backend has is written with [`only_on!`], the single place a reader looks
//!   to see what GameNetworkingSockets lacks (see `steam_only/`);
//! * nothing here imports the safe layer's objects (`Sockets`, `Connection`, ...): only plain
//!   data types, errors and the owner pool of shared payloads, so that no import cycle can form
//!   (ARCHITECTURE.md); where the library calls up, it calls a function the safe layer
//!   registered (`routes::Hub`, `signaling::SignalSink`, `callbacks::DebugSink`,
//!   `callbacks::DrainHook`).

use std::ptr::NonNull;

pub(crate) mod api;
pub(crate) mod callbacks;
pub(crate) mod connection;
pub(crate) mod convert;
pub(crate) mod ffi;
pub(crate) mod listen_socket;
pub(crate) mod message;
pub(crate) mod messages;
pub(crate) mod poll_group;
pub(crate) mod routes;
pub(crate) mod signaling;
pub(crate) mod sockets;
pub(crate) mod steam_only;
pub(crate) mod types;
pub(crate) mod utils;

pub(crate) use ffi::c_string;

/// The short name of a flat C function, as errors report it:
/// `SteamAPI_ISteamNetworkingSockets_GetConnectionInfo` is `GetConnectionInfo`. Names of
/// other forms are kept whole.
pub(crate) const fn c_name(full: &'static str) -> &'static str {
    const PREFIX: &[u8] = b"SteamAPI_I";
    let bytes = full.as_bytes();
    if bytes.len() <= PREFIX.len() {
        return full;
    }
    let mut i = 0;
    while i < PREFIX.len() {
        if bytes[i] != PREFIX[i] {
            return full;
        }
        i += 1;
    }
    // Past the interface name, which ends at the next underscore.
    while i < bytes.len() && bytes[i] != b'_' {
        i += 1;
    }
    if i + 1 >= bytes.len() {
        return full;
    }
    let (_, rest) = bytes.split_at(i + 1);
    match std::str::from_utf8(rest) {
        Ok(name) => name,
        Err(_) => full,
    }
}

/// What a C function returns on success, for [`try_call!`]: `true`, a valid handle, a non-null
/// pointer.
pub(crate) trait Success {
    /// What the caller gets on success.
    type Value;
    /// The success value, or `None` for the library's "failed".
    fn success(self) -> Option<Self::Value>;
}

impl Success for bool {
    type Value = ();
    fn success(self) -> Option<()> {
        self.then_some(())
    }
}

/// Handles: anything but [`types::NO_HANDLE`].
impl Success for u32 {
    type Value = u32;
    fn success(self) -> Option<u32> {
        (self != types::NO_HANDLE).then_some(self)
    }
}

impl<T> Success for *mut T {
    type Value = NonNull<T>;
    fn success(self) -> Option<NonNull<T>> {
        NonNull::new(self)
    }
}

/// Calls one flat C function and maps its result to a typed error that names it.
///
/// * `try_call!(unsafe { sys::F(args) })` for a function returning an `EResult`: `Ok(())`, or
///   the matching [`Error`](crate::error::Error) (see `Error::from_result`).
/// * `try_call!(unsafe { sys::F(args) } else Variant)` for one returning `bool`, a handle or a
///   pointer ([`Success`]): the success value, or `Error::Variant { function }`.
///
/// The `unsafe` block is written at the call site, so that its `// SAFETY:` comment sits above
/// the call it justifies (`cargo xtask layout` checks that each one has one, since clippy
/// cannot see into macros).
macro_rules! try_call {
    ($unsafe:ident { sys::$f:ident($($arg:expr),* $(,)?) } else $variant:ident) => {
        $crate::raw::Success::success($unsafe { sys::$f($($arg),*) }).ok_or(
            $crate::error::Error::$variant {
                function: const { $crate::raw::c_name(stringify!($f)) },
            },
        )
    };
    ($unsafe:ident { sys::$f:ident($($arg:expr),* $(,)?) }) => {
        $crate::error::check(
            const { $crate::raw::c_name(stringify!($f)) },
            $unsafe { sys::$f($($arg),*) },
        )
    };
}

/// Calls one flat C function and returns `(its short name, its result)`, for results that need
/// more interpretation than [`try_call!`] gives (a code that means two things, a count).
macro_rules! c_call {
    ($unsafe:ident { sys::$f:ident($($arg:expr),* $(,)?) }) => {
        (const { $crate::raw::c_name(stringify!($f)) }, $unsafe { sys::$f($($arg),*) })
    };
}

/// Defines a function that exists on one backend only: on the other it returns
/// `Error::Unsupported` naming `$name` (the C function, or the configuration key), without
/// touching the library. Every Steam-only function is in `steam_only/`, so that one file
/// lists what GameNetworkingSockets lacks; the one GNS-only function, `init_gns`, is in
/// `sockets.rs`.
macro_rules! only_on {
    (
        $backend:literal, $name:literal,
        $(#[$meta:meta])*
        $vis:vis fn $fn_name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block
    ) => {
        $(#[$meta])*
        #[cfg(feature = $backend)]
        $vis fn $fn_name($($arg: $ty),*) -> $ret $body

        $(#[$meta])*
        #[cfg(not(feature = $backend))]
        $vis fn $fn_name($($arg: $ty),*) -> $ret {
            let _ = ($($arg,)*);
            Err($crate::error::Error::unsupported($name))
        }
    };
}

pub(crate) use {c_call, only_on, try_call};

#[cfg(test)]
mod tests {
    use super::c_name;

    #[test]
    fn c_names_drop_the_flat_prefix_only() {
        assert_eq!(
            c_name("SteamAPI_ISteamNetworkingSockets_GetConnectionInfo"),
            "GetConnectionInfo"
        );
        assert_eq!(c_name("SteamAPI_ISteamNetworkingUtils_SetConfigValue"), "SetConfigValue");
        assert_eq!(
            c_name("SteamAPI_ISteamNetworkingFakeUDPPort_SendMessageToFakeIP"),
            "SendMessageToFakeIP"
        );
        assert_eq!(c_name("SteamAPI_InitFlat"), "SteamAPI_InitFlat");
        assert_eq!(c_name("GameNetworkingSockets_Init"), "GameNetworkingSockets_Init");
        assert_eq!(c_name("SteamAPI_ISteamNetworkingSockets"), "SteamAPI_ISteamNetworkingSockets");
    }
}
