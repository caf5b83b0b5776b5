//! The raw side's listen socket, poll group and clients, accepted through the status
//! callback, and the callback itself.

use std::ffi::c_void;
use std::sync::{Mutex, PoisonError};

use steam_sockets_sys as sys;

use super::{Api, close, run_callbacks};
use crate::os::free_loopback_port;
use crate::storm::Dispatch;
use crate::workload::{Result, wait_until};

/// A connection status change: handle, listen socket, new state.
type StatusEvent =
    (sys::HSteamNetConnection, sys::HSteamListenSocket, sys::ESteamNetworkingConnectionState);

/// Status changes queued by `on_status` (called from `RunCallbacks` on this thread).
static EVENTS: Mutex<Vec<StatusEvent>> = Mutex::new(Vec::new());

unsafe extern "C" fn on_status(info: *mut sys::SteamNetConnectionStatusChangedCallback_t) {
    // SAFETY: the library passes a valid callback struct for the duration of the call.
    let info = unsafe { &*info };
    // Copy out of the packed struct before use.
    let (conn, listen, state) = (info.m_hConn, info.m_info.m_hListenSocket, info.m_info.m_eState);
    EVENTS.lock().unwrap_or_else(PoisonError::into_inner).push((conn, listen, state));
}

/// Takes the queued status changes; a closed connection is an error in a benchmark.
pub(super) fn take_events() -> Result<Vec<StatusEvent>> {
    let events = std::mem::take(&mut *EVENTS.lock().unwrap_or_else(PoisonError::into_inner));
    for &(conn, _, state) in &events {
        if state == sys::ESteamNetworkingConnectionState::ClosedByPeer
            || state == sys::ESteamNetworkingConnectionState::ProblemDetectedLocally
        {
            return Err(format!("connection {conn} closed unexpectedly ({state})").into());
        }
    }
    Ok(events)
}

/// A listen socket, a poll group with the accepted connections, and the clients.
pub(super) struct PollSetup {
    api: Api,
    listen: sys::HSteamListenSocket,
    pub(super) group: sys::HSteamNetPollGroup,
    pub(super) clients: Vec<sys::HSteamNetConnection>,
    accepted: Vec<sys::HSteamNetConnection>,
}

impl PollSetup {
    pub(super) fn connect(api: Api, clients: usize, dispatch: &mut Dispatch) -> Result<PollSetup> {
        let status: unsafe extern "C" fn(*mut sys::SteamNetConnectionStatusChangedCallback_t) =
            on_status;
        // SAFETY: live interface; the function has the signature this key expects.
        if !unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValuePtr(
                api.utils,
                sys::ESteamNetworkingConfigValue::Callback_ConnectionStatusChanged,
                status as *mut c_void,
            )
        } {
            return Err("cannot install the status callback".into());
        }
        let port = free_loopback_port()?;
        let mut addr = sys::SteamNetworkingIPAddr { m_ipv6: [0; 16], m_port: port };
        // IPv4-mapped 127.0.0.1.
        addr.m_ipv6[10] = 0xff;
        addr.m_ipv6[11] = 0xff;
        addr.m_ipv6[12..].copy_from_slice(&[127, 0, 0, 1]);
        // SAFETY: live interface; `addr` is valid for the call; no options.
        let listen = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_CreateListenSocketIP(
                api.sockets,
                &addr,
                0,
                std::ptr::null(),
            )
        };
        if listen == sys::k_HSteamListenSocket_Invalid {
            return Err(format!("cannot listen on 127.0.0.1:{port}").into());
        }
        // SAFETY: live interface.
        let group = unsafe { sys::SteamAPI_ISteamNetworkingSockets_CreatePollGroup(api.sockets) };
        let mut setup = PollSetup { api, listen, group, clients: Vec::new(), accepted: Vec::new() };
        for _ in 0..clients {
            // SAFETY: live interface; `addr` is valid for the call; no options.
            let conn = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_ConnectByIPAddress(
                    api.sockets,
                    &addr,
                    0,
                    std::ptr::null(),
                )
            };
            if conn == sys::k_HSteamNetConnection_Invalid {
                setup.close();
                return Err("ConnectByIPAddress failed".into());
            }
            setup.clients.push(conn);
        }
        let mut connected = 0;
        let result = wait_until("connections", || {
            let events = dispatch.deliver(
                || {
                    run_callbacks(api);
                    take_events()
                },
                |events| events.as_ref().map_or(0, Vec::len),
            );
            for (conn, from_listen, state) in events? {
                if from_listen == listen
                    && state == sys::ESteamNetworkingConnectionState::Connecting
                {
                    // SAFETY: live interface; any handle value is accepted.
                    let accepted = unsafe {
                        sys::SteamAPI_ISteamNetworkingSockets_AcceptConnection(api.sockets, conn)
                    };
                    if accepted != sys::EResult::OK {
                        return Err(format!("AcceptConnection: {accepted}").into());
                    }
                    // SAFETY: live interface; any handle values are accepted.
                    if !unsafe {
                        sys::SteamAPI_ISteamNetworkingSockets_SetConnectionPollGroup(
                            api.sockets,
                            conn,
                            group,
                        )
                    } {
                        return Err("SetConnectionPollGroup failed".into());
                    }
                    setup.accepted.push(conn);
                } else if from_listen != listen
                    && state == sys::ESteamNetworkingConnectionState::Connected
                {
                    connected += 1;
                }
            }
            Ok(connected == clients && setup.accepted.len() == clients)
        });
        if let Err(e) = result {
            setup.close();
            return Err(e);
        }
        Ok(setup)
    }

    pub(super) fn close(&mut self) {
        for conn in self.clients.drain(..).chain(self.accepted.drain(..)) {
            close(self.api, conn);
        }
        // SAFETY: live interface; any handle value is accepted.
        unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_CloseListenSocket(self.api.sockets, self.listen)
        };
        // SAFETY: as above.
        unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_DestroyPollGroup(self.api.sockets, self.group)
        };
    }
}
