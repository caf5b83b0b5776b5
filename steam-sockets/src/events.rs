//! Events: the library's callbacks, turned into values on a channel.
//!
//! The library calls plain function pointers with no context argument. The trampolines here
//! find the owning [`Sockets`](crate::Sockets) through a routing table keyed by handle (handles
//! are unique across interfaces), copy the callback data into an owned [`Event`] and send it.
//! They never run user code, and never let a panic cross the `extern "C"` boundary.

use std::ffi::c_void;
use std::sync::{Mutex, PoisonError};

use steam_sockets_sys as sys;

use crate::connection::{ConnectionId, ConnectionInfo, ConnectionState, IncomingConnection};
#[cfg(not(feature = "steam"))]
use crate::error::Error;
use crate::error::Result;
use crate::ffi::no_unwind;
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

/// Runs `steam_dispatch` (Steam's own, when this crate owns it), then the interface's queued
/// callbacks.
pub(crate) fn run_callbacks(api: Api, steam_dispatch: Option<crate::sockets::SteamDispatch>) {
    let _dispatch = DISPATCH.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(steam_dispatch) = steam_dispatch {
        // SAFETY: Steam is initialised (by this crate, which never shuts it down) and uses
        // its ordinary dispatch: this crate initialised it, not the `steamworks` crate.
        unsafe { steam_dispatch() };
    }
    // SAFETY: live interface. The callbacks it invokes are this module's trampolines, which
    // take no lock that a caller of the library could hold while calling into it.
    unsafe { sys::SteamAPI_ISteamNetworkingSockets_RunCallbacks(api.sockets()) }
}

type ConfigKey = sys::ESteamNetworkingConfigValue;

/// The connection-status trampoline as a creation option. Every listen socket and connection
/// this crate creates carries it, and the connections accepted on a listen socket inherit it,
/// so their events come here and nowhere else, whatever handler other code in the process sets
/// globally; and objects other code creates keep going to that code's handler (or, on Steam,
/// to the Steam callback queue). Valve recommends this over a global handler.
pub(crate) fn status_callback_option() -> sys::SteamNetworkingConfigValue_t {
    sys::SteamNetworkingConfigValue_t {
        m_eValue: ConfigKey::Callback_ConnectionStatusChanged,
        m_eDataType: sys::ESteamNetworkingConfigDataType::Ptr,
        m_val: sys::SteamNetworkingConfigValue_t_Value { m_ptr: status_callback() },
    }
}

fn status_callback() -> *mut c_void {
    let f: unsafe extern "C" fn(*mut sys::SteamNetConnectionStatusChangedCallback_t) =
        on_connection_status;
    f as *mut c_void
}

/// Gives a connection created without creation options (a socket pair's ends) the
/// connection-status trampoline. Whether it worked.
pub(crate) fn attach_status_callback(api: Api, connection: sys::HSteamNetConnection) -> bool {
    let callback = status_callback();
    // SAFETY: live interface; a `Ptr` value is read through a pointer to the pointer, and the
    // function has the signature the key expects.
    unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_SetConfigValue(
            api.utils(),
            ConfigKey::Callback_ConnectionStatusChanged,
            sys::ESteamNetworkingConfigScope::Connection,
            connection as isize,
            sys::ESteamNetworkingConfigDataType::Ptr,
            (&raw const callback).cast(),
        )
    }
}

bitflags::bitflags! {
    /// Events that the library reports only through process-wide handlers, which
    /// [`Sockets::enable_global_events`](crate::Sockets::enable_global_events) installs.
    ///
    /// Enabling one costs other users of the library in this process nothing when they use
    /// function pointers too: the handler that was installed before is called with every event
    /// as well. It does cost code that relies on the Steam callback queue, such as the
    /// `steamworks` crate: the library posts an event either to a handler or to the queue,
    /// never both, so once enabled that event no longer reaches the queue (for the `steamworks`
    /// crate 0.13: relay status, whose `relay_network_status_callback` stops firing; it exposes
    /// no callback for the other two). Connection status needs no such handler: it is set on
    /// each object (see [`Event`]).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct GlobalEvents: u32 {
        /// [`Event::AuthenticationStatus`] (Steam only).
        const AUTHENTICATION_STATUS = 1;
        /// [`Event::RelayNetworkStatus`] (Steam only).
        const RELAY_NETWORK_STATUS = 1 << 1;
        /// [`Event::FakeIpResult`] (Steam only).
        const FAKE_IP_RESULT = 1 << 2;
    }
}

/// Installs the handlers of `events` (see [`GlobalEvents`]).
pub(crate) fn enable_global_events(api: Api, events: GlobalEvents) -> Result<()> {
    #[cfg(feature = "steam")]
    return global::enable(api, events);
    #[cfg(not(feature = "steam"))]
    {
        // GameNetworkingSockets has no relay network and no FakeIP, does not report its
        // authentication status, and refuses those handlers.
        let _ = api;
        let keys = [
            (GlobalEvents::AUTHENTICATION_STATUS, "Callback_AuthStatusChanged"),
            (GlobalEvents::RELAY_NETWORK_STATUS, "Callback_RelayNetworkStatusChanged"),
            (GlobalEvents::FAKE_IP_RESULT, "Callback_FakeIPResult"),
        ];
        match keys.iter().find(|(flag, _)| events.intersects(*flag)) {
            Some((_, key)) => Err(Error::unsupported(key)),
            None => Ok(()),
        }
    }
}

/// The process-wide handlers and their trampolines (Steam: GameNetworkingSockets has none of
/// these events).
#[cfg(feature = "steam")]
mod global {
    use std::ffi::c_void;
    use std::ptr::{NonNull, null_mut};
    use std::sync::atomic::{AtomicPtr, Ordering};
    use std::sync::{Mutex, PoisonError};

    use steam_sockets_sys as sys;

    use super::{
        Availability, ConfigKey, Event, FakeIpResult, GlobalEvents, RelayNetworkStatus,
        ServiceStatus, routes,
    };
    use crate::error::{Error, Result};
    use crate::ffi::{no_unwind, string_from_buf};
    use crate::sockets::Api;

    /// Installs the handlers of `events`.
    pub(super) fn enable(api: Api, events: GlobalEvents) -> Result<()> {
        let handlers = [
            (GlobalEvents::AUTHENTICATION_STATUS, &AUTH_STATUS),
            (GlobalEvents::RELAY_NETWORK_STATUS, &RELAY_STATUS),
            (GlobalEvents::FAKE_IP_RESULT, &FAKE_IP_RESULT),
        ];
        for (flag, handler) in handlers {
            if events.contains(flag) {
                handler.install(api)?;
            }
        }
        Ok(())
    }

    /// One process-wide handler: ours, once installed, and the one it replaced.
    struct GlobalHandler {
        key: ConfigKey,
        ours: fn() -> *mut c_void,
        /// The handler in effect before ours (null: none), also called with every event.
        previous: AtomicPtr<c_void>,
        installed: Mutex<bool>,
    }

    impl GlobalHandler {
        const fn new(key: ConfigKey, ours: fn() -> *mut c_void) -> GlobalHandler {
            GlobalHandler {
                key,
                ours,
                previous: AtomicPtr::new(null_mut()),
                installed: Mutex::new(false),
            }
        }

        /// Installs ours (once per process), keeping the handler it replaces.
        fn install(&self, api: Api) -> Result<()> {
            let mut installed = self.installed.lock().unwrap_or_else(PoisonError::into_inner);
            if *installed {
                return Ok(());
            }
            let failed = || Error::Failed { function: "SetGlobalConfigValuePtr" };
            let mut previous = null_mut::<c_void>();
            let (mut data_type, mut size) =
                (sys::ESteamNetworkingConfigDataType::Ptr, std::mem::size_of::<*mut c_void>());
            // SAFETY: live interface; the outputs are writable, and `size` is their size.
            let read = unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_GetConfigValue(
                    api.utils(),
                    self.key,
                    sys::ESteamNetworkingConfigScope::Global,
                    0,
                    &mut data_type,
                    (&raw mut previous).cast(),
                    &mut size,
                )
            };
            let read_ok = matches!(
                read,
                sys::ESteamNetworkingGetConfigValueResult::OK
                    | sys::ESteamNetworkingGetConfigValueResult::OKInherited
            );
            if !read_ok || data_type != sys::ESteamNetworkingConfigDataType::Ptr {
                return Err(failed());
            }
            self.previous.store(previous, Ordering::Release);
            // SAFETY: live interface; our function has the signature the key expects.
            if !unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValuePtr(
                    api.utils(),
                    self.key,
                    (self.ours)(),
                )
            } {
                return Err(failed());
            }
            *installed = true;
            Ok(())
        }

        /// The handler ours replaced, if any and if it is not ours.
        fn previous(&self) -> Option<NonNull<c_void>> {
            NonNull::new(self.previous.load(Ordering::Acquire))
                .filter(|p| p.as_ptr() != (self.ours)())
        }
    }

    static AUTH_STATUS: GlobalHandler =
        GlobalHandler::new(ConfigKey::Callback_AuthStatusChanged, || {
            let f: unsafe extern "C" fn(*mut sys::SteamNetAuthenticationStatus_t) = on_auth_status;
            f as *mut c_void
        });

    static RELAY_STATUS: GlobalHandler =
        GlobalHandler::new(ConfigKey::Callback_RelayNetworkStatusChanged, || {
            let f: unsafe extern "C" fn(*mut sys::SteamRelayNetworkStatus_t) = on_relay_status;
            f as *mut c_void
        });

    static FAKE_IP_RESULT: GlobalHandler =
        GlobalHandler::new(ConfigKey::Callback_FakeIPResult, || {
            let f: unsafe extern "C" fn(*mut sys::SteamNetworkingFakeIPResult_t) =
                on_fake_ip_result;
            f as *mut c_void
        });

    /// Calls the handler `handler` replaced with the same event.
    ///
    /// # Safety
    /// `T` is the callback struct of `handler`'s key, and `raw` what the library passed.
    unsafe fn chain<T>(handler: &GlobalHandler, raw: *mut T) {
        if let Some(previous) = handler.previous() {
            // SAFETY: the library held this pointer as the handler of this key, so it is a
            // function taking this key's callback struct (the caller's contract).
            let previous: unsafe extern "C" fn(*mut T) = unsafe { std::mem::transmute(previous) };
            // SAFETY: `raw` is what the library passed to us, valid for this call.
            unsafe { previous(raw) };
        }
    }

    /// Hands a process-wide event to the handler `handler` replaced, then, as `event` of it,
    /// to every `Sockets`.
    ///
    /// # Safety
    /// `raw` is what the library passed for `handler`'s key: null, or its struct, valid for
    /// the call.
    unsafe fn deliver<T>(handler: &GlobalHandler, raw: *mut T, event: impl Fn(&T) -> Event) {
        // SAFETY: the caller's contract.
        unsafe { chain(handler, raw) };
        // SAFETY: null, which `as_ref` turns into `None`, or valid for the call.
        let Some(raw) = (unsafe { raw.as_ref() }) else { return };
        no_unwind((), || routes::broadcast(|| event(raw)));
    }

    unsafe extern "C" fn on_auth_status(raw: *mut sys::SteamNetAuthenticationStatus_t) {
        // SAFETY: the library passes this key's struct, or null.
        unsafe {
            deliver(&AUTH_STATUS, raw, |raw| {
                let message = raw.m_debugMsg;
                Event::AuthenticationStatus(ServiceStatus {
                    availability: Availability::from_raw(raw.m_eAvail),
                    message: string_from_buf(&message),
                })
            })
        }
    }

    unsafe extern "C" fn on_relay_status(raw: *mut sys::SteamRelayNetworkStatus_t) {
        // SAFETY: the library passes this key's struct, or null.
        unsafe {
            deliver(&RELAY_STATUS, raw, |raw| {
                Event::RelayNetworkStatus(RelayNetworkStatus::from_raw(raw))
            })
        }
    }

    unsafe extern "C" fn on_fake_ip_result(raw: *mut sys::SteamNetworkingFakeIPResult_t) {
        // SAFETY: the library passes this key's struct, or null.
        unsafe {
            deliver(&FAKE_IP_RESULT, raw, |raw| Event::FakeIpResult(FakeIpResult::from_raw(raw)))
        }
    }
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

/// Which [`Sockets`](crate::Sockets) owns which handle.
pub(crate) mod routes {
    use std::collections::HashMap;
    use std::sync::{Arc, PoisonError, RwLock, Weak};

    use steam_sockets_sys as sys;

    #[cfg(feature = "steam")]
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
    #[cfg(feature = "steam")]
    pub(crate) fn broadcast(event: impl Fn() -> Event) {
        let hubs: Vec<Arc<Inner>> =
            read(|r| r.hubs.iter().filter_map(Weak::upgrade).collect()).unwrap_or_default();
        for hub in hubs {
            let _ = hub.events_tx.send(event());
        }
    }
}
