//! `ISteamNetworkingSockets`, the interface itself: starting a library and finding its
//! interfaces, creating listen sockets, connections, socket pairs and poll groups, this host's
//! identity and certificates, dispatching callbacks, and custom P2P signaling. (Calls on one
//! object are in that object's module; Steam-only ones in `steam_only/`.)

use std::ffi::c_int;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use steam_sockets_sys as sys;

use super::api::Api;
use super::convert::{
    address_to_raw, authentication_status as authentication_status_from_raw, availability,
    identity_from_raw, identity_to_raw,
};
use super::ffi::string_from_buf;
use super::messages::RawMessages;
use super::routes::{self, Hub};
use super::signaling::{self, SignalSink};
use super::steam_only::{self, SteamDispatch};
use super::types::{ConnectionHandle, ListenSocketHandle, PollGroupHandle};
use super::utils::{self, RawOptions};
use super::{callbacks, only_on, try_call};
use crate::error::{Error, Result};
use crate::identity::NetworkIdentity;
use crate::status::{Availability, ServiceStatus};

only_on! {
    "gns", "GameNetworkingSockets_Init",
    /// Starts GameNetworkingSockets (once per process, with `identity` if given) and returns
    /// its interfaces.
    pub(crate) fn init_gns(identity: Option<&NetworkIdentity>) -> Result<Api> {
        static INITIALISED: Mutex<bool> = Mutex::new(false);
        use super::convert::{identity_ptr, optional_identity};

        let identity = optional_identity(identity)?;
        let mut initialised = INITIALISED.lock().unwrap_or_else(PoisonError::into_inner);
        if !*initialised {
            let mut err: sys::SteamNetworkingErrMsg = [0; sys::k_cchMaxSteamNetworkingErrMsg];
            // SAFETY: the identity pointer is null or points to a valid identity; `err` is
            // writable. The `INITIALISED` lock serialises initialisation.
            let ok = unsafe { sys::GameNetworkingSockets_Init(identity_ptr(&identity), &mut err) };
            if !ok {
                return Err(Error::GnsInit { message: string_from_buf(&err) });
            }
            *initialised = true;
        }
        drop(initialised);
        // SAFETY: the library is initialised; the accessor has no preconditions then.
        let sockets = unsafe { sys::SteamAPI_SteamNetworkingSockets_v009() };
        // SAFETY: as above.
        let utils = unsafe { sys::SteamAPI_SteamNetworkingUtils_v003() };
        Api::new(sockets, utils)
            .ok_or(Error::GnsInit { message: "the library returned no interface".into() })
    }
}

only_on! {
    "gns", "SteamAPI_SteamNetworkingMessages_v002",
    /// GameNetworkingSockets' messages interface.
    pub(crate) fn gns_messages() -> Result<Option<RawMessages>> {
        // SAFETY: the library is initialised (there is an `Api`); the accessor has no
        // preconditions then.
        Ok(RawMessages::new(unsafe { sys::SteamAPI_SteamNetworkingMessages_v002() }))
    }
}

/// This host's identity as the library sees it, or `None` when it does not know it yet.
pub(crate) fn identity(api: Api) -> Result<NetworkIdentity> {
    let mut raw = identity_to_raw(&NetworkIdentity::Invalid)?;
    // SAFETY: live interface; `raw` is writable.
    try_call!(unsafe {
        sys::SteamAPI_ISteamNetworkingSockets_GetIdentity(
            api.sockets(),
            &mut raw,
        )
    } else Failed)?;
    Ok(identity_from_raw(&raw))
}

/// Serialises dispatch, so that events reach the channels in the order the library queued them.
static DISPATCH: Mutex<()> = Mutex::new(());

/// Runs Steam's own dispatch (when this crate owns it), then the interface's queued callbacks,
/// which are [`callbacks`]' functions.
pub(crate) fn run_callbacks(api: Api, steam_dispatch: Option<SteamDispatch>) {
    let _dispatch = DISPATCH.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(dispatch) = steam_dispatch {
        // Only Steam builds make a `SteamDispatch`; GNS has no such function to run.
        let _ = steam_only::run_steam_dispatch(dispatch);
    }
    // SAFETY: live interface. The callbacks it invokes are this crate's, which take no lock
    // that a caller of the library could hold while calling into it.
    unsafe { sys::SteamAPI_ISteamNetworkingSockets_RunCallbacks(api.sockets()) }
    callbacks::drained();
}

// ---------------------------------------------------------------------------------------------
// Creating objects. Each C call runs with the routing table locked (see `routes`), and every
// object gets the connection-status handler as a creation option (`RawOptions`).
// ---------------------------------------------------------------------------------------------

pub(crate) fn listen_ip(
    api: Api,
    hub: &Arc<Hub>,
    addr: SocketAddr,
    options: &RawOptions,
) -> Result<ListenSocketHandle> {
    let addr = address_to_raw(addr);
    routes::create_listen_socket(hub, || {
        // SAFETY: live interface; `addr` and `options` are valid for the call.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_CreateListenSocketIP(
                api.sockets(),
                &addr,
                options.len(),
                options.as_ptr(),
            )
        } else Failed)
    })
}

pub(crate) fn connect_ip(
    api: Api,
    hub: &Arc<Hub>,
    addr: SocketAddr,
    options: &RawOptions,
) -> Result<ConnectionHandle> {
    let addr = address_to_raw(addr);
    routes::create_connection(hub, || {
        // SAFETY: live interface; `addr` and `options` are valid for the call.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_ConnectByIPAddress(
                api.sockets(),
                &addr,
                options.len(),
                options.as_ptr(),
            )
        } else Failed)
    })
}

pub(crate) fn listen_p2p(
    api: Api,
    hub: &Arc<Hub>,
    virtual_port: i32,
    options: &RawOptions,
) -> Result<ListenSocketHandle> {
    routes::create_listen_socket(hub, || {
        // SAFETY: live interface; `options` is valid for the call.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_CreateListenSocketP2P(
                api.sockets(),
                virtual_port,
                options.len(),
                options.as_ptr(),
            )
        } else Failed)
    })
}

pub(crate) fn connect_p2p(
    api: Api,
    hub: &Arc<Hub>,
    peer: &NetworkIdentity,
    virtual_port: i32,
    options: &RawOptions,
) -> Result<ConnectionHandle> {
    let peer = identity_to_raw(peer)?;
    routes::create_connection(hub, || {
        // SAFETY: live interface; `peer` and `options` are valid for the call.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_ConnectP2P(
                api.sockets(),
                &peer,
                virtual_port,
                options.len(),
                options.as_ptr(),
            )
        } else Failed)
    })
}

/// Connects to `peer` with a signaling object that hands every signal to `sink`.
pub(crate) fn connect_p2p_custom_signaling(
    api: Api,
    hub: &Arc<Hub>,
    peer: &NetworkIdentity,
    virtual_port: i32,
    options: &RawOptions,
    sink: SignalSink,
) -> Result<ConnectionHandle> {
    let peer = identity_to_raw(peer)?;
    // Made after everything that can fail, so an error cannot leak it.
    let signaling = signaling::new(sink)?;
    routes::create_connection(hub, || {
        // SAFETY: live interface; `signaling` is a valid signaling object whose ownership
        // passes to the library (it releases it, even on failure); `peer` and `options` are
        // valid for the call.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_ConnectP2PCustomSignaling(
                api.sockets(),
                signaling,
                &peer,
                virtual_port,
                options.len(),
                options.as_ptr(),
            )
        } else Failed)
    })
}

/// Hands the library a peer's signal; replies and rejections go to `sink`.
pub(crate) fn received_p2p_custom_signal(api: Api, data: &[u8], sink: SignalSink) -> Result<()> {
    let len = c_int::try_from(data.len()).map_err(|_| Error::OutOfRange {
        what: "signal",
        detail: format!("{} bytes; at most {} are accepted", data.len(), c_int::MAX),
    })?;
    signaling::with_recv_context(sink, |context| {
        // SAFETY: live interface; `data` is readable for `len` bytes; `context` is a valid
        // receive context for the duration of the call, which the library does not keep.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_ReceivedP2PCustomSignal(
                api.sockets(),
                data.as_ptr().cast(),
                len,
                context,
            )
        } else Failed)
    })?
}

/// Two connected ends; the C call takes each end's *remote* identity.
pub(crate) fn create_socket_pair(
    api: Api,
    hub: &Arc<Hub>,
    loopback: bool,
    identities: Option<(&NetworkIdentity, &NetworkIdentity)>,
) -> Result<[ConnectionHandle; 2]> {
    let identities = identities
        .map(|(a, b)| Ok::<_, Error>((identity_to_raw(a)?, identity_to_raw(b)?)))
        .transpose()?;
    // Each end's remote identity is the other end's own: swap.
    let (first_peer, second_peer) = match &identities {
        Some((one, two)) => (std::ptr::from_ref(two), std::ptr::from_ref(one)),
        None => (std::ptr::null(), std::ptr::null()),
    };
    let (mut one, mut two) = (0, 0);
    routes::create_connections(hub, || {
        // SAFETY: live interface; the out-pointers are writable; the identity pointers are
        // null or valid for the call.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_CreateSocketPair(
                api.sockets(),
                &mut one,
                &mut two,
                loopback,
                first_peer,
                second_peer,
            )
        } else Failed)
        .map(|()| [one, two])
    })?;
    // The call takes no creation options: the handler is attached right after, so the ends'
    // first change (to connected, during the call) goes wherever the library's global
    // handler sends it; the later ones come here.
    for handle in [one, two] {
        if !utils::set_connection_status_callback(
            api,
            handle,
            callbacks::connection_status_callback(),
        ) {
            return Err(Error::Failed {
                function: "SetConfigValue(Callback_ConnectionStatusChanged)",
            });
        }
    }
    Ok([one, two])
}

pub(crate) fn create_poll_group(api: Api) -> Result<PollGroupHandle> {
    // SAFETY: live interface.
    try_call!(unsafe {
        sys::SteamAPI_ISteamNetworkingSockets_CreatePollGroup(
            api.sockets(),
        )
    } else Failed)
}

// ---------------------------------------------------------------------------------------------
// Authentication and certificates
// ---------------------------------------------------------------------------------------------

pub(crate) fn init_authentication(api: Api) -> Availability {
    // SAFETY: live interface.
    availability(unsafe { sys::SteamAPI_ISteamNetworkingSockets_InitAuthentication(api.sockets()) })
}

pub(crate) fn authentication_status(api: Api) -> ServiceStatus {
    let mut raw = std::mem::MaybeUninit::<sys::SteamNetAuthenticationStatus_t>::zeroed();
    // SAFETY: live interface; `raw` is writable. The availability returned is also stored in
    // the struct.
    unsafe {
        sys::SteamAPI_ISteamNetworkingSockets_GetAuthenticationStatus(
            api.sockets(),
            raw.as_mut_ptr(),
        )
    };
    // SAFETY: zero-initialised plain data, filled by the library.
    authentication_status_from_raw(unsafe { raw.assume_init_ref() })
}

pub(crate) fn certificate_request(api: Api) -> Result<Vec<u8>> {
    let mut blob = vec![0u8; 4096];
    let mut len = blob.len() as c_int;
    let mut err: sys::SteamNetworkingErrMsg = [0; sys::k_cchMaxSteamNetworkingErrMsg];
    // SAFETY: live interface; `blob` is writable for `len` bytes; `err` is writable.
    let ok = unsafe {
        sys::SteamAPI_ISteamNetworkingSockets_GetCertificateRequest(
            api.sockets(),
            &mut len,
            blob.as_mut_ptr().cast(),
            &mut err,
        )
    };
    if !ok {
        return Err(Error::Certificate { message: string_from_buf(&err) });
    }
    blob.truncate(usize::try_from(len).unwrap_or(0));
    Ok(blob)
}

pub(crate) fn set_certificate(api: Api, certificate: &[u8]) -> Result<()> {
    let len = c_int::try_from(certificate.len()).map_err(|_| Error::Certificate {
        message: format!("certificate of {} bytes", certificate.len()),
    })?;
    let mut err: sys::SteamNetworkingErrMsg = [0; sys::k_cchMaxSteamNetworkingErrMsg];
    // SAFETY: live interface; `certificate` is readable for `len` bytes; `err` is writable.
    let ok = unsafe {
        sys::SteamAPI_ISteamNetworkingSockets_SetCertificate(
            api.sockets(),
            certificate.as_ptr().cast(),
            len,
            &mut err,
        )
    };
    if ok { Ok(()) } else { Err(Error::Certificate { message: string_from_buf(&err) }) }
}
