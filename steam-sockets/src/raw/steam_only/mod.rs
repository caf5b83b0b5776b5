//! Everything only the Steam library has, in one folder: what GameNetworkingSockets lacks.
//! This file: starting Steam, its dispatch, the process-wide handlers and identity reset;
//! `relay.rs`: the relay network, pings and data centres; `fake_ip.rs`: FakeIP;
//! `hosted.rs`: hosted dedicated servers and relay tickets.
//!
//! Each function is written with [`only_on!`]: on the `gns` backend it still exists, with the
//! same signature, and returns `Error::Unsupported` naming the C function (or configuration
//! key) without touching the library, which does not export these functions. The safe layer
//! calls them the same way on both backends.

#![cfg_attr(not(feature = "steam"), allow(unused_imports))]

use std::ffi::CStr;

use steam_sockets_sys as sys;

use super::api::Api;
use super::convert::{identity_ptr, optional_identity};
use super::ffi::string_from_buf;
use super::messages::RawMessages;
use super::only_on;
use crate::error::{Error, Result};
use crate::identity::NetworkIdentity;

pub(crate) mod fake_ip;
pub(crate) mod hosted;
pub(crate) mod relay;

/// Whose dispatch `run_callbacks` runs first: Steam's, when this crate initialised Steam.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SteamDispatch {
    /// `SteamAPI_RunCallbacks`.
    Client,
    /// `SteamGameServer_RunCallbacks`.
    GameServer,
}

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
    "steam", "SteamAPI_SteamNetworkingMessages_SteamAPI",
    /// The client's or game server's messages interface, or `None` if it is not initialised.
    pub(crate) fn steam_messages(game_server: bool) -> Result<Option<RawMessages>> {
        let interface = if game_server {
            // SAFETY: the accessor only looks up the interface; null if not initialised.
            unsafe { sys::SteamAPI_SteamGameServerNetworkingMessages_SteamAPI_v002() }
        } else {
            // SAFETY: as above.
            unsafe { sys::SteamAPI_SteamNetworkingMessages_SteamAPI_v002() }
        };
        Ok(RawMessages::new(interface))
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
