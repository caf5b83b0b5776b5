//! Everything only the Steam library has, in one place: what GameNetworkingSockets lacks.
//!
//! Each function is written with [`only_on!`]: on the `gns` backend it still exists, with the
//! same signature, and returns `Error::Unsupported` naming the C function (or configuration
//! key) without touching the library, which does not export these functions. The safe layer
//! calls them the same way on both backends.

#![cfg_attr(not(feature = "steam"), allow(unused_imports))]

use std::ffi::{CStr, c_char, c_int};
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::ptr::NonNull;
use std::sync::Arc;

use steam_sockets_sys as sys;

use super::api::Api;
use super::convert::{
    address_from_raw, address_to_raw, fake_ip_result, fake_ip_type, identity_from_raw,
    identity_ptr, identity_to_raw, optional_identity, relay_network_status,
};
use super::ffi::string_from_buf;
use super::message::{MessageSlot, receive_into};
use super::routes::{self, Hub};
use super::types::{ConnectionHandle, ListenSocketHandle};
use super::utils::RawOptions;
use super::{c_call, only_on, try_call};
use crate::error::{Error, Result};
use crate::identity::NetworkIdentity;
use crate::status::{FakeIpResult, FakeIpType, RelayNetworkStatus};

/// Whose dispatch `run_callbacks` runs first: Steam's, when this crate initialised Steam.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SteamDispatch {
    /// `SteamAPI_RunCallbacks`.
    Client,
    /// `SteamGameServer_RunCallbacks`.
    GameServer,
}

/// A ping location: the library's opaque blob.
pub(crate) type PingBlob = [u8; 512];

// ---------------------------------------------------------------------------------------------
// Starting Steam
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "steam")]
fn init_result(result: sys::ESteamAPIInitResult, err: &sys::SteamErrMsg) -> Result<()> {
    if result == sys::ESteamAPIInitResult::OK {
        Ok(())
    } else {
        Err(Error::SteamInit { code: result.0, message: string_from_buf(err) })
    }
}

only_on! {
    "steam", "SteamAPI_InitFlat",
    /// Initialises the Steam API in client mode.
    pub(crate) fn init_steam_client() -> Result<()> {
        let mut err: sys::SteamErrMsg = [0; 1024];
        // SAFETY: `err` is writable; Steam serialises its own initialisation.
        let result = unsafe { sys::SteamAPI_InitFlat(&mut err) };
        init_result(result, &err)
    }
}

only_on! {
    "steam", "SteamGameServer_InitEx",
    /// Initialises the Steam game-server API; `mode` is an `EServerMode` value.
    pub(crate) fn init_steam_game_server(
        ip: u32,
        game_port: u16,
        query_port: u16,
        mode: i32,
        version: &CStr,
    ) -> Result<()> {
        let mut err: sys::SteamErrMsg = [0; 1024];
        // SAFETY: the strings are valid and NUL-terminated (the interface list ends with two
        // NULs, as Steam expects); `err` is writable.
        let result = unsafe {
            sys::SteamInternal_GameServer_Init_V2(
                ip,
                game_port,
                query_port,
                sys::EServerMode(mode),
                version.as_ptr(),
                sys::STEAM_GAME_SERVER_INTERFACE_VERSIONS.as_ptr().cast(),
                &mut err,
            )
        };
        init_result(result, &err)
    }
}

#[cfg(feature = "steam")]
const _: () = assert!(
    sys::EServerMode::NoAuthentication.0 == 1
        && sys::EServerMode::Authentication.0 == 2
        && sys::EServerMode::AuthenticationAndSecure.0 == 3
);

only_on! {
    "steam", "SteamAPI_SteamNetworkingSockets_SteamAPI",
    /// The client's interfaces, or `None` if Steam is not initialised.
    pub(crate) fn steam_client_interfaces() -> Result<Option<Api>> {
        // SAFETY: the accessor only looks up the interface; null if Steam is not initialised.
        let sockets = unsafe { sys::SteamAPI_SteamNetworkingSockets_SteamAPI_v012() };
        // SAFETY: as above.
        let utils = unsafe { sys::SteamAPI_SteamNetworkingUtils_SteamAPI_v004() };
        Ok(Api::new(sockets, utils))
    }
}

only_on! {
    "steam", "SteamAPI_SteamGameServerNetworkingSockets_SteamAPI",
    /// The game server's interfaces, or `None` if the game server is not initialised.
    pub(crate) fn steam_game_server_interfaces() -> Result<Option<Api>> {
        // SAFETY: the accessor only looks up the interface; null if the game server is not
        // initialised.
        let sockets = unsafe { sys::SteamAPI_SteamGameServerNetworkingSockets_SteamAPI_v012() };
        // SAFETY: as above.
        let utils = unsafe { sys::SteamAPI_SteamNetworkingUtils_SteamAPI_v004() };
        Ok(Api::new(sockets, utils))
    }
}

only_on! {
    "steam", "SteamAPI_RunCallbacks",
    /// Steam's own dispatch, which this crate runs when it initialised Steam.
    pub(crate) fn run_steam_dispatch(dispatch: SteamDispatch) -> Result<()> {
        match dispatch {
            // SAFETY: Steam is initialised (by this crate, which never shuts it down) and uses
            // its ordinary dispatch: this crate initialised it, not the `steamworks` crate.
            SteamDispatch::Client => unsafe { sys::SteamAPI_RunCallbacks() },
            // SAFETY: as above, for the game server.
            SteamDispatch::GameServer => unsafe { sys::SteamGameServer_RunCallbacks() },
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Process-wide handlers (GameNetworkingSockets has no relay network and no FakeIP, does not
// report its authentication status, and refuses these handlers)
// ---------------------------------------------------------------------------------------------

only_on! {
    "steam", "Callback_AuthStatusChanged",
    pub(crate) fn install_authentication_status_handler(api: Api) -> Result<()> {
        super::callbacks::global::AUTH_STATUS.install(api)
    }
}

only_on! {
    "steam", "Callback_RelayNetworkStatusChanged",
    pub(crate) fn install_relay_network_status_handler(api: Api) -> Result<()> {
        super::callbacks::global::RELAY_STATUS.install(api)
    }
}

only_on! {
    "steam", "Callback_FakeIPResult",
    pub(crate) fn install_fake_ip_result_handler(api: Api) -> Result<()> {
        super::callbacks::global::FAKE_IP_RESULT.install(api)
    }
}

// ---------------------------------------------------------------------------------------------
// Relay network, ping locations and data centres (`ISteamNetworkingUtils`)
// ---------------------------------------------------------------------------------------------

only_on! {
    "steam", "InitRelayNetworkAccess",
    pub(crate) fn init_relay_network_access(api: Api) -> Result<()> {
        // SAFETY: live utils interface; the function takes no other argument.
        unsafe { sys::SteamAPI_ISteamNetworkingUtils_InitRelayNetworkAccess(api.utils()) };
        Ok(())
    }
}

only_on! {
    "steam", "GetRelayNetworkStatus",
    pub(crate) fn relay_network_status_now(api: Api) -> Result<RelayNetworkStatus> {
        let unknown = sys::ESteamNetworkingAvailability::Unknown;
        let mut raw = sys::SteamRelayNetworkStatus_t {
            m_eAvail: unknown,
            m_bPingMeasurementInProgress: 0,
            m_eAvailNetworkConfig: unknown,
            m_eAvailAnyRelay: unknown,
            m_debugMsg: [0; 256],
        };
        // SAFETY: live utils interface; `raw` is a writable struct of the type the function
        // fills. The returned summary is also stored in `raw.m_eAvail`.
        unsafe { sys::SteamAPI_ISteamNetworkingUtils_GetRelayNetworkStatus(api.utils(), &mut raw) };
        Ok(relay_network_status(&raw))
    }
}

only_on! {
    "steam", "GetLocalPingLocation",
    /// This host's ping location and the age of its data in seconds (negative: no data).
    pub(crate) fn local_ping_location(api: Api) -> Result<(PingBlob, f32)> {
        let mut raw = sys::SteamNetworkPingLocation_t { m_data: [0; 512] };
        // SAFETY: live utils interface; `raw` is a writable ping location.
        let age = unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_GetLocalPingLocation(
                api.utils(),
                &mut raw,
            )
        };
        Ok((raw.m_data, age))
    }
}

only_on! {
    "steam", "EstimatePingTimeBetweenTwoLocations",
    /// Milliseconds, or a negative code.
    pub(crate) fn estimate_ping_between(
        api: Api,
        first: &PingBlob,
        second: &PingBlob,
    ) -> Result<c_int> {
        let (first, second) = (
            sys::SteamNetworkPingLocation_t { m_data: *first },
            sys::SteamNetworkPingLocation_t { m_data: *second },
        );
        // SAFETY: live utils interface; both locations are valid, library-made blobs.
        Ok(unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_EstimatePingTimeBetweenTwoLocations(
                api.utils(),
                &first,
                &second,
            )
        })
    }
}

only_on! {
    "steam", "EstimatePingTimeFromLocalHost",
    /// Milliseconds, or a negative code.
    pub(crate) fn estimate_ping_from_local_host(api: Api, remote: &PingBlob) -> Result<c_int> {
        let remote = sys::SteamNetworkPingLocation_t { m_data: *remote };
        // SAFETY: live utils interface; `remote` is a valid, library-made blob.
        Ok(unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_EstimatePingTimeFromLocalHost(
                api.utils(),
                &remote,
            )
        })
    }
}

only_on! {
    "steam", "ConvertPingLocationToString",
    pub(crate) fn ping_location_to_string(api: Api, location: &PingBlob) -> Result<String> {
        let location = sys::SteamNetworkPingLocation_t { m_data: *location };
        let mut buf: [c_char; sys::k_cchMaxSteamNetworkingPingLocationString] =
            [0; sys::k_cchMaxSteamNetworkingPingLocationString];
        // 1024: fits in a C int.
        let capacity = buf.len() as c_int;
        // SAFETY: live utils interface; `location` is a valid blob; `buf` is writable for
        // `capacity` bytes, the size the library documents as always sufficient.
        unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_ConvertPingLocationToString(
                api.utils(),
                &location,
                buf.as_mut_ptr(),
                capacity,
            )
        };
        Ok(string_from_buf(&buf))
    }
}

only_on! {
    "steam", "ParsePingLocationString",
    pub(crate) fn parse_ping_location(api: Api, text: &CStr) -> Result<PingBlob> {
        let mut raw = sys::SteamNetworkPingLocation_t { m_data: [0; 512] };
        // SAFETY: live utils interface; `text` is NUL-terminated and `raw` writable.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_ParsePingLocationString(
                api.utils(),
                text.as_ptr(),
                &mut raw,
            )
        } else Failed)?;
        Ok(raw.m_data)
    }
}

only_on! {
    "steam", "CheckPingDataUpToDate",
    pub(crate) fn check_ping_data_up_to_date(api: Api, max_age_seconds: f32) -> Result<bool> {
        // SAFETY: live utils interface; any age is accepted.
        Ok(unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_CheckPingDataUpToDate(
                api.utils(),
                max_age_seconds,
            )
        })
    }
}

only_on! {
    "steam", "GetPingToDataCenter",
    /// Milliseconds (or a negative code) and the data centre the route enters through.
    pub(crate) fn ping_to_data_center(api: Api, data_center: u32) -> Result<(c_int, u32)> {
        let mut via_relay: sys::SteamNetworkingPOPID = 0;
        // SAFETY: live utils interface; `via_relay` is writable.
        let ms = unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_GetPingToDataCenter(
                api.utils(),
                data_center,
                &mut via_relay,
            )
        };
        Ok((ms, via_relay))
    }
}

only_on! {
    "steam", "GetDirectPingToPOP",
    pub(crate) fn direct_ping_to_pop(api: Api, data_center: u32) -> Result<c_int> {
        // SAFETY: live utils interface; any id is accepted.
        Ok(unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_GetDirectPingToPOP(
                api.utils(),
                data_center,
            )
        })
    }
}

only_on! {
    "steam", "GetPOPCount",
    pub(crate) fn pop_count(api: Api) -> Result<usize> {
        // SAFETY: live utils interface.
        let count = unsafe { sys::SteamAPI_ISteamNetworkingUtils_GetPOPCount(api.utils()) };
        Ok(usize::try_from(count).unwrap_or(0))
    }
}

only_on! {
    "steam", "GetPOPList",
    pub(crate) fn pop_list(api: Api) -> Result<Vec<u32>> {
        let count = pop_count(api)?;
        if count == 0 {
            return Ok(Vec::new());
        }
        let mut ids: Vec<sys::SteamNetworkingPOPID> = vec![0; count];
        // `count` came from a C int, so this never saturates; if it did, the library would
        // just be told of less room than there is.
        let capacity = c_int::try_from(ids.len()).unwrap_or(c_int::MAX);
        // SAFETY: live utils interface; `ids` is initialised and writable for `capacity`
        // entries (capacity <= ids.len()).
        let written = unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_GetPOPList(
                api.utils(),
                ids.as_mut_ptr(),
                capacity,
            )
        };
        // Keep only what the library says it wrote (the configuration may have shrunk since
        // `pop_count`); `truncate` never lengthens.
        ids.truncate(usize::try_from(written).unwrap_or(0));
        Ok(ids)
    }
}

// ---------------------------------------------------------------------------------------------
// FakeIP
// ---------------------------------------------------------------------------------------------

only_on! {
    "steam", "IsFakeIPv4",
    pub(crate) fn is_fake_ipv4(api: Api, ip: u32) -> Result<bool> {
        // SAFETY: live utils interface; any address is accepted (host byte order).
        Ok(unsafe { sys::SteamAPI_ISteamNetworkingUtils_IsFakeIPv4(api.utils(), ip) })
    }
}

only_on! {
    "steam", "GetIPv4FakeIPType",
    pub(crate) fn ipv4_fake_ip_type(api: Api, ip: u32) -> Result<FakeIpType> {
        // SAFETY: as in `is_fake_ipv4`.
        Ok(fake_ip_type(unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_GetIPv4FakeIPType(
                api.utils(),
                ip,
            )
        }))
    }
}

only_on! {
    "steam", "GetRealIdentityForFakeIP",
    pub(crate) fn real_identity_for_fake_ip(
        api: Api,
        fake_ip: SocketAddr,
    ) -> Result<NetworkIdentity> {
        let addr = address_to_raw(fake_ip);
        let mut identity = identity_to_raw(&NetworkIdentity::Invalid)?;
        // SAFETY: live utils interface; `addr` is valid and `identity` writable.
        let (function, result) = c_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_GetRealIdentityForFakeIP(
                api.utils(),
                &addr,
                &mut identity,
            )
        });
        if result == sys::EResult::OK {
            Ok(identity_from_raw(&identity))
        } else {
            // Not `error::check`: here `InvalidParam` means "not a FakeIP", not a bad handle.
            Err(Error::Library { function, result })
        }
    }
}

only_on! {
    "steam", "BeginAsyncRequestFakeIP",
    pub(crate) fn begin_async_request_fake_ip(api: Api, num_ports: c_int) -> Result<()> {
        // SAFETY: live interface.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_BeginAsyncRequestFakeIP(
                api.sockets(),
                num_ports,
            )
        } else Failed)
    }
}

only_on! {
    "steam", "GetFakeIP",
    pub(crate) fn fake_ip(api: Api, first_port: c_int) -> Result<FakeIpResult> {
        let mut raw = std::mem::MaybeUninit::<sys::SteamNetworkingFakeIPResult_t>::zeroed();
        // SAFETY: live interface; `raw` is writable.
        unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetFakeIP(
                api.sockets(),
                first_port,
                raw.as_mut_ptr(),
            )
        };
        // SAFETY: zero-initialised plain data, filled by the library.
        Ok(fake_ip_result(unsafe { raw.assume_init_ref() }))
    }
}

only_on! {
    "steam", "CreateListenSocketP2PFakeIP",
    pub(crate) fn listen_p2p_fake_ip(
        api: Api,
        hub: &Arc<Hub>,
        fake_port: c_int,
        options: &RawOptions,
    ) -> Result<ListenSocketHandle> {
        routes::create_listen_socket(hub, || {
            // SAFETY: live interface; `options` is valid for the call.
            try_call!(unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_CreateListenSocketP2PFakeIP(
                    api.sockets(),
                    fake_port,
                    options.len(),
                    options.as_ptr(),
                )
            } else Failed)
        })
    }
}

only_on! {
    "steam", "GetRemoteFakeIPForConnection",
    pub(crate) fn remote_fake_ip(api: Api, connection: ConnectionHandle) -> Result<SocketAddr> {
        let mut raw = sys::SteamNetworkingIPAddr::default();
        // SAFETY: live interface; `raw` is writable.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetRemoteFakeIPForConnection(
                api.sockets(),
                connection,
                &mut raw,
            )
        })?;
        Ok(address_from_raw(&raw))
    }
}

/// A FakeIP UDP port (`ISteamNetworkingFakeUDPPort`), owned by `FakeUdpPort`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawFakeUdpPort(
    #[cfg_attr(not(feature = "steam"), allow(dead_code))] NonNull<sys::ISteamNetworkingFakeUDPPort>,
);

// SAFETY: the port object is thread-safe like the rest of the library's interfaces (every
// method takes the library's lock).
unsafe impl Send for RawFakeUdpPort {}
// SAFETY: as for `Send`.
unsafe impl Sync for RawFakeUdpPort {}

only_on! {
    "steam", "CreateFakeUDPPort",
    /// A port on FakeIP port index `index` (-1: ephemeral).
    pub(crate) fn create_fake_udp_port(api: Api, index: c_int) -> Result<RawFakeUdpPort> {
        // SAFETY: live interface.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_CreateFakeUDPPort(
                api.sockets(),
                index,
            )
        } else Failed).map(RawFakeUdpPort)
    }
}

only_on! {
    "steam", "ISteamNetworkingFakeUDPPort::SendMessageToFakeIP",
    pub(crate) fn fake_udp_send(
        port: RawFakeUdpPort,
        to: SocketAddr,
        data: &[u8],
        flags: i32,
    ) -> Result<()> {
        let to = address_to_raw(to);
        // SAFETY: live port; `to` and `data` are valid for the call; the size fits in u32 (the
        // caller checked it against the message size limit).
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingFakeUDPPort_SendMessageToFakeIP(
                port.0.as_ptr(),
                &to,
                data.as_ptr().cast(),
                data.len() as u32,
                flags,
            )
        })
    }
}

#[cfg(feature = "steam")]
pub(crate) fn fake_udp_receive<M: MessageSlot>(
    port: RawFakeUdpPort,
    buf: &mut Vec<M>,
    max: usize,
) -> Result<usize> {
    receive_into(buf, max, |out, max| {
        // SAFETY: live port; `out` has room for `max` message pointers.
        c_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingFakeUDPPort_ReceiveMessages(port.0.as_ptr(), out, max)
        })
    })
}

#[cfg(not(feature = "steam"))]
pub(crate) fn fake_udp_receive<M: MessageSlot>(
    port: RawFakeUdpPort,
    buf: &mut Vec<M>,
    max: usize,
) -> Result<usize> {
    // Generic, so not through `only_on!`; no port exists on this backend.
    let _ = (port, buf, max);
    Err(Error::unsupported("ISteamNetworkingFakeUDPPort::ReceiveMessages"))
}

only_on! {
    "steam", "ISteamNetworkingFakeUDPPort::ScheduleCleanup",
    pub(crate) fn fake_udp_schedule_cleanup(port: RawFakeUdpPort, peer: SocketAddr) -> Result<()> {
        let peer = address_to_raw(peer);
        // SAFETY: live port; `peer` is valid for the call.
        unsafe {
            sys::SteamAPI_ISteamNetworkingFakeUDPPort_ScheduleCleanup(
                port.0.as_ptr(),
                &peer,
            )
        };
        Ok(())
    }
}

only_on! {
    "steam", "ISteamNetworkingFakeUDPPort::DestroyFakeUDPPort",
    pub(crate) fn fake_udp_destroy(port: RawFakeUdpPort) -> Result<()> {
        // SAFETY: the caller owns the port and destroys it exactly once.
        unsafe { sys::SteamAPI_ISteamNetworkingFakeUDPPort_DestroyFakeUDPPort(port.0.as_ptr()) };
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Hosted dedicated servers, relay tickets, identity reset
// ---------------------------------------------------------------------------------------------

only_on! {
    "steam", "CreateHostedDedicatedServerListenSocket",
    pub(crate) fn listen_hosted_dedicated_server(
        api: Api,
        hub: &Arc<Hub>,
        virtual_port: i32,
        options: &RawOptions,
    ) -> Result<ListenSocketHandle> {
        routes::create_listen_socket(hub, || {
            // SAFETY: live interface; `options` is valid for the call.
            try_call!(unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_CreateHostedDedicatedServerListenSocket(
                    api.sockets(),
                    virtual_port,
                    options.len(),
                    options.as_ptr(),
                )
            } else Failed)
        })
    }
}

only_on! {
    "steam", "ConnectToHostedDedicatedServer",
    pub(crate) fn connect_to_hosted_dedicated_server(
        api: Api,
        hub: &Arc<Hub>,
        server: &NetworkIdentity,
        virtual_port: i32,
        options: &RawOptions,
    ) -> Result<ConnectionHandle> {
        let server = identity_to_raw(server)?;
        routes::create_connection(hub, || {
            // SAFETY: live interface; `server` and `options` are valid for the call.
            try_call!(unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_ConnectToHostedDedicatedServer(
                    api.sockets(),
                    &server,
                    virtual_port,
                    options.len(),
                    options.as_ptr(),
                )
            } else Failed)
        })
    }
}

only_on! {
    "steam", "GetHostedDedicatedServerPort",
    pub(crate) fn hosted_dedicated_server_port(api: Api) -> Result<u16> {
        // SAFETY: live interface.
        Ok(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerPort(
                api.sockets(),
            )
        })
    }
}

only_on! {
    "steam", "GetHostedDedicatedServerPOPID",
    pub(crate) fn hosted_dedicated_server_pop_id(api: Api) -> Result<u32> {
        // SAFETY: live interface.
        Ok(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerPOPID(
                api.sockets(),
            )
        })
    }
}

#[cfg(feature = "steam")]
fn hosted_address(raw: &sys::SteamDatagramHostedAddress) -> Vec<u8> {
    let len = usize::try_from(raw.m_cbSize).unwrap_or(0).min(raw.m_data.len());
    raw.m_data[..len].iter().map(|&c| c as u8).collect()
}

only_on! {
    "steam", "GetHostedDedicatedServerAddress",
    /// The routing blob.
    pub(crate) fn hosted_dedicated_server_address(api: Api) -> Result<Vec<u8>> {
        let mut raw = std::mem::MaybeUninit::<sys::SteamDatagramHostedAddress>::zeroed();
        // SAFETY: live interface; `raw` is writable.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerAddress(
                api.sockets(),
                raw.as_mut_ptr(),
            )
        })?;
        // SAFETY: zero-initialised plain data, filled by the library.
        Ok(hosted_address(unsafe { raw.assume_init_ref() }))
    }
}

/// A hosted server's login, as the library fills it.
#[derive(Debug)]
pub(crate) struct RawLogin {
    pub(crate) identity: NetworkIdentity,
    pub(crate) routing: Vec<u8>,
    pub(crate) app_id: u32,
    pub(crate) time: u32,
    pub(crate) app_data: Vec<u8>,
    pub(crate) signed_blob: Vec<u8>,
}

only_on! {
    "steam", "GetGameCoordinatorServerLogin",
    pub(crate) fn game_coordinator_server_login(api: Api) -> Result<RawLogin> {
        let mut raw =
            Box::<MaybeUninit<sys::SteamDatagramGameCoordinatorServerLogin>>::new(
                MaybeUninit::zeroed(),
            );
        let mut blob = vec![0u8; 4096];
        let mut blob_len = blob.len() as c_int;
        // SAFETY: live interface; `raw` is writable; `blob` is writable for `blob_len` bytes.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetGameCoordinatorServerLogin(
                api.sockets(),
                raw.as_mut_ptr(),
                &mut blob_len,
                blob.as_mut_ptr().cast(),
            )
        })?;
        blob.truncate(usize::try_from(blob_len).unwrap_or(0));
        // SAFETY: zero-initialised plain data, filled by the library.
        let raw = unsafe { raw.assume_init_ref() };
        let app_data = raw.m_appData;
        let app_len = usize::try_from(raw.m_cbAppData).unwrap_or(0).min(app_data.len());
        Ok(RawLogin {
            identity: identity_from_raw(&raw.m_identity),
            routing: hosted_address(&raw.m_routing),
            app_id: raw.m_nAppID,
            time: raw.m_rtime,
            app_data: app_data[..app_len].iter().map(|&c| c as u8).collect(),
            signed_blob: blob,
        })
    }
}

only_on! {
    "steam", "ReceivedRelayAuthTicket",
    pub(crate) fn received_relay_auth_ticket(api: Api, ticket: &[u8]) -> Result<()> {
        let len = c_int::try_from(ticket.len()).map_err(|_| Error::OutOfRange {
            what: "relay ticket",
            detail: format!("{} bytes; at most {} are accepted", ticket.len(), c_int::MAX),
        })?;
        // SAFETY: live interface; `ticket` is readable for `len` bytes; the parsed-ticket
        // output is optional and not requested (null).
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_ReceivedRelayAuthTicket(
                api.sockets(),
                ticket.as_ptr().cast(),
                len,
                std::ptr::null_mut(),
            )
        } else Failed)
    }
}

only_on! {
    "steam", "FindRelayAuthTicketForServer",
    /// Seconds the cached ticket stays valid (0 or less: none).
    pub(crate) fn find_relay_auth_ticket_for_server(
        api: Api,
        server: &NetworkIdentity,
        virtual_port: i32,
    ) -> Result<c_int> {
        let server = identity_to_raw(server)?;
        // SAFETY: live interface; `server` is valid for the call; the parsed-ticket output is
        // optional and not requested (null).
        Ok(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_FindRelayAuthTicketForServer(
                api.sockets(),
                &server,
                virtual_port,
                std::ptr::null_mut(),
            )
        })
    }
}

only_on! {
    "steam", "ResetIdentity",
    pub(crate) fn reset_identity(api: Api, identity: Option<&NetworkIdentity>) -> Result<()> {
        let identity = optional_identity(identity)?;
        // SAFETY: live interface; the pointer is null or a valid identity for the call.
        unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_ResetIdentity(
                api.sockets(),
                identity_ptr(&identity),
            )
        };
        Ok(())
    }
}
