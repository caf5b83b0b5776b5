//! The raw side's listen socket, poll group and clients, accepted through the status
//! callback, and the callback itself.

use std::ffi::c_void;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use steam_sockets_sys as sys;

use super::{Api, close, run_callbacks};
use crate::os::free_loopback_port;
use crate::storm::Dispatch;
use crate::workload::{Result, SETUP_LIMIT, wait_for};

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

/// A listen socket, a poll group with the accepted connections, and the clients: in one
/// process (the storms), or one of the two halves of a `poll-N` run: the server (no
/// clients) or the clients' process (no listen socket or poll group, both invalid).
pub(super) struct PollSetup {
    api: Api,
    listen: sys::HSteamListenSocket,
    pub(super) group: sys::HSteamNetPollGroup,
    pub(super) clients: Vec<sys::HSteamNetConnection>,
    accepted: Vec<sys::HSteamNetConnection>,
    /// Where the clients connect: the listen socket's address.
    addr: sys::SteamNetworkingIPAddr,
    /// Clients that reached `Connected`.
    connected: usize,
}

/// IPv4-mapped 127.0.0.1:`port`.
fn loopback(port: u16) -> sys::SteamNetworkingIPAddr {
    let mut addr = sys::SteamNetworkingIPAddr { m_ipv6: [0; 16], m_port: port };
    addr.m_ipv6[10] = 0xff;
    addr.m_ipv6[11] = 0xff;
    addr.m_ipv6[12..].copy_from_slice(&[127, 0, 0, 1]);
    addr
}

impl PollSetup {
    /// Both ends in this process: a listen socket and `clients` clients, all accepted into
    /// the poll group.
    pub(super) fn connect(api: Api, clients: usize, dispatch: &mut Dispatch) -> Result<PollSetup> {
        let mut setup = PollSetup::listen(api)?;
        let result = setup
            .add_clients(clients)
            .and_then(|()| setup.settle(dispatch, clients, SETUP_LIMIT, &mut || Ok(true)));
        if let Err(e) = result {
            setup.close();
            return Err(e);
        }
        Ok(setup)
    }

    /// The server: a listen socket on a free loopback port and an empty poll group.
    pub(super) fn listen(api: Api) -> Result<PollSetup> {
        let mut setup = PollSetup::dial(api, free_loopback_port()?)?;
        // SAFETY: live interface; `addr` is valid for the call; no options.
        setup.listen = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_CreateListenSocketIP(
                api.sockets,
                &setup.addr,
                0,
                std::ptr::null(),
            )
        };
        if setup.listen == sys::k_HSteamListenSocket_Invalid {
            return Err(format!("cannot listen on 127.0.0.1:{}", setup.port()).into());
        }
        // SAFETY: live interface.
        setup.group = unsafe { sys::SteamAPI_ISteamNetworkingSockets_CreatePollGroup(api.sockets) };
        Ok(setup)
    }

    /// The clients' side, with no client yet: they will connect to 127.0.0.1:`port`.
    pub(super) fn dial(api: Api, port: u16) -> Result<PollSetup> {
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
        Ok(PollSetup {
            api,
            listen: sys::k_HSteamListenSocket_Invalid,
            group: sys::k_HSteamNetPollGroup_Invalid,
            clients: Vec::new(),
            accepted: Vec::new(),
            addr: loopback(port),
            connected: 0,
        })
    }

    pub(super) fn port(&self) -> u16 {
        self.addr.m_port
    }

    /// Starts `count` more client connections.
    pub(super) fn add_clients(&mut self, count: usize) -> Result<()> {
        for _ in 0..count {
            // SAFETY: live interface; `addr` is valid for the call; no options.
            let conn = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_ConnectByIPAddress(
                    self.api.sockets,
                    &self.addr,
                    0,
                    std::ptr::null(),
                )
            };
            if conn == sys::k_HSteamNetConnection_Invalid {
                return Err("ConnectByIPAddress failed".into());
            }
            self.clients.push(conn);
        }
        Ok(())
    }

    /// Pumps the status events, accepting incoming connections into the poll group, until
    /// every client is connected, `incoming` connections are accepted and `ready` holds, for
    /// at most `limit`.
    pub(super) fn settle(
        &mut self,
        dispatch: &mut Dispatch,
        incoming: usize,
        limit: Duration,
        ready: &mut dyn FnMut() -> Result<bool>,
    ) -> Result<()> {
        let (api, listen, group) = (self.api, self.listen, self.group);
        wait_for("connections", limit, || {
            let ready = ready()?;
            let events = dispatch.deliver(
                || {
                    run_callbacks(api);
                    take_events()
                },
                |events| events.as_ref().map_or(0, Vec::len),
            );
            for (conn, from_listen, state) in events? {
                if listen != sys::k_HSteamListenSocket_Invalid
                    && from_listen == listen
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
                    self.accepted.push(conn);
                } else if from_listen == sys::k_HSteamListenSocket_Invalid
                    && state == sys::ESteamNetworkingConnectionState::Connected
                {
                    // A client of this process (it has no listen socket).
                    self.connected += 1;
                }
            }
            Ok(ready && self.connected == self.clients.len() && self.accepted.len() == incoming)
        })
    }

    /// Closes everything; a second call does nothing.
    pub(super) fn close(&mut self) {
        for conn in self.clients.drain(..).chain(self.accepted.drain(..)) {
            close(self.api, conn);
        }
        let listen = std::mem::replace(&mut self.listen, sys::k_HSteamListenSocket_Invalid);
        let group = std::mem::replace(&mut self.group, sys::k_HSteamNetPollGroup_Invalid);
        // SAFETY: live interface; any handle value is accepted.
        unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_CloseListenSocket(self.api.sockets, listen)
        };
        // SAFETY: as above.
        unsafe { sys::SteamAPI_ISteamNetworkingSockets_DestroyPollGroup(self.api.sockets, group) };
    }
}

impl Drop for PollSetup {
    fn drop(&mut self) {
        self.close();
    }
}
