//! The library's plain values that the safe layer holds: result codes and handles.

use steam_sockets_sys as sys;

/// Steam's result code (`EResult`), as kept in errors.
pub use sys::EResult as ResultCode;

/// A connection's handle (`HSteamNetConnection`).
pub(crate) type ConnectionHandle = sys::HSteamNetConnection;
/// A listen socket's handle (`HSteamListenSocket`).
pub(crate) type ListenSocketHandle = sys::HSteamListenSocket;
/// A poll group's handle (`HSteamNetPollGroup`).
pub(crate) type PollGroupHandle = sys::HSteamNetPollGroup;

/// The handle value the library uses for "none", the same for all three handle types.
pub(crate) const NO_HANDLE: u32 = 0;
const _: () = assert!(
    sys::k_HSteamNetConnection_Invalid == NO_HANDLE
        && sys::k_HSteamListenSocket_Invalid == NO_HANDLE
        && sys::k_HSteamNetPollGroup_Invalid == NO_HANDLE
);

/// The library's configuration keys (`ESteamNetworkingConfigValue`), named by the
/// configuration table (`config/mod.rs`).
pub(crate) use sys::ESteamNetworkingConfigValue as RawConfigKey;

// The library's constants that the safe layer's types are built from.

/// Largest message the library sends.
pub(crate) const MAX_MESSAGE_SIZE: usize =
    sys::k_cbMaxSteamNetworkingSocketsMessageSizeSend as usize;

/// `k_nSteamNetworkingSend_*`.
pub(crate) mod send_flags {
    use steam_sockets_sys as sys;

    pub(crate) const RELIABLE: i32 = sys::k_nSteamNetworkingSend_Reliable;
    pub(crate) const NO_NAGLE: i32 = sys::k_nSteamNetworkingSend_NoNagle;
    pub(crate) const NO_DELAY: i32 = sys::k_nSteamNetworkingSend_NoDelay;
    pub(crate) const USE_CURRENT_THREAD: i32 = sys::k_nSteamNetworkingSend_UseCurrentThread;
    pub(crate) const AUTO_RESTART_BROKEN_SESSION: i32 =
        sys::k_nSteamNetworkingSend_AutoRestartBrokenSession;
}

/// `k_nSteamNetworkConnectionInfoFlags_*`.
pub(crate) mod connection_flags {
    use steam_sockets_sys as sys;

    pub(crate) const UNAUTHENTICATED: i32 = sys::k_nSteamNetworkConnectionInfoFlags_Unauthenticated;
    pub(crate) const UNENCRYPTED: i32 = sys::k_nSteamNetworkConnectionInfoFlags_Unencrypted;
    pub(crate) const LOOPBACK_BUFFERS: i32 =
        sys::k_nSteamNetworkConnectionInfoFlags_LoopbackBuffers;
    pub(crate) const FAST: i32 = sys::k_nSteamNetworkConnectionInfoFlags_Fast;
    pub(crate) const RELAYED: i32 = sys::k_nSteamNetworkConnectionInfoFlags_Relayed;
    pub(crate) const DUAL_WIFI: i32 = sys::k_nSteamNetworkConnectionInfoFlags_DualWifi;
}

/// Limits of `SteamNetworkingIdentity`.
pub(crate) mod identity_limits {
    use steam_sockets_sys as sys;

    /// Longest generic string, excluding the terminating NUL.
    pub(crate) const MAX_GENERIC_STRING: usize =
        sys::k_cchSteamNetworkingIdentityMaxGenericString - 1;
    /// Most generic bytes.
    pub(crate) const MAX_GENERIC_BYTES: usize = sys::k_cbSteamNetworkingIdentityMaxGenericBytes;
    /// Longest text of an identity, excluding the terminating NUL.
    pub(crate) const MAX_TEXT: usize = sys::k_cchSteamNetworkingIdentityMaxString - 1;
}
