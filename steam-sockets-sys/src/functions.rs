//! `extern "C"` declarations of the flat API.
//!
//! C++ references (`const T &`) are passed as pointers. Every function taking `self` needs the
//! interface pointer returned by the backend's accessor.

use core::ffi::{c_char, c_int, c_void};

use crate::enums::*;
use crate::structs::*;

/// Declares `extern "C"` functions of the flat API.
macro_rules! flat {
    ($( $(#[$meta:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?; )*) => {
        unsafe extern "C" {
            $( $(#[$meta])* pub fn $name($($arg: $ty),*) $(-> $ret)?; )*
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Library initialisation and interface accessors.
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "gns")]
flat! {
    /// Initialises the standalone GNS library. `pIdentity` may be null.
    fn GameNetworkingSockets_Init(
        pIdentity: *const SteamNetworkingIdentity,
        errMsg: *mut SteamNetworkingErrMsg,
    ) -> bool;
    /// Shuts the standalone GNS library down.
    fn GameNetworkingSockets_Kill();
    /// GNS accessor of the sockets interface (the object implements `SteamNetworkingSockets012`).
    fn SteamAPI_SteamNetworkingSockets_v009() -> *mut ISteamNetworkingSockets;
    /// GNS accessor of the utils interface (the object implements `SteamNetworkingUtils004`).
    fn SteamAPI_SteamNetworkingUtils_v003() -> *mut ISteamNetworkingUtils;
    /// GNS accessor of the messages interface (`SteamNetworkingMessages002`).
    fn SteamAPI_SteamNetworkingMessages_v002() -> *mut ISteamNetworkingMessages;
}

#[cfg(feature = "steam")]
flat! {
    /// Initialises the Steam API (client mode). Needs a running Steam client.
    fn SteamAPI_InitFlat(pOutErrMsg: *mut SteamErrMsg) -> ESteamAPIInitResult;
    /// `SteamAPI_RunCallbacks`: Steam's own callback dispatch for the client. Never call it
    /// when the Steam API uses manual dispatch (`SteamAPI_ManualDispatch_Init`), as the
    /// `steamworks` crate does.
    fn SteamAPI_RunCallbacks();
    /// `SteamGameServer_RunCallbacks`: the same for the game server.
    fn SteamGameServer_RunCallbacks();
    /// Shuts the Steam API down.
    fn SteamAPI_Shutdown();
    /// Initialises the Steam game-server API.
    fn SteamInternal_GameServer_Init_V2(
        unIP: u32,
        usGamePort: u16,
        usQueryPort: u16,
        eServerMode: EServerMode,
        pchVersionString: *const c_char,
        pszInternalCheckInterfaceVersions: *const c_char,
        pOutErrMsg: *mut SteamErrMsg,
    ) -> ESteamAPIInitResult;
    /// Shuts the Steam game-server API down.
    fn SteamGameServer_Shutdown();
    /// Client sockets interface, or null when the Steam API is not initialised.
    fn SteamAPI_SteamNetworkingSockets_SteamAPI_v012() -> *mut ISteamNetworkingSockets;
    /// Game-server sockets interface, or null when the game server is not initialised.
    fn SteamAPI_SteamGameServerNetworkingSockets_SteamAPI_v012() -> *mut ISteamNetworkingSockets;
    /// Utils interface, or null when neither API is initialised.
    fn SteamAPI_SteamNetworkingUtils_SteamAPI_v004() -> *mut ISteamNetworkingUtils;
    /// Client messages interface, or null when the Steam API is not initialised.
    fn SteamAPI_SteamNetworkingMessages_SteamAPI_v002() -> *mut ISteamNetworkingMessages;
    /// Game-server messages interface, or null when the game server is not initialised.
    fn SteamAPI_SteamGameServerNetworkingMessages_SteamAPI_v002() -> *mut ISteamNetworkingMessages;
}

// ---------------------------------------------------------------------------------------------
// ISteamNetworkingMessages (both backends).
// ---------------------------------------------------------------------------------------------

flat! {
    /// `SendMessageToUser`: sends a copy of the data to a peer's channel.
    fn SteamAPI_ISteamNetworkingMessages_SendMessageToUser(
        self_: *mut ISteamNetworkingMessages,
        identityRemote: *const SteamNetworkingIdentity,
        pubData: *const c_void,
        cubData: u32,
        nSendFlags: c_int,
        nRemoteChannel: c_int,
    ) -> EResult;
    /// `ReceiveMessagesOnChannel`: the number of messages written.
    fn SteamAPI_ISteamNetworkingMessages_ReceiveMessagesOnChannel(
        self_: *mut ISteamNetworkingMessages,
        nLocalChannel: c_int,
        ppOutMessages: *mut *mut SteamNetworkingMessage_t,
        nMaxMessages: c_int,
    ) -> c_int;
    /// `AcceptSessionWithUser`: false if there is no pending request from the peer.
    fn SteamAPI_ISteamNetworkingMessages_AcceptSessionWithUser(
        self_: *mut ISteamNetworkingMessages,
        identityRemote: *const SteamNetworkingIdentity,
    ) -> bool;
    /// `CloseSessionWithUser`: false if there was no session.
    fn SteamAPI_ISteamNetworkingMessages_CloseSessionWithUser(
        self_: *mut ISteamNetworkingMessages,
        identityRemote: *const SteamNetworkingIdentity,
    ) -> bool;
    /// `CloseChannelWithUser`: false if there was no session.
    fn SteamAPI_ISteamNetworkingMessages_CloseChannelWithUser(
        self_: *mut ISteamNetworkingMessages,
        identityRemote: *const SteamNetworkingIdentity,
        nLocalChannel: c_int,
    ) -> bool;
    /// `GetSessionConnectionInfo`: the session's state; both outputs may be null.
    fn SteamAPI_ISteamNetworkingMessages_GetSessionConnectionInfo(
        self_: *mut ISteamNetworkingMessages,
        identityRemote: *const SteamNetworkingIdentity,
        pConnectionInfo: *mut SteamNetConnectionInfo_t,
        pQuickStatus: *mut SteamNetConnectionRealTimeStatus_t,
    ) -> ESteamNetworkingConnectionState;
}

// ---------------------------------------------------------------------------------------------
// ISteamNetworkingSockets: functions both backends export.
// ---------------------------------------------------------------------------------------------

flat! {
    /// `CreateListenSocketIP`.
    fn SteamAPI_ISteamNetworkingSockets_CreateListenSocketIP(
        self_: *mut ISteamNetworkingSockets,
        localAddress: *const SteamNetworkingIPAddr,
        nOptions: c_int,
        pOptions: *const SteamNetworkingConfigValue_t,
    ) -> HSteamListenSocket;
    /// `ConnectByIPAddress`.
    fn SteamAPI_ISteamNetworkingSockets_ConnectByIPAddress(
        self_: *mut ISteamNetworkingSockets,
        address: *const SteamNetworkingIPAddr,
        nOptions: c_int,
        pOptions: *const SteamNetworkingConfigValue_t,
    ) -> HSteamNetConnection;
    /// `CreateListenSocketP2P`.
    fn SteamAPI_ISteamNetworkingSockets_CreateListenSocketP2P(
        self_: *mut ISteamNetworkingSockets,
        nLocalVirtualPort: c_int,
        nOptions: c_int,
        pOptions: *const SteamNetworkingConfigValue_t,
    ) -> HSteamListenSocket;
    /// `ConnectP2P`.
    fn SteamAPI_ISteamNetworkingSockets_ConnectP2P(
        self_: *mut ISteamNetworkingSockets,
        identityRemote: *const SteamNetworkingIdentity,
        nRemoteVirtualPort: c_int,
        nOptions: c_int,
        pOptions: *const SteamNetworkingConfigValue_t,
    ) -> HSteamNetConnection;
    /// `AcceptConnection`.
    fn SteamAPI_ISteamNetworkingSockets_AcceptConnection(
        self_: *mut ISteamNetworkingSockets,
        hConn: HSteamNetConnection,
    ) -> EResult;
    /// `CloseConnection`.
    fn SteamAPI_ISteamNetworkingSockets_CloseConnection(
        self_: *mut ISteamNetworkingSockets,
        hPeer: HSteamNetConnection,
        nReason: c_int,
        pszDebug: *const c_char,
        bEnableLinger: bool,
    ) -> bool;
    /// `CloseListenSocket`.
    fn SteamAPI_ISteamNetworkingSockets_CloseListenSocket(
        self_: *mut ISteamNetworkingSockets,
        hSocket: HSteamListenSocket,
    ) -> bool;
    /// `SetConnectionUserData`.
    fn SteamAPI_ISteamNetworkingSockets_SetConnectionUserData(
        self_: *mut ISteamNetworkingSockets,
        hPeer: HSteamNetConnection,
        nUserData: i64,
    ) -> bool;
    /// `GetConnectionUserData`.
    fn SteamAPI_ISteamNetworkingSockets_GetConnectionUserData(
        self_: *mut ISteamNetworkingSockets,
        hPeer: HSteamNetConnection,
    ) -> i64;
    /// `SetConnectionName`.
    fn SteamAPI_ISteamNetworkingSockets_SetConnectionName(
        self_: *mut ISteamNetworkingSockets,
        hPeer: HSteamNetConnection,
        pszName: *const c_char,
    );
    /// `GetConnectionName`.
    fn SteamAPI_ISteamNetworkingSockets_GetConnectionName(
        self_: *mut ISteamNetworkingSockets,
        hPeer: HSteamNetConnection,
        pszName: *mut c_char,
        nMaxLen: c_int,
    ) -> bool;
    /// `SendMessageToConnection`.
    fn SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(
        self_: *mut ISteamNetworkingSockets,
        hConn: HSteamNetConnection,
        pData: *const c_void,
        cbData: u32,
        nSendFlags: c_int,
        pOutMessageNumber: *mut i64,
    ) -> EResult;
    /// `FlushMessagesOnConnection`.
    fn SteamAPI_ISteamNetworkingSockets_FlushMessagesOnConnection(
        self_: *mut ISteamNetworkingSockets,
        hConn: HSteamNetConnection,
    ) -> EResult;
    /// `ReceiveMessagesOnConnection`.
    fn SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnConnection(
        self_: *mut ISteamNetworkingSockets,
        hConn: HSteamNetConnection,
        ppOutMessages: *mut *mut SteamNetworkingMessage_t,
        nMaxMessages: c_int,
    ) -> c_int;
    /// `GetConnectionInfo`.
    fn SteamAPI_ISteamNetworkingSockets_GetConnectionInfo(
        self_: *mut ISteamNetworkingSockets,
        hConn: HSteamNetConnection,
        pInfo: *mut SteamNetConnectionInfo_t,
    ) -> bool;
    /// `GetConnectionRealTimeStatus`.
    fn SteamAPI_ISteamNetworkingSockets_GetConnectionRealTimeStatus(
        self_: *mut ISteamNetworkingSockets,
        hConn: HSteamNetConnection,
        pStatus: *mut SteamNetConnectionRealTimeStatus_t,
        nLanes: c_int,
        pLanes: *mut SteamNetConnectionRealTimeLaneStatus_t,
    ) -> EResult;
    /// `GetDetailedConnectionStatus`.
    fn SteamAPI_ISteamNetworkingSockets_GetDetailedConnectionStatus(
        self_: *mut ISteamNetworkingSockets,
        hConn: HSteamNetConnection,
        pszBuf: *mut c_char,
        cbBuf: c_int,
    ) -> c_int;
    /// `GetListenSocketAddress`.
    fn SteamAPI_ISteamNetworkingSockets_GetListenSocketAddress(
        self_: *mut ISteamNetworkingSockets,
        hSocket: HSteamListenSocket,
        address: *mut SteamNetworkingIPAddr,
    ) -> bool;
    /// `CreateSocketPair`.
    fn SteamAPI_ISteamNetworkingSockets_CreateSocketPair(
        self_: *mut ISteamNetworkingSockets,
        pOutConnection1: *mut HSteamNetConnection,
        pOutConnection2: *mut HSteamNetConnection,
        bUseNetworkLoopback: bool,
        pIdentity1: *const SteamNetworkingIdentity,
        pIdentity2: *const SteamNetworkingIdentity,
    ) -> bool;
    /// `ConfigureConnectionLanes`.
    fn SteamAPI_ISteamNetworkingSockets_ConfigureConnectionLanes(
        self_: *mut ISteamNetworkingSockets,
        hConn: HSteamNetConnection,
        nNumLanes: c_int,
        pLanePriorities: *const c_int,
        pLaneWeights: *const u16,
    ) -> EResult;
    /// `GetIdentity`.
    fn SteamAPI_ISteamNetworkingSockets_GetIdentity(
        self_: *mut ISteamNetworkingSockets,
        pIdentity: *mut SteamNetworkingIdentity,
    ) -> bool;
    /// `InitAuthentication`.
    fn SteamAPI_ISteamNetworkingSockets_InitAuthentication(
        self_: *mut ISteamNetworkingSockets,
    ) -> ESteamNetworkingAvailability;
    /// `GetAuthenticationStatus`.
    fn SteamAPI_ISteamNetworkingSockets_GetAuthenticationStatus(
        self_: *mut ISteamNetworkingSockets,
        pDetails: *mut SteamNetAuthenticationStatus_t,
    ) -> ESteamNetworkingAvailability;
    /// `CreatePollGroup`.
    fn SteamAPI_ISteamNetworkingSockets_CreatePollGroup(
        self_: *mut ISteamNetworkingSockets,
    ) -> HSteamNetPollGroup;
    /// `DestroyPollGroup`.
    fn SteamAPI_ISteamNetworkingSockets_DestroyPollGroup(
        self_: *mut ISteamNetworkingSockets,
        hPollGroup: HSteamNetPollGroup,
    ) -> bool;
    /// `SetConnectionPollGroup`.
    fn SteamAPI_ISteamNetworkingSockets_SetConnectionPollGroup(
        self_: *mut ISteamNetworkingSockets,
        hConn: HSteamNetConnection,
        hPollGroup: HSteamNetPollGroup,
    ) -> bool;
    /// `ReceiveMessagesOnPollGroup`.
    fn SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnPollGroup(
        self_: *mut ISteamNetworkingSockets,
        hPollGroup: HSteamNetPollGroup,
        ppOutMessages: *mut *mut SteamNetworkingMessage_t,
        nMaxMessages: c_int,
    ) -> c_int;
    /// `ConnectP2PCustomSignaling`.
    fn SteamAPI_ISteamNetworkingSockets_ConnectP2PCustomSignaling(
        self_: *mut ISteamNetworkingSockets,
        pSignaling: *mut ISteamNetworkingConnectionSignaling,
        pPeerIdentity: *const SteamNetworkingIdentity,
        nRemoteVirtualPort: c_int,
        nOptions: c_int,
        pOptions: *const SteamNetworkingConfigValue_t,
    ) -> HSteamNetConnection;
    /// `ReceivedP2PCustomSignal`.
    fn SteamAPI_ISteamNetworkingSockets_ReceivedP2PCustomSignal(
        self_: *mut ISteamNetworkingSockets,
        pMsg: *const c_void,
        cbMsg: c_int,
        pContext: *mut ISteamNetworkingSignalingRecvContext,
    ) -> bool;
    /// `GetCertificateRequest`.
    fn SteamAPI_ISteamNetworkingSockets_GetCertificateRequest(
        self_: *mut ISteamNetworkingSockets,
        pcbBlob: *mut c_int,
        pBlob: *mut c_void,
        errMsg: *mut SteamNetworkingErrMsg,
    ) -> bool;
    /// `SetCertificate`.
    fn SteamAPI_ISteamNetworkingSockets_SetCertificate(
        self_: *mut ISteamNetworkingSockets,
        pCertificate: *const c_void,
        cbCertificate: c_int,
        errMsg: *mut SteamNetworkingErrMsg,
    ) -> bool;
    /// `RunCallbacks`.
    fn SteamAPI_ISteamNetworkingSockets_RunCallbacks(self_: *mut ISteamNetworkingSockets);
    /// `SteamNetworkingMessage_t::Release` as a flat function.
    fn SteamAPI_SteamNetworkingMessage_t_Release(self_: *mut SteamNetworkingMessage_t);
}

#[cfg(feature = "steam")]
flat! {
    /// `SendMessages` (Steam signature: the library always takes ownership).
    fn SteamAPI_ISteamNetworkingSockets_SendMessages(
        self_: *mut ISteamNetworkingSockets,
        nMessages: c_int,
        pMessages: *const *mut SteamNetworkingMessage_t,
        pOutMessageNumberOrResult: *mut i64,
    );
}

#[cfg(feature = "gns")]
unsafe extern "C" {
    #[link_name = "SteamAPI_ISteamNetworkingSockets_SendMessages"]
    fn gns_SendMessages(
        self_: *mut ISteamNetworkingSockets,
        nMessages: c_int,
        pMessages: *const *mut SteamNetworkingMessage_t,
        pOutMessageNumberOrResult: *mut i64,
        bDeleteFailedMessages: bool,
    );
}

/// `SendMessages` with Steam's semantics on GNS: the library takes ownership of every message,
/// including those that fail (GNS's `bDeleteFailedMessages = true`).
///
/// # Safety
/// As for the C function: `self_` is a live interface, `pMessages` points to `nMessages` messages
/// from `AllocateMessage` that the caller owns and gives up, and `pOutMessageNumberOrResult` is
/// null or points to `nMessages` writable `i64`s.
#[cfg(feature = "gns")]
pub unsafe fn SteamAPI_ISteamNetworkingSockets_SendMessages(
    self_: *mut ISteamNetworkingSockets,
    nMessages: c_int,
    pMessages: *const *mut SteamNetworkingMessage_t,
    pOutMessageNumberOrResult: *mut i64,
) {
    // SAFETY: the caller upholds the C function's contract (see above); the extra argument
    // selects the ownership rule Steam always applies.
    unsafe { gns_SendMessages(self_, nMessages, pMessages, pOutMessageNumberOrResult, true) }
}

// ---------------------------------------------------------------------------------------------
// ISteamNetworkingSockets: Steam only (GNS does not export these).
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "steam")]
flat! {
    /// `ReceivedRelayAuthTicket`.
    fn SteamAPI_ISteamNetworkingSockets_ReceivedRelayAuthTicket(
        self_: *mut ISteamNetworkingSockets,
        pvTicket: *const c_void,
        cbTicket: c_int,
        pOutParsedTicket: *mut SteamDatagramRelayAuthTicket,
    ) -> bool;
    /// `FindRelayAuthTicketForServer`.
    fn SteamAPI_ISteamNetworkingSockets_FindRelayAuthTicketForServer(
        self_: *mut ISteamNetworkingSockets,
        identityGameServer: *const SteamNetworkingIdentity,
        nRemoteVirtualPort: c_int,
        pOutParsedTicket: *mut SteamDatagramRelayAuthTicket,
    ) -> c_int;
    /// `ConnectToHostedDedicatedServer`.
    fn SteamAPI_ISteamNetworkingSockets_ConnectToHostedDedicatedServer(
        self_: *mut ISteamNetworkingSockets,
        identityTarget: *const SteamNetworkingIdentity,
        nRemoteVirtualPort: c_int,
        nOptions: c_int,
        pOptions: *const SteamNetworkingConfigValue_t,
    ) -> HSteamNetConnection;
    /// `GetHostedDedicatedServerPort`.
    fn SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerPort(
        self_: *mut ISteamNetworkingSockets,
    ) -> u16;
    /// `GetHostedDedicatedServerPOPID`.
    fn SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerPOPID(
        self_: *mut ISteamNetworkingSockets,
    ) -> SteamNetworkingPOPID;
    /// `GetHostedDedicatedServerAddress`.
    fn SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerAddress(
        self_: *mut ISteamNetworkingSockets,
        pRouting: *mut SteamDatagramHostedAddress,
    ) -> EResult;
    /// `CreateHostedDedicatedServerListenSocket`.
    fn SteamAPI_ISteamNetworkingSockets_CreateHostedDedicatedServerListenSocket(
        self_: *mut ISteamNetworkingSockets,
        nLocalVirtualPort: c_int,
        nOptions: c_int,
        pOptions: *const SteamNetworkingConfigValue_t,
    ) -> HSteamListenSocket;
    /// `GetGameCoordinatorServerLogin`.
    fn SteamAPI_ISteamNetworkingSockets_GetGameCoordinatorServerLogin(
        self_: *mut ISteamNetworkingSockets,
        pLoginInfo: *mut SteamDatagramGameCoordinatorServerLogin,
        pcbSignedBlob: *mut c_int,
        pBlob: *mut c_void,
    ) -> EResult;
    /// `ResetIdentity`.
    fn SteamAPI_ISteamNetworkingSockets_ResetIdentity(
        self_: *mut ISteamNetworkingSockets,
        pIdentity: *const SteamNetworkingIdentity,
    );
    /// `BeginAsyncRequestFakeIP`.
    fn SteamAPI_ISteamNetworkingSockets_BeginAsyncRequestFakeIP(
        self_: *mut ISteamNetworkingSockets,
        nNumPorts: c_int,
    ) -> bool;
    /// `GetFakeIP`.
    fn SteamAPI_ISteamNetworkingSockets_GetFakeIP(
        self_: *mut ISteamNetworkingSockets,
        idxFirstPort: c_int,
        pInfo: *mut SteamNetworkingFakeIPResult_t,
    );
    /// `CreateListenSocketP2PFakeIP`.
    fn SteamAPI_ISteamNetworkingSockets_CreateListenSocketP2PFakeIP(
        self_: *mut ISteamNetworkingSockets,
        idxFakePort: c_int,
        nOptions: c_int,
        pOptions: *const SteamNetworkingConfigValue_t,
    ) -> HSteamListenSocket;
    /// `GetRemoteFakeIPForConnection`.
    fn SteamAPI_ISteamNetworkingSockets_GetRemoteFakeIPForConnection(
        self_: *mut ISteamNetworkingSockets,
        hConn: HSteamNetConnection,
        pOutAddr: *mut SteamNetworkingIPAddr,
    ) -> EResult;
    /// `CreateFakeUDPPort`.
    fn SteamAPI_ISteamNetworkingSockets_CreateFakeUDPPort(
        self_: *mut ISteamNetworkingSockets,
        idxFakeServerPort: c_int,
    ) -> *mut ISteamNetworkingFakeUDPPort;

    /// `ISteamNetworkingFakeUDPPort::DestroyFakeUDPPort`.
    fn SteamAPI_ISteamNetworkingFakeUDPPort_DestroyFakeUDPPort(
        self_: *mut ISteamNetworkingFakeUDPPort,
    );
    /// `ISteamNetworkingFakeUDPPort::SendMessageToFakeIP`.
    fn SteamAPI_ISteamNetworkingFakeUDPPort_SendMessageToFakeIP(
        self_: *mut ISteamNetworkingFakeUDPPort,
        remoteAddress: *const SteamNetworkingIPAddr,
        pData: *const c_void,
        cbData: u32,
        nSendFlags: c_int,
    ) -> EResult;
    /// `ISteamNetworkingFakeUDPPort::ReceiveMessages`.
    fn SteamAPI_ISteamNetworkingFakeUDPPort_ReceiveMessages(
        self_: *mut ISteamNetworkingFakeUDPPort,
        ppOutMessages: *mut *mut SteamNetworkingMessage_t,
        nMaxMessages: c_int,
    ) -> c_int;
    /// `ISteamNetworkingFakeUDPPort::ScheduleCleanup`.
    fn SteamAPI_ISteamNetworkingFakeUDPPort_ScheduleCleanup(
        self_: *mut ISteamNetworkingFakeUDPPort,
        remoteAddress: *const SteamNetworkingIPAddr,
    );
}

// ---------------------------------------------------------------------------------------------
// ISteamNetworkingUtils: functions both backends export.
// ---------------------------------------------------------------------------------------------

flat! {
    /// `AllocateMessage`.
    fn SteamAPI_ISteamNetworkingUtils_AllocateMessage(
        self_: *mut ISteamNetworkingUtils,
        cbAllocateBuffer: c_int,
    ) -> *mut SteamNetworkingMessage_t;
    /// `GetLocalTimestamp`.
    fn SteamAPI_ISteamNetworkingUtils_GetLocalTimestamp(
        self_: *mut ISteamNetworkingUtils,
    ) -> SteamNetworkingMicroseconds;
    /// `SetDebugOutputFunction`.
    fn SteamAPI_ISteamNetworkingUtils_SetDebugOutputFunction(
        self_: *mut ISteamNetworkingUtils,
        eDetailLevel: ESteamNetworkingSocketsDebugOutputType,
        pfnFunc: FSteamNetworkingSocketsDebugOutput,
    );
    /// `SetGlobalConfigValueInt32`.
    fn SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueInt32(
        self_: *mut ISteamNetworkingUtils,
        eValue: ESteamNetworkingConfigValue,
        val: i32,
    ) -> bool;
    /// `SetGlobalConfigValueFloat`.
    fn SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueFloat(
        self_: *mut ISteamNetworkingUtils,
        eValue: ESteamNetworkingConfigValue,
        val: f32,
    ) -> bool;
    /// `SetGlobalConfigValueString`.
    fn SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueString(
        self_: *mut ISteamNetworkingUtils,
        eValue: ESteamNetworkingConfigValue,
        val: *const c_char,
    ) -> bool;
    /// `SetGlobalConfigValuePtr`.
    fn SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValuePtr(
        self_: *mut ISteamNetworkingUtils,
        eValue: ESteamNetworkingConfigValue,
        val: *mut c_void,
    ) -> bool;
    /// `SetConnectionConfigValueInt32`.
    fn SteamAPI_ISteamNetworkingUtils_SetConnectionConfigValueInt32(
        self_: *mut ISteamNetworkingUtils,
        hConn: HSteamNetConnection,
        eValue: ESteamNetworkingConfigValue,
        val: i32,
    ) -> bool;
    /// `SetConnectionConfigValueFloat`.
    fn SteamAPI_ISteamNetworkingUtils_SetConnectionConfigValueFloat(
        self_: *mut ISteamNetworkingUtils,
        hConn: HSteamNetConnection,
        eValue: ESteamNetworkingConfigValue,
        val: f32,
    ) -> bool;
    /// `SetConnectionConfigValueString`.
    fn SteamAPI_ISteamNetworkingUtils_SetConnectionConfigValueString(
        self_: *mut ISteamNetworkingUtils,
        hConn: HSteamNetConnection,
        eValue: ESteamNetworkingConfigValue,
        val: *const c_char,
    ) -> bool;
    /// `SetGlobalCallback_SteamNetConnectionStatusChanged`.
    fn SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_SteamNetConnectionStatusChanged(
        self_: *mut ISteamNetworkingUtils,
        fnCallback: FnSteamNetConnectionStatusChanged,
    ) -> bool;
    /// `SetGlobalCallback_SteamNetAuthenticationStatusChanged`.
    fn SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_SteamNetAuthenticationStatusChanged(
        self_: *mut ISteamNetworkingUtils,
        fnCallback: FnSteamNetAuthenticationStatusChanged,
    ) -> bool;
    /// `SetGlobalCallback_SteamRelayNetworkStatusChanged`.
    fn SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_SteamRelayNetworkStatusChanged(
        self_: *mut ISteamNetworkingUtils,
        fnCallback: FnSteamRelayNetworkStatusChanged,
    ) -> bool;
    /// `SetConfigValue`.
    fn SteamAPI_ISteamNetworkingUtils_SetConfigValue(
        self_: *mut ISteamNetworkingUtils,
        eValue: ESteamNetworkingConfigValue,
        eScopeType: ESteamNetworkingConfigScope,
        scopeObj: isize,
        eDataType: ESteamNetworkingConfigDataType,
        pArg: *const c_void,
    ) -> bool;
    /// `SetConfigValueStruct`.
    fn SteamAPI_ISteamNetworkingUtils_SetConfigValueStruct(
        self_: *mut ISteamNetworkingUtils,
        opt: *const SteamNetworkingConfigValue_t,
        eScopeType: ESteamNetworkingConfigScope,
        scopeObj: isize,
    ) -> bool;
    /// `GetConfigValue`.
    fn SteamAPI_ISteamNetworkingUtils_GetConfigValue(
        self_: *mut ISteamNetworkingUtils,
        eValue: ESteamNetworkingConfigValue,
        eScopeType: ESteamNetworkingConfigScope,
        scopeObj: isize,
        pOutDataType: *mut ESteamNetworkingConfigDataType,
        pResult: *mut c_void,
        cbResult: *mut usize,
    ) -> ESteamNetworkingGetConfigValueResult;
    /// `GetConfigValueInfo`.
    fn SteamAPI_ISteamNetworkingUtils_GetConfigValueInfo(
        self_: *mut ISteamNetworkingUtils,
        eValue: ESteamNetworkingConfigValue,
        pOutDataType: *mut ESteamNetworkingConfigDataType,
        pOutScope: *mut ESteamNetworkingConfigScope,
    ) -> *const c_char;
    /// `IterateGenericEditableConfigValues`.
    fn SteamAPI_ISteamNetworkingUtils_IterateGenericEditableConfigValues(
        self_: *mut ISteamNetworkingUtils,
        eCurrent: ESteamNetworkingConfigValue,
        bEnumerateDevVars: bool,
    ) -> ESteamNetworkingConfigValue;
}

// ---------------------------------------------------------------------------------------------
// ISteamNetworkingUtils: Steam only.
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "steam")]
flat! {
    /// `InitRelayNetworkAccess`.
    fn SteamAPI_ISteamNetworkingUtils_InitRelayNetworkAccess(self_: *mut ISteamNetworkingUtils);
    /// `GetRelayNetworkStatus`.
    fn SteamAPI_ISteamNetworkingUtils_GetRelayNetworkStatus(
        self_: *mut ISteamNetworkingUtils,
        pDetails: *mut SteamRelayNetworkStatus_t,
    ) -> ESteamNetworkingAvailability;
    /// `GetLocalPingLocation`.
    fn SteamAPI_ISteamNetworkingUtils_GetLocalPingLocation(
        self_: *mut ISteamNetworkingUtils,
        result: *mut SteamNetworkPingLocation_t,
    ) -> f32;
    /// `EstimatePingTimeBetweenTwoLocations`.
    fn SteamAPI_ISteamNetworkingUtils_EstimatePingTimeBetweenTwoLocations(
        self_: *mut ISteamNetworkingUtils,
        location1: *const SteamNetworkPingLocation_t,
        location2: *const SteamNetworkPingLocation_t,
    ) -> c_int;
    /// `EstimatePingTimeFromLocalHost`.
    fn SteamAPI_ISteamNetworkingUtils_EstimatePingTimeFromLocalHost(
        self_: *mut ISteamNetworkingUtils,
        remoteLocation: *const SteamNetworkPingLocation_t,
    ) -> c_int;
    /// `ConvertPingLocationToString`.
    fn SteamAPI_ISteamNetworkingUtils_ConvertPingLocationToString(
        self_: *mut ISteamNetworkingUtils,
        location: *const SteamNetworkPingLocation_t,
        pszBuf: *mut c_char,
        cchBufSize: c_int,
    );
    /// `ParsePingLocationString`.
    fn SteamAPI_ISteamNetworkingUtils_ParsePingLocationString(
        self_: *mut ISteamNetworkingUtils,
        pszString: *const c_char,
        result: *mut SteamNetworkPingLocation_t,
    ) -> bool;
    /// `CheckPingDataUpToDate`.
    fn SteamAPI_ISteamNetworkingUtils_CheckPingDataUpToDate(
        self_: *mut ISteamNetworkingUtils,
        flMaxAgeSeconds: f32,
    ) -> bool;
    /// `GetPingToDataCenter`.
    fn SteamAPI_ISteamNetworkingUtils_GetPingToDataCenter(
        self_: *mut ISteamNetworkingUtils,
        popID: SteamNetworkingPOPID,
        pViaRelayPoP: *mut SteamNetworkingPOPID,
    ) -> c_int;
    /// `GetDirectPingToPOP`.
    fn SteamAPI_ISteamNetworkingUtils_GetDirectPingToPOP(
        self_: *mut ISteamNetworkingUtils,
        popID: SteamNetworkingPOPID,
    ) -> c_int;
    /// `GetPOPCount`.
    fn SteamAPI_ISteamNetworkingUtils_GetPOPCount(self_: *mut ISteamNetworkingUtils) -> c_int;
    /// `GetPOPList`.
    fn SteamAPI_ISteamNetworkingUtils_GetPOPList(
        self_: *mut ISteamNetworkingUtils,
        list: *mut SteamNetworkingPOPID,
        nListSz: c_int,
    ) -> c_int;
    /// `IsFakeIPv4`.
    fn SteamAPI_ISteamNetworkingUtils_IsFakeIPv4(
        self_: *mut ISteamNetworkingUtils,
        nIPv4: u32,
    ) -> bool;
    /// `GetIPv4FakeIPType`.
    fn SteamAPI_ISteamNetworkingUtils_GetIPv4FakeIPType(
        self_: *mut ISteamNetworkingUtils,
        nIPv4: u32,
    ) -> ESteamNetworkingFakeIPType;
    /// `GetRealIdentityForFakeIP`.
    fn SteamAPI_ISteamNetworkingUtils_GetRealIdentityForFakeIP(
        self_: *mut ISteamNetworkingUtils,
        fakeIP: *const SteamNetworkingIPAddr,
        pOutRealIdentity: *mut SteamNetworkingIdentity,
    ) -> EResult;
    /// `SetGlobalCallback_FakeIPResult`.
    fn SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_FakeIPResult(
        self_: *mut ISteamNetworkingUtils,
        fnCallback: FnSteamNetworkingFakeIPResult,
    ) -> bool;
    /// `SteamNetworkingIPAddr_ToString`.
    fn SteamAPI_ISteamNetworkingUtils_SteamNetworkingIPAddr_ToString(
        self_: *mut ISteamNetworkingUtils,
        addr: *const SteamNetworkingIPAddr,
        buf: *mut c_char,
        cbBuf: u32,
        bWithPort: bool,
    );
    /// `SteamNetworkingIPAddr_ParseString`.
    fn SteamAPI_ISteamNetworkingUtils_SteamNetworkingIPAddr_ParseString(
        self_: *mut ISteamNetworkingUtils,
        pAddr: *mut SteamNetworkingIPAddr,
        pszStr: *const c_char,
    ) -> bool;
    /// `SteamNetworkingIdentity_ToString`.
    fn SteamAPI_ISteamNetworkingUtils_SteamNetworkingIdentity_ToString(
        self_: *mut ISteamNetworkingUtils,
        identity: *const SteamNetworkingIdentity,
        buf: *mut c_char,
        cbBuf: u32,
    );
    /// `SteamNetworkingIdentity_ParseString`.
    fn SteamAPI_ISteamNetworkingUtils_SteamNetworkingIdentity_ParseString(
        self_: *mut ISteamNetworkingUtils,
        pIdentity: *mut SteamNetworkingIdentity,
        pszStr: *const c_char,
    ) -> bool;
}

/// The interface versions `SteamGameServer_InitEx` asks Steam to check (the inline function in
/// `steam_gameserver.h` of the SDK that `steamworks-sys` ships): NUL-separated, ending in an
/// empty name. Pass it as `pszInternalCheckInterfaceVersions`.
#[cfg(feature = "steam")]
pub const STEAM_GAME_SERVER_INTERFACE_VERSIONS: &[u8] = b"SteamUtils010\0\
SteamNetworkingUtils004\0\
SteamGameServer015\0\
SteamGameServerStats001\0\
STEAMHTTP_INTERFACE_VERSION003\0\
STEAMINVENTORY_INTERFACE_V003\0\
SteamNetworking006\0\
SteamNetworkingMessages002\0\
SteamNetworkingSockets012\0\
STEAMUGC_INTERFACE_VERSION021\0\
\0";

// ---------------------------------------------------------------------------------------------
// SteamNetworkingIPAddr / SteamNetworkingIdentity text helpers: GNS only.
//
// GNS exports these as flat methods of the structs, but not the `SteamAPI_ISteamNetworkingUtils_*`
// forms above. Steam exports both, with `uint32` buffer sizes and without `sizeofIdentity`, so
// these are declared for GNS only. The safe crate formats and parses in Rust on both backends;
// these declarations let tests check that text against the library's own.
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "gns")]
flat! {
    /// `SteamNetworkingIPAddr::ToString`: writes `self_` as text into `buf`, NUL-terminated and
    /// truncated to `cbBuf` bytes; `k_cchSteamNetworkingIPAddrMaxString` bytes always suffice.
    /// With `bWithPort`, IPv6 is bracketed: `[::1]:27015`; IPv4 is `1.2.3.4:27015`. (Steam's
    /// flat function takes a `uint32` size.)
    fn SteamAPI_SteamNetworkingIPAddr_ToString(
        self_: *const SteamNetworkingIPAddr,
        buf: *mut c_char,
        cbBuf: usize,
        bWithPort: bool,
    );
    /// `SteamNetworkingIPAddr::ParseString`: parses the NUL-terminated `pszStr` into `self_`
    /// (a missing port reads as 0). Returns false, and clears `self_`, if it cannot.
    fn SteamAPI_SteamNetworkingIPAddr_ParseString(
        self_: *mut SteamNetworkingIPAddr,
        pszStr: *const c_char,
    ) -> bool;
    /// `SteamNetworkingIdentity::ToString`: writes `self_` as text into `buf`, NUL-terminated
    /// and truncated to `cbBuf` bytes; `k_cchSteamNetworkingIdentityMaxString` bytes always
    /// suffice. (Steam's flat function takes a `uint32` size.)
    fn SteamAPI_SteamNetworkingIdentity_ToString(
        self_: *const SteamNetworkingIdentity,
        buf: *mut c_char,
        cbBuf: usize,
    );
    /// `SteamNetworkingIdentity::ParseString`: zeroes the `sizeofIdentity` bytes at `self_`,
    /// then parses the NUL-terminated `pszStr` into it. Returns false if it cannot (including
    /// for `"invalid"`). Pass `size_of::<SteamNetworkingIdentity>()` as `sizeofIdentity`;
    /// Steam's flat function has no such argument.
    fn SteamAPI_SteamNetworkingIdentity_ParseString(
        self_: *mut SteamNetworkingIdentity,
        sizeofIdentity: usize,
        pszStr: *const c_char,
    ) -> bool;
}
