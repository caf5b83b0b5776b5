//! Hosted dedicated servers and relay tickets (Steam only).

#![cfg_attr(not(feature = "steam"), allow(unused_imports))]

use std::ffi::c_int;
use std::mem::MaybeUninit;
use std::sync::Arc;

use steam_sockets_sys as sys;

use crate::error::{Error, Result};
use crate::identity::NetworkIdentity;
use crate::raw::api::Api;
use crate::raw::convert::{identity_from_raw, identity_to_raw};
use crate::raw::routes::{self, Hub};
use crate::raw::types::{ConnectionHandle, ListenSocketHandle};
use crate::raw::utils::RawOptions;
use crate::raw::{only_on, try_call};

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
