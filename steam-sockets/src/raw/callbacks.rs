//! The functions the library calls: the connection-status handler every object this crate
//! creates carries, the process-wide handlers (Steam), and the debug output function.
//!
//! The library calls plain function pointers with no context argument. The status handlers
//! find the owning `Sockets` through [`routes`](super::routes) and hand it what was reported;
//! the debug output function hands each message to the sink `debug_output.rs` registers. None
//! of them runs user code, and none lets a panic cross the `extern "C"` boundary.

use std::ffi::{CStr, c_char, c_void};
use std::sync::OnceLock;

use steam_sockets_sys as sys;

use super::convert;
use super::ffi::no_unwind;
use super::routes::{self, Report};

/// The connection-status handler, as the pointer the library stores: every listen socket and
/// connection this crate creates carries it (accepted connections inherit it from their
/// listen socket), so their events come here and nowhere else, whatever handler other code in
/// the process sets globally; and objects other code creates keep going to that code's handler
/// (or, on Steam, to the Steam callback queue). Valve recommends this over a global handler.
pub(crate) fn connection_status_callback() -> *mut c_void {
    let f: unsafe extern "C" fn(*mut sys::SteamNetConnectionStatusChangedCallback_t) =
        on_connection_status;
    f as *mut c_void
}

unsafe extern "C" fn on_connection_status(
    raw: *mut sys::SteamNetConnectionStatusChangedCallback_t,
) {
    // SAFETY: the library passes a valid struct for the duration of the call (or null, which
    // `as_ref` turns into `None`).
    let Some(raw) = (unsafe { raw.as_ref() }) else { return };
    no_unwind((), || {
        let (handle, listen_socket) = (raw.m_hConn, raw.m_info.m_hListenSocket);
        if let Some(hub) = routes::hub_for(handle, listen_socket) {
            hub(Report::ConnectionStatus(raw));
        }
    });
}

/// What the debug output function hands on: the message's `log` level, whether the library
/// reported a bug (a failed assertion, which may be followed by the end of the process), and
/// its text (null from the library becomes `None`). It must not block.
pub(crate) type DebugSink = fn(log::Level, bool, Option<&CStr>);

static DEBUG_SINK: OnceLock<DebugSink> = OnceLock::new();

/// Sets where library messages go; the first sink set stays for the process.
pub(crate) fn set_debug_sink(sink: DebugSink) {
    let _ = DEBUG_SINK.set(sink);
}

/// Called after each drain of the library's callback queue, with the drain's lock still held;
/// `debug_output.rs` reports there what the library said about the queue meanwhile. It must
/// not block or call the library.
pub(crate) type DrainHook = fn();

static DRAIN_HOOK: OnceLock<DrainHook> = OnceLock::new();

/// Sets the function called after each drain; the first one set stays for the process.
pub(crate) fn set_drain_hook(hook: DrainHook) {
    let _ = DRAIN_HOOK.set(hook);
}

/// Runs the drain hook, if one is set.
pub(super) fn drained() {
    if let Some(hook) = DRAIN_HOOK.get() {
        hook();
    }
}

/// The function the library calls with each message (see `utils::set_debug_output_function`).
pub(super) unsafe extern "C" fn on_debug_output(
    kind: sys::ESteamNetworkingSocketsDebugOutputType,
    message: *const c_char,
) {
    no_unwind((), || {
        let Some(sink) = DEBUG_SINK.get() else { return };
        // SAFETY: the library passes null or a NUL-terminated string valid during the call.
        let text = (!message.is_null()).then(|| unsafe { CStr::from_ptr(message) });
        let bug = kind == sys::ESteamNetworkingSocketsDebugOutputType::Bug;
        sink(convert::log_level(kind), bug, text);
    });
}

/// The process-wide handlers and their functions: the messages-session events on both
/// backends; authentication, relay-network and FakeIP results on Steam only (installed
/// through `steam_only/`: GameNetworkingSockets has none of these).
pub(crate) mod global {
    use std::ffi::c_void;
    use std::ptr::{NonNull, null_mut};
    use std::sync::atomic::{AtomicPtr, Ordering};
    use std::sync::{Mutex, PoisonError};

    use steam_sockets_sys as sys;
    use sys::ESteamNetworkingConfigValue as Key;

    use super::super::api::Api;
    use super::super::ffi::no_unwind;
    use super::super::routes::{self, Report};
    use crate::error::{Error, Result};

    /// One process-wide handler: ours, once installed, and the one it replaced.
    pub(in crate::raw) struct GlobalHandler {
        key: Key,
        ours: fn() -> *mut c_void,
        /// The handler in effect before ours (null: none), also called with every event.
        previous: AtomicPtr<c_void>,
        installed: Mutex<bool>,
    }

    impl GlobalHandler {
        const fn new(key: Key, ours: fn() -> *mut c_void) -> GlobalHandler {
            GlobalHandler {
                key,
                ours,
                previous: AtomicPtr::new(null_mut()),
                installed: Mutex::new(false),
            }
        }

        /// Installs ours (once per process), keeping the handler it replaces.
        pub(in crate::raw) fn install(&self, api: Api) -> Result<()> {
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

    #[cfg(feature = "steam")]
    pub(in crate::raw) static AUTH_STATUS: GlobalHandler =
        GlobalHandler::new(Key::Callback_AuthStatusChanged, || {
            let f: unsafe extern "C" fn(*mut sys::SteamNetAuthenticationStatus_t) = on_auth_status;
            f as *mut c_void
        });

    #[cfg(feature = "steam")]
    pub(in crate::raw) static RELAY_STATUS: GlobalHandler =
        GlobalHandler::new(Key::Callback_RelayNetworkStatusChanged, || {
            let f: unsafe extern "C" fn(*mut sys::SteamRelayNetworkStatus_t) = on_relay_status;
            f as *mut c_void
        });

    #[cfg(feature = "steam")]
    pub(in crate::raw) static FAKE_IP_RESULT: GlobalHandler =
        GlobalHandler::new(Key::Callback_FakeIPResult, || {
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

    /// Hands a process-wide event to the handler `handler` replaced, then, as `report` of it,
    /// to every `Sockets`.
    ///
    /// # Safety
    /// `raw` is what the library passed for `handler`'s key: null, or its struct, valid for
    /// the call.
    unsafe fn deliver<T>(
        handler: &GlobalHandler,
        raw: *mut T,
        report: for<'a> fn(&'a T) -> Report<'a>,
    ) {
        // SAFETY: the caller's contract.
        unsafe { chain(handler, raw) };
        // SAFETY: null, which `as_ref` turns into `None`, or valid for the call.
        let Some(raw) = (unsafe { raw.as_ref() }) else { return };
        no_unwind((), || routes::broadcast(report(raw)));
    }

    #[cfg(feature = "steam")]
    unsafe extern "C" fn on_auth_status(raw: *mut sys::SteamNetAuthenticationStatus_t) {
        // SAFETY: the library passes this key's struct, or null.
        unsafe { deliver(&AUTH_STATUS, raw, |raw| Report::AuthenticationStatus(raw)) }
    }

    #[cfg(feature = "steam")]
    unsafe extern "C" fn on_relay_status(raw: *mut sys::SteamRelayNetworkStatus_t) {
        // SAFETY: the library passes this key's struct, or null.
        unsafe { deliver(&RELAY_STATUS, raw, |raw| Report::RelayNetworkStatus(raw)) }
    }

    #[cfg(feature = "steam")]
    unsafe extern "C" fn on_fake_ip_result(raw: *mut sys::SteamNetworkingFakeIPResult_t) {
        // SAFETY: the library passes this key's struct, or null.
        unsafe { deliver(&FAKE_IP_RESULT, raw, |raw| Report::FakeIpResult(raw)) }
    }

    static SESSION_REQUEST: GlobalHandler =
        GlobalHandler::new(Key::Callback_MessagesSessionRequest, || {
            let f: unsafe extern "C" fn(*mut sys::SteamNetworkingMessagesSessionRequest_t) =
                on_session_request;
            f as *mut c_void
        });

    static SESSION_FAILED: GlobalHandler =
        GlobalHandler::new(Key::Callback_MessagesSessionFailed, || {
            let f: unsafe extern "C" fn(*mut sys::SteamNetworkingMessagesSessionFailed_t) =
                on_session_failed;
            f as *mut c_void
        });

    /// Installs the handler of messages-session requests (both backends).
    pub(crate) fn install_session_request_handler(api: Api) -> Result<()> {
        SESSION_REQUEST.install(api)
    }

    /// Installs the handler of failed messages sessions (both backends).
    pub(crate) fn install_session_failed_handler(api: Api) -> Result<()> {
        SESSION_FAILED.install(api)
    }

    unsafe extern "C" fn on_session_request(
        raw: *mut sys::SteamNetworkingMessagesSessionRequest_t,
    ) {
        // SAFETY: the library passes this key's struct, or null.
        unsafe { deliver(&SESSION_REQUEST, raw, |raw| Report::SessionRequest(raw)) }
    }

    unsafe extern "C" fn on_session_failed(raw: *mut sys::SteamNetworkingMessagesSessionFailed_t) {
        // SAFETY: the library passes this key's struct, or null.
        unsafe { deliver(&SESSION_FAILED, raw, |raw| Report::SessionFailed(raw)) }
    }
}

/// Where the signaling objects that the library asks for go (`Callback_CreateConnectionSignaling`):
/// the sink of the application's signaling transport, or `None` when it has none.
static CONNECTION_SIGNALING: std::sync::Mutex<Option<super::signaling::SignalSink>> =
    std::sync::Mutex::new(None);

/// Makes `sink` the process's signaling for P2P connections that the library starts itself
/// (`ConnectP2P`, and requests answered through a listen socket), installing the
/// process-wide factory the first time; `None` stops it (the library then fails such
/// connections at once, as it does without signaling). Another factory installed before is
/// replaced: there is one per process.
pub(crate) fn set_connection_signaling(
    api: super::api::Api,
    sink: Option<super::signaling::SignalSink>,
) -> crate::error::Result<()> {
    let mut current =
        CONNECTION_SIGNALING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if sink.is_some() && current.is_none() {
        let factory: unsafe extern "C" fn(
            *mut sys::ISteamNetworkingSockets,
            *const sys::SteamNetworkingIdentity,
            std::ffi::c_int,
            std::ffi::c_int,
        )
            -> *mut sys::ISteamNetworkingConnectionSignaling = create_connection_signaling;
        // SAFETY: live utils interface; the function has the signature the key expects
        // (`FnSteamNetworkingSocketsCreateConnectionSignaling`) and lives for the process.
        super::try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValuePtr(
                api.utils(),
                sys::ESteamNetworkingConfigValue::Callback_CreateConnectionSignaling,
                factory as *mut c_void,
            )
        } else Failed)?;
    }
    *current = sink;
    Ok(())
}

/// The factory the library calls for a signaling object: one that hands its signals to the
/// current sink, or null (no signaling) when there is none.
unsafe extern "C" fn create_connection_signaling(
    _interface: *mut sys::ISteamNetworkingSockets,
    _peer: *const sys::SteamNetworkingIdentity,
    _local_virtual_port: std::ffi::c_int,
    _remote_virtual_port: std::ffi::c_int,
) -> *mut sys::ISteamNetworkingConnectionSignaling {
    no_unwind(std::ptr::null_mut(), || {
        let current =
            CONNECTION_SIGNALING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match current.as_ref() {
            Some(sink) => {
                super::signaling::new(std::sync::Arc::clone(sink)).unwrap_or(std::ptr::null_mut())
            }
            None => std::ptr::null_mut(),
        }
    })
}
