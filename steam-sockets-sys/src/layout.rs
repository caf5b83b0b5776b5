//! Compile-time ABI checks: every struct in [`crate::structs`] must have the size, alignment and
//! field offsets of the backend's own generated bindings. A mismatch fails the build.

use core::mem::{align_of, offset_of, size_of};

#[cfg(feature = "gns")]
use gns_sys as backend;
#[cfg(all(feature = "steam", not(feature = "gns")))]
use steamworks_sys as backend;

use crate::structs as ours;

/// Asserts that `ours::$ty` and `backend::$ty` agree on size, alignment and the listed offsets.
macro_rules! same_layout {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        const _: () = {
            assert!(size_of::<ours::$ty>() == size_of::<backend::$ty>(), stringify!($ty));
            assert!(align_of::<ours::$ty>() == align_of::<backend::$ty>(), stringify!($ty));
            $( assert!(
                offset_of!(ours::$ty, $field) == offset_of!(backend::$ty, $field),
                concat!(stringify!($ty), "::", stringify!($field)),
            ); )*
        };
    };
}

same_layout!(SteamNetworkingIPAddr { m_port });
same_layout!(SteamNetworkingIdentity { m_eType, m_cbSize });
same_layout!(SteamNetConnectionInfo_t {
    m_identityRemote,
    m_nUserData,
    m_hListenSocket,
    m_addrRemote,
    m_idPOPRemote,
    m_idPOPRelay,
    m_eState,
    m_eEndReason,
    m_szEndDebug,
    m_szConnectionDescription,
    m_nFlags,
    reserved,
});
same_layout!(SteamNetConnectionRealTimeStatus_t {
    m_eState,
    m_nPing,
    m_flConnectionQualityLocal,
    m_flConnectionQualityRemote,
    m_flOutPacketsPerSec,
    m_flOutBytesPerSec,
    m_flInPacketsPerSec,
    m_flInBytesPerSec,
    m_nSendRateBytesPerSecond,
    m_cbPendingUnreliable,
    m_cbPendingReliable,
    m_cbSentUnackedReliable,
    m_usecQueueTime,
    m_usecMaxJitter,
});
same_layout!(SteamNetConnectionRealTimeLaneStatus_t {
    m_cbPendingUnreliable,
    m_cbPendingReliable,
    m_cbSentUnackedReliable,
    m_usecQueueTime,
});
same_layout!(SteamNetworkingMessage_t {
    m_pData,
    m_cbSize,
    m_conn,
    m_identityPeer,
    m_nConnUserData,
    m_usecTimeReceived,
    m_nMessageNumber,
    m_pfnFreeData,
    m_pfnRelease,
    m_nChannel,
    m_nFlags,
    m_nUserData,
    m_idxLane,
});
same_layout!(SteamNetworkingConfigValue_t { m_eValue, m_eDataType, m_val });
same_layout!(SteamNetConnectionStatusChangedCallback_t { m_hConn, m_info, m_eOldState });
same_layout!(SteamNetAuthenticationStatus_t { m_eAvail, m_debugMsg });
same_layout!(SteamRelayNetworkStatus_t {
    m_eAvail,
    m_bPingMeasurementInProgress,
    m_eAvailNetworkConfig,
    m_eAvailAnyRelay,
    m_debugMsg,
});
same_layout!(SteamNetworkPingLocation_t { m_data });

// Neither backend's bindings define `SteamNetworkingFakeIPResult_t` (it is opaque there), so it is
// checked against the SDK header's layout: EResult, identity, IPv4, 8 ports.
#[cfg(not(windows))]
const _: () = {
    assert!(size_of::<ours::SteamNetworkingFakeIPResult_t>() == 4 + 136 + 4 + 16);
    assert!(offset_of!(ours::SteamNetworkingFakeIPResult_t, m_unPorts) == 144);
};

// The hosted-server structs are opaque in both backends' headers; their layout (a size plus 128
// bytes; identity, routing, app id, time, size, 2048 bytes) is checked against the sizes the
// Steamworks SDK's own wrappers use.
const _: () = {
    assert!(size_of::<ours::SteamDatagramHostedAddress>() == 132);
    assert!(size_of::<ours::SteamDatagramGameCoordinatorServerLogin>() == 2328);
    assert!(offset_of!(ours::SteamDatagramGameCoordinatorServerLogin, m_appData) == 280);
};

same_layout!(SteamNetworkingMessagesSessionRequest_t { m_identityRemote });
same_layout!(SteamNetworkingMessagesSessionFailed_t { m_info });

// The sizes and offsets measured for Linux x86-64 (from both libraries' headers), so that a
// change in both bindings at once (a new SDK) is also noticed.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
const _: () = {
    assert!(size_of::<ours::SteamNetworkingIPAddr>() == 18);
    assert!(size_of::<ours::SteamNetworkingIdentity>() == 136);
    assert!(size_of::<ours::SteamNetConnectionInfo_t>() == 696);
    assert!(size_of::<ours::SteamNetConnectionRealTimeStatus_t>() == 120);
    assert!(size_of::<ours::SteamNetConnectionRealTimeLaneStatus_t>() == 64);
    assert!(size_of::<ours::SteamNetworkingMessage_t>() == 216);
    assert!(offset_of!(ours::SteamNetworkingMessage_t, m_pfnFreeData) == 176);
    assert!(offset_of!(ours::SteamNetworkingMessage_t, m_nUserData) == 200);
    assert!(offset_of!(ours::SteamNetworkingMessage_t, m_idxLane) == 208);
    assert!(size_of::<ours::SteamNetworkingConfigValue_t>() == 16);
    assert!(size_of::<ours::SteamNetConnectionStatusChangedCallback_t>() == 704);
    assert!(align_of::<ours::SteamNetConnectionStatusChangedCallback_t>() == 4);
    assert!(size_of::<ours::SteamNetworkingMessagesSessionRequest_t>() == 136);
    assert!(size_of::<ours::SteamNetworkingMessagesSessionFailed_t>() == 696);
};
