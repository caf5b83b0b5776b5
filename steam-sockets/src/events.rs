//! Events: the library's callbacks, turned into values on a channel.
//!
//! The library calls plain function pointers with no context argument. The trampolines here
//! find the owning [`Sockets`](crate::Sockets) through a routing table keyed by handle (handles
//! are unique across interfaces), copy the callback data into an owned [`Event`] and send it.
//! They never run user code, and never let a panic cross the `extern "C"` boundary.

use std::sync::{Mutex, PoisonError};

use steam_sockets_sys as sys;

use crate::connection::{ConnectionId, ConnectionInfo, ConnectionState, IncomingConnection};
use crate::error::{Error, Result};
use crate::ffi::{no_unwind, string_from_buf};
use crate::sockets::Api;
use crate::steam_only::FakeIpResult;

/// Something the library reported.
#[non_exhaustive]
#[derive(Debug)]
pub enum Event {
    /// A host asks to connect on one of this handle's listen sockets: accept or reject it.
    /// (This is the connection's first status change, from `None` to `Connecting`; it is not
    /// also delivered as [`Event::ConnectionStatus`].)
    Incoming(IncomingConnection),
    /// A connection's state changed.
    ConnectionStatus(ConnectionStatusChanged),
    /// This host's authentication status changed (Steam only; GNS never reports it).
    AuthenticationStatus(ServiceStatus),
    /// Access to the Steam Datagram Relay network changed (Steam only).
    RelayNetworkStatus(RelayNetworkStatus),
    /// A FakeIP request finished (Steam only; see
    /// [`Sockets::begin_async_request_fake_ip`](crate::Sockets::begin_async_request_fake_ip)).
    FakeIpResult(FakeIpResult),
}

/// A connection moved from `old_state` to `info.state`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionStatusChanged {
    /// The connection.
    pub connection: ConnectionId,
    /// The state before.
    pub old_state: ConnectionState,
    /// Everything about the connection now: new state, end reason and text, remote identity
    /// and address, listen socket.
    pub info: ConnectionInfo,
}

/// Availability of a service, as `ESteamNetworkingAvailability`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Availability {
    /// A dependency is missing; the service cannot be tried.
    CannotTry,
    /// Tried long enough and never succeeded.
    Failed,
    /// Worked before, failing now.
    Previously,
    /// Failed, retrying.
    Retrying,
    /// Never tried.
    NeverTried,
    /// Waiting for a dependency.
    Waiting,
    /// Trying now.
    Attempting,
    /// Available.
    Current,
    /// Not applicable.
    Unknown,
    /// A value this crate does not know.
    Other(i32),
}

impl Availability {
    pub(crate) fn from_raw(raw: sys::ESteamNetworkingAvailability) -> Availability {
        use sys::ESteamNetworkingAvailability as A;
        match raw {
            A::CannotTry => Availability::CannotTry,
            A::Failed => Availability::Failed,
            A::Previously => Availability::Previously,
            A::Retrying => Availability::Retrying,
            A::NeverTried => Availability::NeverTried,
            A::Waiting => Availability::Waiting,
            A::Attempting => Availability::Attempting,
            A::Current => Availability::Current,
            A::Unknown => Availability::Unknown,
            other => Availability::Other(other.0),
        }
    }
}

/// A service's availability and the library's explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStatus {
    /// Availability.
    pub availability: Availability,
    /// English explanation, for diagnostics.
    pub message: String,
}

/// Status of the Steam Datagram Relay network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayNetworkStatus {
    /// Summary.
    pub availability: Availability,
    /// Whether ping measurement is in progress.
    pub ping_measurement_in_progress: bool,
    /// Network configuration download.
    pub network_config: Availability,
    /// Reachability of any relay.
    pub any_relay: Availability,
    /// English explanation, for diagnostics.
    pub message: String,
}

/// Serialises dispatch, so that events reach the channels in the order the library queued them.
static DISPATCH: Mutex<()> = Mutex::new(());

pub(crate) fn run_callbacks(api: Api) {
    let _dispatch = DISPATCH.lock().unwrap_or_else(PoisonError::into_inner);
    // SAFETY: live interface. The callbacks it invokes are this module's trampolines, which
    // take no lock that a caller of the library could hold while calling into it.
    unsafe { sys::SteamAPI_ISteamNetworkingSockets_RunCallbacks(api.sockets()) }
}

/// Installs the trampolines as global callbacks. Idempotent; done by every `Sockets`
/// constructor, before the `Sockets` can create any object.
pub(crate) fn install_callbacks(api: Api) -> Result<()> {
    type Key = sys::ESteamNetworkingConfigValue;
    let set = |key: Key, f: *mut std::ffi::c_void| {
        // SAFETY: live interface; `f` is a function of the signature the key expects.
        unsafe { sys::SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValuePtr(api.utils(), key, f) }
    };
    let status: unsafe extern "C" fn(*mut sys::SteamNetConnectionStatusChangedCallback_t) =
        on_connection_status;
    if !set(Key::Callback_ConnectionStatusChanged, status as *mut _) {
        return Err(Error::Failed { function: "SetGlobalConfigValuePtr(ConnectionStatusChanged)" });
    }
    // GNS has no authentication or relay service; it may refuse these, and never calls them.
    let auth: unsafe extern "C" fn(*mut sys::SteamNetAuthenticationStatus_t) = on_auth_status;
    let relay: unsafe extern "C" fn(*mut sys::SteamRelayNetworkStatus_t) = on_relay_status;
    set(Key::Callback_AuthStatusChanged, auth as *mut _);
    set(Key::Callback_RelayNetworkStatusChanged, relay as *mut _);
    #[cfg(feature = "steam")]
    // SAFETY: live interface; the trampoline has the signature FakeIP results need. (GNS does
    // not export this setter.)
    unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_SetGlobalCallback_FakeIPResult(
            api.utils(),
            Some(on_fake_ip_result),
        );
    }
    Ok(())
}

unsafe extern "C" fn on_connection_status(
    raw: *mut sys::SteamNetConnectionStatusChangedCallback_t,
) {
    // SAFETY: the library passes a valid struct for the duration of the call (or null, which
    // `as_ref` turns into `None`).
    let Some(raw) = (unsafe { raw.as_ref() }) else { return };
    no_unwind((), || {
        let (handle, info, old) = (raw.m_hConn, raw.m_info, raw.m_eOldState);
        let Some(hub) = routes::hub_for(handle, info.m_hListenSocket) else { return };
        let info = ConnectionInfo::from_raw(&info);
        let old_state = ConnectionState::from_raw(old);
        let event = if info.listen_socket.is_some()
            && old_state == ConnectionState::None
            && info.state == ConnectionState::Connecting
        {
            Event::Incoming(IncomingConnection::new(hub.api, handle, info))
        } else {
            Event::ConnectionStatus(ConnectionStatusChanged {
                connection: ConnectionId(handle),
                old_state,
                info,
            })
        };
        // The hub holds its own receiver, so the channel is open while `hub` lives.
        let _ = hub.events_tx.send(event);
    });
}

unsafe extern "C" fn on_auth_status(raw: *mut sys::SteamNetAuthenticationStatus_t) {
    // SAFETY: as in `on_connection_status`.
    let Some(raw) = (unsafe { raw.as_ref() }) else { return };
    no_unwind((), || {
        let message = raw.m_debugMsg;
        let status = ServiceStatus {
            availability: Availability::from_raw(raw.m_eAvail),
            message: string_from_buf(&message),
        };
        routes::broadcast(|| Event::AuthenticationStatus(status.clone()));
    });
}

unsafe extern "C" fn on_relay_status(raw: *mut sys::SteamRelayNetworkStatus_t) {
    // SAFETY: as in `on_connection_status`.
    let Some(raw) = (unsafe { raw.as_ref() }) else { return };
    no_unwind((), || {
        let status = RelayNetworkStatus::from_raw(raw);
        routes::broadcast(|| Event::RelayNetworkStatus(status.clone()));
    });
}

#[cfg(feature = "steam")]
unsafe extern "C" fn on_fake_ip_result(raw: *mut sys::SteamNetworkingFakeIPResult_t) {
    // SAFETY: as in `on_connection_status`.
    let Some(raw) = (unsafe { raw.as_ref() }) else { return };
    no_unwind((), || {
        let result = FakeIpResult::from_raw(raw);
        routes::broadcast(|| Event::FakeIpResult(result.clone()));
    });
}

/// Which [`Sockets`](crate::Sockets) owns which handle.
pub(crate) mod routes {
    use std::collections::HashMap;
    use std::sync::{Arc, PoisonError, RwLock, Weak};

    use steam_sockets_sys as sys;

    use super::Event;
    use crate::sockets::Inner;

    #[derive(Default)]
    struct Routes {
        listen_sockets: HashMap<sys::HSteamListenSocket, Weak<Inner>>,
        connections: HashMap<sys::HSteamNetConnection, Weak<Inner>>,
        hubs: Vec<Weak<Inner>>,
    }

    static ROUTES: RwLock<Option<Routes>> = RwLock::new(None);

    fn write<R>(f: impl FnOnce(&mut Routes) -> R) -> R {
        let mut routes = ROUTES.write().unwrap_or_else(PoisonError::into_inner);
        f(routes.get_or_insert_with(Routes::default))
    }

    fn read<R>(f: impl FnOnce(&Routes) -> R) -> Option<R> {
        let routes = ROUTES.read().unwrap_or_else(PoisonError::into_inner);
        routes.as_ref().map(f)
    }

    pub(crate) fn register_hub(hub: &Arc<Inner>) {
        write(|r| {
            r.hubs.retain(|h| h.strong_count() > 0);
            r.hubs.push(Arc::downgrade(hub));
        });
    }

    /// Creates a listen socket with the table locked, so that no callback for it can be
    /// dispatched before its route exists.
    pub(crate) fn create_listen_socket(
        hub: &Arc<Inner>,
        create: impl FnOnce() -> sys::HSteamListenSocket,
    ) -> sys::HSteamListenSocket {
        write(|r| {
            let handle = create();
            if handle != sys::k_HSteamListenSocket_Invalid {
                r.listen_sockets.insert(handle, Arc::downgrade(hub));
            }
            handle
        })
    }

    /// Creates an outbound connection with the table locked (see `create_listen_socket`).
    pub(crate) fn create_connection(
        hub: &Arc<Inner>,
        create: impl FnOnce() -> sys::HSteamNetConnection,
    ) -> sys::HSteamNetConnection {
        write(|r| {
            let handle = create();
            if handle != sys::k_HSteamNetConnection_Invalid {
                r.connections.insert(handle, Arc::downgrade(hub));
            }
            handle
        })
    }

    /// Creates both ends of a socket pair with the table locked (see `create_listen_socket`).
    pub(crate) fn create_connection_pair(
        hub: &Arc<Inner>,
        create: impl FnOnce() -> (sys::HSteamNetConnection, sys::HSteamNetConnection),
    ) {
        write(|r| {
            let (one, two) = create();
            for handle in [one, two] {
                if handle != sys::k_HSteamNetConnection_Invalid {
                    r.connections.insert(handle, Arc::downgrade(hub));
                }
            }
        })
    }

    pub(crate) fn forget_connection(handle: sys::HSteamNetConnection) {
        write(|r| r.connections.remove(&handle));
    }

    pub(crate) fn forget_listen_socket(handle: sys::HSteamListenSocket) {
        write(|r| r.listen_sockets.remove(&handle));
    }

    /// The owner of a connection: through its listen socket if it arrived on one, else by its
    /// own handle.
    pub(crate) fn hub_for(
        connection: sys::HSteamNetConnection,
        listen_socket: sys::HSteamListenSocket,
    ) -> Option<Arc<Inner>> {
        read(|r| {
            let route = if listen_socket != sys::k_HSteamListenSocket_Invalid {
                r.listen_sockets.get(&listen_socket)
            } else {
                r.connections.get(&connection)
            };
            route.and_then(Weak::upgrade)
        })
        .flatten()
    }

    /// Sends an event to every live hub.
    pub(crate) fn broadcast(event: impl Fn() -> Event) {
        let hubs: Vec<Arc<Inner>> =
            read(|r| r.hubs.iter().filter_map(Weak::upgrade).collect()).unwrap_or_default();
        for hub in hubs {
            let _ = hub.events_tx.send(event());
        }
    }
}
