//! FakeIP (Steam only).

#![cfg_attr(not(feature = "steam"), allow(unused_imports))]

use std::ffi::c_int;
use std::net::SocketAddr;
use std::ptr::NonNull;
use std::sync::Arc;

use steam_sockets_sys as sys;

use crate::error::{Error, Result};
use crate::identity::NetworkIdentity;
use crate::raw::api::Api;
use crate::raw::convert::{
    address_from_raw, address_to_raw, fake_ip_result, fake_ip_type, identity_from_raw,
    identity_to_raw,
};
use crate::raw::message::{MessageSlot, receive_into};
use crate::raw::routes::{self, Hub};
use crate::raw::types::{ConnectionHandle, ListenSocketHandle};
use crate::raw::utils::RawOptions;
use crate::raw::{c_call, only_on, try_call};
use crate::status::{FakeIpResult, FakeIpType};

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
