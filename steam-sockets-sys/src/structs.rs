//! `repr(C)` mirrors of the networking structs.
//!
//! Valve packs "callback" structs to 4 bytes on Linux and macOS and to 8 bytes on Windows
//! (`VALVE_CALLBACK_PACK_SMALL` / `VALVE_CALLBACK_PACK_LARGE`); the address and identity structs
//! are packed to 1 byte everywhere. The `layout` module checks every struct here against the
//! backend's own generated bindings at compile time.

use core::ffi::{c_char, c_int, c_void};

use crate::enums::*;

/// Handle of a connection. `0` is invalid.
pub type HSteamNetConnection = u32;
/// Handle of a listen socket. `0` is invalid.
pub type HSteamListenSocket = u32;
/// Handle of a poll group. `0` is invalid.
pub type HSteamNetPollGroup = u32;
/// Relay point-of-presence id.
pub type SteamNetworkingPOPID = u32;
/// Microsecond timestamp from the library's local clock.
pub type SteamNetworkingMicroseconds = i64;

/// The invalid connection handle.
pub const k_HSteamNetConnection_Invalid: HSteamNetConnection = 0;
/// The invalid listen socket handle.
pub const k_HSteamListenSocket_Invalid: HSteamListenSocket = 0;
/// The invalid poll group handle.
pub const k_HSteamNetPollGroup_Invalid: HSteamNetPollGroup = 0;

/// Size of `SteamNetworkingErrMsg`, the library's error message buffer.
pub const k_cchMaxSteamNetworkingErrMsg: usize = 1024;
/// Error message buffer filled by init and certificate functions.
pub type SteamNetworkingErrMsg = [c_char; k_cchMaxSteamNetworkingErrMsg];
/// Error message buffer filled by `SteamAPI_InitFlat`.
pub type SteamErrMsg = [c_char; 1024];

/// Largest message that can be sent (512 KiB).
pub const k_cbMaxSteamNetworkingSocketsMessageSizeSend: c_int = 512 * 1024;
/// Capacity of `SteamNetConnectionInfo_t::m_szEndDebug`.
pub const k_cchSteamNetworkingMaxConnectionCloseReason: usize = 128;
/// Capacity of `SteamNetConnectionInfo_t::m_szConnectionDescription`.
pub const k_cchSteamNetworkingMaxConnectionDescription: usize = 128;
/// Largest application-defined connection name, including the terminating NUL.
pub const k_cchSteamNetworkingMaxConnectionAppName: usize = 32;
/// Buffer size that holds any `SteamNetworkingIPAddr` in string form.
pub const k_cchSteamNetworkingIPAddrMaxString: usize = 48;
/// Buffer size that holds any `SteamNetworkingIdentity` in string form.
pub const k_cchSteamNetworkingIdentityMaxString: usize = 128;
/// Largest generic-string identity, including the terminating NUL.
pub const k_cchSteamNetworkingIdentityMaxGenericString: usize = 32;
/// Largest generic-bytes identity.
pub const k_cbSteamNetworkingIdentityMaxGenericBytes: usize = 32;
/// Capacity of a ping location in string form.
pub const k_cchMaxSteamNetworkingPingLocationString: usize = 1024;
/// Ping estimate: failed.
pub const k_nSteamNetworkingPing_Failed: c_int = -1;
/// Ping estimate: unknown.
pub const k_nSteamNetworkingPing_Unknown: c_int = -2;

/// Send flag: unreliable (the default).
pub const k_nSteamNetworkingSend_Unreliable: c_int = 0;
/// Send flag: do not wait for more data (Nagle) before sending.
pub const k_nSteamNetworkingSend_NoNagle: c_int = 1;
/// Send flag: drop the message rather than queue it if it cannot go out right away.
pub const k_nSteamNetworkingSend_NoDelay: c_int = 4;
/// Send flag: reliable, in order.
pub const k_nSteamNetworkingSend_Reliable: c_int = 8;
/// Send flag: do the send work on the calling thread.
pub const k_nSteamNetworkingSend_UseCurrentThread: c_int = 16;
/// Send flag: restart a broken P2P session (ISteamNetworkingMessages).
pub const k_nSteamNetworkingSend_AutoRestartBrokenSession: c_int = 32;

/// Connection info flag: the remote host has no certificate.
pub const k_nSteamNetworkConnectionInfoFlags_Unauthenticated: c_int = 1;
/// Connection info flag: traffic is not encrypted.
pub const k_nSteamNetworkConnectionInfoFlags_Unencrypted: c_int = 2;
/// Connection info flag: in-process loopback buffers.
pub const k_nSteamNetworkConnectionInfoFlags_LoopbackBuffers: c_int = 4;
/// Connection info flag: fast (LAN or localhost).
pub const k_nSteamNetworkConnectionInfoFlags_Fast: c_int = 8;
/// Connection info flag: relayed (SDR or TURN).
pub const k_nSteamNetworkConnectionInfoFlags_Relayed: c_int = 16;
/// Connection info flag: dual-wifi multi-path.
pub const k_nSteamNetworkConnectionInfoFlags_DualWifi: c_int = 32;

/// Callback id base of ISteamNetworkingSockets callbacks.
pub const k_iSteamNetworkingSocketsCallbacks: c_int = 1220;
/// Callback id base of ISteamNetworkingUtils callbacks.
pub const k_iSteamNetworkingUtilsCallbacks: c_int = 1280;

/// Opaque `ISteamNetworkingSockets` interface object.
#[repr(C)]
pub struct ISteamNetworkingSockets {
    _opaque: [u8; 0],
}
/// Opaque `ISteamNetworkingUtils` interface object.
#[repr(C)]
pub struct ISteamNetworkingUtils {
    _opaque: [u8; 0],
}
/// Opaque `ISteamNetworkingFakeUDPPort` object (Steam only).
#[repr(C)]
pub struct ISteamNetworkingFakeUDPPort {
    _opaque: [u8; 0],
}
/// Opaque `ISteamNetworkingMessages` interface object.
#[repr(C)]
pub struct ISteamNetworkingMessages {
    _opaque: [u8; 0],
}
/// Opaque custom-signaling object.
#[repr(C)]
pub struct ISteamNetworkingConnectionSignaling {
    _opaque: [u8; 0],
}
/// Opaque custom-signaling receive context.
#[repr(C)]
pub struct ISteamNetworkingSignalingRecvContext {
    _opaque: [u8; 0],
}
/// Opaque parsed relay authentication ticket (its layout is not in the public SDK headers).
#[repr(C)]
pub struct SteamDatagramRelayAuthTicket {
    _opaque: [u8; 0],
}
/// `SteamDatagramHostedAddress`: a hosted dedicated server's routing blob, to be sent to
/// clients (its layout is not in the public SDK headers; it is a size and 128 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SteamDatagramHostedAddress {
    /// Number of meaningful bytes in `m_data`.
    pub m_cbSize: c_int,
    /// The blob.
    pub m_data: [c_char; 128],
}

/// Largest application data in a game coordinator login.
pub const k_cbMaxSteamDatagramGameCoordinatorServerLoginAppData: usize = 2048;

/// `SteamDatagramGameCoordinatorServerLogin`: what a hosted game server signs to prove who and
/// where it is to the game's own backend.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SteamDatagramGameCoordinatorServerLogin {
    /// The server's identity.
    pub m_identity: SteamNetworkingIdentity,
    /// Its routing blob (includes the data center).
    pub m_routing: SteamDatagramHostedAddress,
    /// The app id the server believes it runs.
    pub m_nAppID: u32,
    /// Unix time the login was generated.
    pub m_rtime: u32,
    /// Number of meaningful bytes in `m_appData`.
    pub m_cbAppData: c_int,
    /// Application data (set with `k_ESteamNetworkingConfig_...` on the server).
    pub m_appData: [c_char; k_cbMaxSteamDatagramGameCoordinatorServerLoginAppData],
}

/// `SteamNetworkingIPAddr`: IPv6 address (IPv4 as mapped `::ffff:a.b.c.d`) and port.
///
/// `m_ipv6` holds the address bytes in network order; `m_port` is in host order.
#[repr(C, packed)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct SteamNetworkingIPAddr {
    /// Address bytes, network order.
    pub m_ipv6: [u8; 16],
    /// Port, host order.
    pub m_port: u16,
}

/// `SteamNetworkingIdentity`: who is on the other end of a connection.
///
/// `m_data` is the C union: SteamID / PSN id (`u64`, little-endian here), generic string, generic
/// bytes, Xbox id or `SteamNetworkingIPAddr`, selected by `m_eType`, with `m_cbSize` valid bytes.
#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct SteamNetworkingIdentity {
    /// Which kind of identity this is.
    pub m_eType: ESteamNetworkingIdentityType,
    /// Number of meaningful bytes in `m_data`.
    pub m_cbSize: c_int,
    /// The union's storage.
    pub m_data: [u8; 128],
}

/// Callback packing: 4 on Linux and macOS, 8 on Windows.
macro_rules! callback_struct {
    ($(#[$meta:meta])* pub struct $name:ident { $($body:tt)* }) => {
        $(#[$meta])*
        #[cfg_attr(not(windows), repr(C, packed(4)))]
        #[cfg_attr(windows, repr(C))]
        #[derive(Clone, Copy)]
        pub struct $name { $($body)* }
    };
}

callback_struct! {
    /// `SteamNetConnectionInfo_t`: describes a connection.
    pub struct SteamNetConnectionInfo_t {
        /// Who is on the other end.
        pub m_identityRemote: SteamNetworkingIdentity,
        /// Application data set on the connection.
        pub m_nUserData: i64,
        /// Listen socket this connection arrived on, or 0 if it was initiated locally.
        pub m_hListenSocket: HSteamListenSocket,
        /// Remote address (may be all zeros for relayed connections).
        pub m_addrRemote: SteamNetworkingIPAddr,
        /// Padding.
        pub m__pad1: u16,
        /// Remote host's data center, if known.
        pub m_idPOPRemote: SteamNetworkingPOPID,
        /// Relay in use, if any.
        pub m_idPOPRelay: SteamNetworkingPOPID,
        /// State.
        pub m_eState: ESteamNetworkingConnectionState,
        /// Why the connection ended (`ESteamNetConnectionEnd` or an application code).
        pub m_eEndReason: c_int,
        /// Human-readable explanation of the end, NUL-terminated.
        pub m_szEndDebug: [c_char; k_cchSteamNetworkingMaxConnectionCloseReason],
        /// Debug description of the connection, NUL-terminated.
        pub m_szConnectionDescription: [c_char; k_cchSteamNetworkingMaxConnectionDescription],
        /// `k_nSteamNetworkConnectionInfoFlags_*`.
        pub m_nFlags: c_int,
        /// Reserved.
        pub reserved: [u32; 63],
    }
}

callback_struct! {
    /// `SteamNetConnectionRealTimeStatus_t`: quick status of a connection.
    pub struct SteamNetConnectionRealTimeStatus_t {
        /// State.
        pub m_eState: ESteamNetworkingConnectionState,
        /// Ping in milliseconds.
        pub m_nPing: c_int,
        /// Local quality, 0..1.
        pub m_flConnectionQualityLocal: f32,
        /// Remote quality, 0..1.
        pub m_flConnectionQualityRemote: f32,
        /// Outgoing packets per second.
        pub m_flOutPacketsPerSec: f32,
        /// Outgoing bytes per second.
        pub m_flOutBytesPerSec: f32,
        /// Incoming packets per second.
        pub m_flInPacketsPerSec: f32,
        /// Incoming bytes per second.
        pub m_flInBytesPerSec: f32,
        /// Estimated send rate, bytes per second.
        pub m_nSendRateBytesPerSecond: c_int,
        /// Unreliable bytes queued.
        pub m_cbPendingUnreliable: c_int,
        /// Reliable bytes queued.
        pub m_cbPendingReliable: c_int,
        /// Reliable bytes sent but not yet acknowledged.
        pub m_cbSentUnackedReliable: c_int,
        /// Estimated queue time, microseconds.
        pub m_usecQueueTime: SteamNetworkingMicroseconds,
        /// Maximum jitter, microseconds.
        pub m_usecMaxJitter: i32,
        /// Reserved.
        pub reserved: [u32; 15],
    }
}

callback_struct! {
    /// `SteamNetConnectionRealTimeLaneStatus_t`: per-lane queue status.
    pub struct SteamNetConnectionRealTimeLaneStatus_t {
        /// Unreliable bytes queued.
        pub m_cbPendingUnreliable: c_int,
        /// Reliable bytes queued.
        pub m_cbPendingReliable: c_int,
        /// Reliable bytes sent but not yet acknowledged.
        pub m_cbSentUnackedReliable: c_int,
        /// Reserved.
        pub _reservePad1: c_int,
        /// Estimated queue time, microseconds.
        pub m_usecQueueTime: SteamNetworkingMicroseconds,
        /// Reserved.
        pub reserved: [u32; 10],
    }
}

/// `SteamNetworkingMessage_t`: a message received, or to be sent with `SendMessages`.
///
/// Never construct one: get it from `AllocateMessage` or a receive call, and give it back with
/// `m_pfnRelease` (or by passing it to `SendMessages`, which takes ownership).
#[repr(C)]
pub struct SteamNetworkingMessage_t {
    /// Payload; null for an empty message.
    pub m_pData: *mut c_void,
    /// Payload size.
    pub m_cbSize: c_int,
    /// Connection the message came from, or is to be sent on.
    pub m_conn: HSteamNetConnection,
    /// Sender identity (received messages).
    pub m_identityPeer: SteamNetworkingIdentity,
    /// User data of the connection when the message was received.
    pub m_nConnUserData: i64,
    /// Local time of arrival.
    pub m_usecTimeReceived: SteamNetworkingMicroseconds,
    /// Sender-assigned message number (per lane).
    pub m_nMessageNumber: i64,
    /// Frees `m_pData`; called by the library, possibly on another thread.
    pub m_pfnFreeData: Option<unsafe extern "C" fn(*mut SteamNetworkingMessage_t)>,
    /// Releases the message; call it exactly once for a message you own.
    pub m_pfnRelease: Option<unsafe extern "C" fn(*mut SteamNetworkingMessage_t)>,
    /// ISteamNetworkingMessages channel (not a lane).
    pub m_nChannel: c_int,
    /// `k_nSteamNetworkingSend_*` flags.
    pub m_nFlags: c_int,
    /// Free for the application (outgoing messages).
    pub m_nUserData: i64,
    /// Lane index.
    pub m_idxLane: u16,
    /// Padding.
    pub _pad1__: u16,
}

/// The value union of [`SteamNetworkingConfigValue_t`].
#[repr(C)]
#[derive(Clone, Copy)]
pub union SteamNetworkingConfigValue_t_Value {
    /// `Int32`.
    pub m_int32: i32,
    /// `Int64`.
    pub m_int64: i64,
    /// `Float`.
    pub m_float: f32,
    /// `String`: the library keeps this pointer.
    pub m_string: *const c_char,
    /// `Ptr`.
    pub m_ptr: *mut c_void,
}

/// `SteamNetworkingConfigValue_t`: one option passed at object creation.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SteamNetworkingConfigValue_t {
    /// Which option.
    pub m_eValue: ESteamNetworkingConfigValue,
    /// Which union member is set.
    pub m_eDataType: ESteamNetworkingConfigDataType,
    /// The value.
    pub m_val: SteamNetworkingConfigValue_t_Value,
}

callback_struct! {
    /// `SteamNetConnectionStatusChangedCallback_t`.
    pub struct SteamNetConnectionStatusChangedCallback_t {
        /// The connection.
        pub m_hConn: HSteamNetConnection,
        /// Its info, including the new state.
        pub m_info: SteamNetConnectionInfo_t,
        /// Previous state.
        pub m_eOldState: ESteamNetworkingConnectionState,
    }
}

impl SteamNetConnectionStatusChangedCallback_t {
    /// Callback id.
    pub const k_iCallback: c_int = k_iSteamNetworkingSocketsCallbacks + 1;
}

/// `SteamNetworkingMessagesSessionRequest_t`: a peer wants to open a messages session.
///
/// Unlike the other callbacks, Valve's header declares the two messages-session callbacks
/// under `#pragma pack(push, 1)` on every platform: alignment 1.
#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct SteamNetworkingMessagesSessionRequest_t {
    /// Who wants to talk.
    pub m_identityRemote: SteamNetworkingIdentity,
}

/// `SteamNetworkingMessagesSessionFailed_t`: a messages session failed (or was refused).
/// Packed to 1, as Valve declares it (see [`SteamNetworkingMessagesSessionRequest_t`]).
#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct SteamNetworkingMessagesSessionFailed_t {
    /// What is known about the session's connection, including why it ended.
    pub m_info: SteamNetConnectionInfo_t,
}

callback_struct! {
    /// `SteamNetAuthenticationStatus_t`.
    pub struct SteamNetAuthenticationStatus_t {
        /// Status.
        pub m_eAvail: ESteamNetworkingAvailability,
        /// English status message, NUL-terminated.
        pub m_debugMsg: [c_char; 256],
    }
}

callback_struct! {
    /// `SteamRelayNetworkStatus_t`.
    pub struct SteamRelayNetworkStatus_t {
        /// Summary status.
        pub m_eAvail: ESteamNetworkingAvailability,
        /// Non-zero while ping measurement is in progress.
        pub m_bPingMeasurementInProgress: c_int,
        /// Network configuration status.
        pub m_eAvailNetworkConfig: ESteamNetworkingAvailability,
        /// Relay reachability status.
        pub m_eAvailAnyRelay: ESteamNetworkingAvailability,
        /// English status message, NUL-terminated.
        pub m_debugMsg: [c_char; 256],
    }
}

callback_struct! {
    /// `SteamNetworkingFakeIPResult_t` (Steam only).
    pub struct SteamNetworkingFakeIPResult_t {
        /// Result of the request.
        pub m_eResult: EResult,
        /// Identity the FakeIP belongs to.
        pub m_identity: SteamNetworkingIdentity,
        /// The FakeIP, host order.
        pub m_unIP: u32,
        /// Ports, host order.
        pub m_unPorts: [u16; 8],
    }
}

/// `SteamNetworkPingLocation_t`: opaque ping location blob.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SteamNetworkPingLocation_t {
    /// Opaque data.
    pub m_data: [u8; 512],
}

/// Status-changed callback function type.
pub type FnSteamNetConnectionStatusChanged =
    Option<unsafe extern "C" fn(*mut SteamNetConnectionStatusChangedCallback_t)>;
/// Authentication-status callback function type.
pub type FnSteamNetAuthenticationStatusChanged =
    Option<unsafe extern "C" fn(*mut SteamNetAuthenticationStatus_t)>;
/// Relay-network-status callback function type.
pub type FnSteamRelayNetworkStatusChanged =
    Option<unsafe extern "C" fn(*mut SteamRelayNetworkStatus_t)>;
/// FakeIP-result callback function type.
pub type FnSteamNetworkingFakeIPResult =
    Option<unsafe extern "C" fn(*mut SteamNetworkingFakeIPResult_t)>;
/// Debug output function type.
pub type FSteamNetworkingSocketsDebugOutput =
    Option<unsafe extern "C" fn(ESteamNetworkingSocketsDebugOutputType, *const c_char)>;
