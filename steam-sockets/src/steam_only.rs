//! Features that need Steam's backend: FakeIP, Valve-hosted dedicated servers, relay tickets and
//! the game-coordinator login. Every method exists on both backends; on GameNetworkingSockets
//! (which does not export these functions) it returns [`Error::Unsupported`] without touching
//! the library.

#![cfg_attr(not(feature = "steam"), allow(unused_variables, unused_imports))]

use std::ffi::c_int;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use steam_sockets_sys as sys;

use crate::ResultCode;
use crate::address;
use crate::config::ConfigValue;
use crate::connection::Connection;
use crate::error::{Error, Result, check};
use crate::identity::NetworkIdentity;
use crate::message::{MAX_MESSAGE_SIZE, Message, SendFlags, receive_into};
use crate::socket::ListenSocket;
use crate::sockets::Sockets;
use crate::utils::PopId;

/// Runs `$body` on the Steam backend; on GNS returns `Error::Unsupported` naming `$function`.
macro_rules! steam_only {
    ($function:literal, $body:block) => {{
        #[cfg(feature = "steam")]
        let result = $body;
        #[cfg(not(feature = "steam"))]
        let result = Err(Error::unsupported($function));
        result
    }};
}

/// The outcome of a FakeIP request ([`Sockets::begin_async_request_fake_ip`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeIpResult {
    /// Whether the request succeeded (`OK`), or why not.
    pub result: ResultCode,
    /// The identity the addresses belong to.
    pub identity: NetworkIdentity,
    /// The fake IPv4 address.
    pub ip: Ipv4Addr,
    /// The fake ports, one per requested port (zeros omitted).
    pub ports: Vec<u16>,
}

impl FakeIpResult {
    #[cfg_attr(not(feature = "steam"), allow(dead_code))]
    pub(crate) fn from_raw(raw: &sys::SteamNetworkingFakeIPResult_t) -> FakeIpResult {
        let (identity, ports) = (raw.m_identity, raw.m_unPorts);
        FakeIpResult {
            result: raw.m_eResult,
            identity: NetworkIdentity::from_raw(&identity),
            ip: Ipv4Addr::from(raw.m_unIP),
            ports: ports.into_iter().filter(|&p| p != 0).collect(),
        }
    }
}

/// A hosted dedicated server's routing blob (`SteamDatagramHostedAddress`): opaque bytes to pass
/// to clients through the game's backend.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct HostedAddress(pub Vec<u8>);

impl fmt::Debug for HostedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostedAddress({} bytes)", self.0.len())
    }
}

/// A hosted server's signed login for the game's own backend ("game coordinator").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GameCoordinatorLogin {
    /// The server's identity.
    pub identity: NetworkIdentity,
    /// Its routing blob.
    pub routing: HostedAddress,
    /// The app id it believes it runs.
    pub app_id: u32,
    /// Unix time the login was made.
    pub time: u32,
    /// Application data attached to the login.
    pub app_data: Vec<u8>,
    /// The signed blob to send to the backend, which verifies it with Valve's public key.
    pub signed_blob: Vec<u8>,
}

impl Sockets {
    /// Starts asking Steam for a FakeIP (a globally unique IPv4 address and `num_ports` ports
    /// that peers can use as if they were real). The outcome arrives as
    /// [`Event::FakeIpResult`](crate::Event::FakeIpResult) once
    /// [`GlobalEvents::FAKE_IP_RESULT`](crate::GlobalEvents::FAKE_IP_RESULT) is enabled
    /// ([`enable_global_events`](Sockets::enable_global_events)); enable it first.
    ///
    /// # Errors
    /// [`Error::Failed`] if a request is already in progress; [`Error::Unsupported`] on GNS.
    pub fn begin_async_request_fake_ip(&self, num_ports: u8) -> Result<()> {
        steam_only!("BeginAsyncRequestFakeIP", {
            // SAFETY: live interface.
            let started = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_BeginAsyncRequestFakeIP(
                    self.api().sockets(),
                    c_int::from(num_ports),
                )
            };
            if started {
                Ok(())
            } else {
                Err(Error::Failed { function: "BeginAsyncRequestFakeIP" })
            }
        })
    }

    /// The FakeIP this host was assigned, starting at port index `first_port`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on GNS. A pending or failed request is reported in
    /// [`FakeIpResult::result`].
    pub fn fake_ip(&self, first_port: u8) -> Result<FakeIpResult> {
        steam_only!("GetFakeIP", {
            let mut raw = std::mem::MaybeUninit::<sys::SteamNetworkingFakeIPResult_t>::zeroed();
            // SAFETY: live interface; `raw` is writable.
            unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_GetFakeIP(
                    self.api().sockets(),
                    c_int::from(first_port),
                    raw.as_mut_ptr(),
                );
            }
            // SAFETY: zero-initialised plain data, filled by the library.
            Ok(FakeIpResult::from_raw(unsafe { raw.assume_init_ref() }))
        })
    }

    /// Listens for P2P connections addressed to this host's FakeIP port `fake_port`.
    ///
    /// # Errors
    /// [`Error::Failed`] if the library refuses; [`Error::Unsupported`] on GNS.
    pub fn listen_p2p_fake_ip(
        &self,
        fake_port: u8,
        options: &[ConfigValue],
    ) -> Result<ListenSocket> {
        steam_only!("CreateListenSocketP2PFakeIP", {
            self.new_listen_socket("CreateListenSocketP2PFakeIP", options, |api, options| {
                // SAFETY: live interface; `options` is valid for the call.
                unsafe {
                    sys::SteamAPI_ISteamNetworkingSockets_CreateListenSocketP2PFakeIP(
                        api.sockets(),
                        c_int::from(fake_port),
                        options.len(),
                        options.as_ptr(),
                    )
                }
            })
        })
    }

    /// Creates a UDP-style port on this host's FakeIP port `fake_port` (`None`: an ephemeral
    /// port for outbound traffic), for games that exchange datagrams rather than connections.
    ///
    /// # Errors
    /// [`Error::Failed`] if the library refuses; [`Error::Unsupported`] on GNS.
    pub fn create_fake_udp_port(&self, fake_port: Option<u8>) -> Result<FakeUdpPort> {
        steam_only!("CreateFakeUDPPort", {
            let index = fake_port.map_or(-1, c_int::from);
            // SAFETY: live interface.
            let raw = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_CreateFakeUDPPort(self.api().sockets(), index)
            };
            std::ptr::NonNull::new(raw)
                .map(|raw| FakeUdpPort { raw })
                .ok_or(Error::Failed { function: "CreateFakeUDPPort" })
        })
    }

    /// Listens on a virtual port of a Valve-hosted dedicated server (a game server running in
    /// Valve's data centers and reached through the relay network).
    ///
    /// # Errors
    /// [`Error::Failed`] if the library refuses (not running as a hosted server);
    /// [`Error::Unsupported`] on GNS.
    pub fn listen_hosted_dedicated_server(
        &self,
        virtual_port: i32,
        options: &[ConfigValue],
    ) -> Result<ListenSocket> {
        steam_only!("CreateHostedDedicatedServerListenSocket", {
            self.new_listen_socket("CreateHostedDedicatedServerListenSocket", options, |api, options| {
                // SAFETY: live interface; `options` is valid for the call.
                unsafe {
                    sys::SteamAPI_ISteamNetworkingSockets_CreateHostedDedicatedServerListenSocket(
                        api.sockets(),
                        virtual_port,
                        options.len(),
                        options.as_ptr(),
                    )
                }
            })
        })
    }

    /// Connects to a Valve-hosted dedicated server by identity and virtual port, using a relay
    /// ticket obtained from the game's backend (see
    /// [`received_relay_auth_ticket`](Sockets::received_relay_auth_ticket)).
    ///
    /// # Errors
    /// [`Error::Failed`] if the library refuses; [`Error::Unsupported`] on GNS.
    pub fn connect_to_hosted_dedicated_server(
        &self,
        server: &NetworkIdentity,
        virtual_port: i32,
        options: &[ConfigValue],
    ) -> Result<Connection> {
        steam_only!("ConnectToHostedDedicatedServer", {
            let server = server.to_raw()?;
            self.new_connection("ConnectToHostedDedicatedServer", options, |api, options| {
                // SAFETY: live interface; `server` and `options` are valid for the call.
                unsafe {
                    sys::SteamAPI_ISteamNetworkingSockets_ConnectToHostedDedicatedServer(
                        api.sockets(),
                        &server,
                        virtual_port,
                        options.len(),
                        options.as_ptr(),
                    )
                }
            })
        })
    }

    /// The local port a hosted dedicated server should bind, or `None` when not running in a
    /// hosted environment.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on GNS.
    pub fn hosted_dedicated_server_port(&self) -> Result<Option<u16>> {
        steam_only!("GetHostedDedicatedServerPort", {
            // SAFETY: live interface.
            let port = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerPort(
                    self.api().sockets(),
                )
            };
            Ok((port != 0).then_some(port))
        })
    }

    /// The data center a hosted dedicated server runs in (a POP id), or `None` when not hosted.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on GNS.
    pub fn hosted_dedicated_server_pop_id(&self) -> Result<Option<PopId>> {
        steam_only!("GetHostedDedicatedServerPOPID", {
            // SAFETY: live interface.
            let pop = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerPOPID(
                    self.api().sockets(),
                )
            };
            Ok((pop != 0).then_some(PopId(pop)))
        })
    }

    /// A hosted dedicated server's routing blob, for clients to connect through the relays.
    ///
    /// # Errors
    /// [`Error::Library`] with the library's result (for example when not hosted or not yet
    /// ready); [`Error::Unsupported`] on GNS.
    pub fn hosted_dedicated_server_address(&self) -> Result<HostedAddress> {
        steam_only!("GetHostedDedicatedServerAddress", {
            let mut raw = std::mem::MaybeUninit::<sys::SteamDatagramHostedAddress>::zeroed();
            // SAFETY: live interface; `raw` is writable.
            let result = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_GetHostedDedicatedServerAddress(
                    self.api().sockets(),
                    raw.as_mut_ptr(),
                )
            };
            check("GetHostedDedicatedServerAddress", result)?;
            // SAFETY: zero-initialised plain data, filled by the library.
            Ok(hosted_address(unsafe { raw.assume_init_ref() }))
        })
    }

    /// A hosted server's login for the game's backend, signed by Steam.
    ///
    /// # Errors
    /// [`Error::Library`] with the library's result (not hosted, not logged in, ...);
    /// [`Error::Unsupported`] on GNS.
    pub fn game_coordinator_server_login(&self) -> Result<GameCoordinatorLogin> {
        steam_only!("GetGameCoordinatorServerLogin", {
            let mut raw = Box::new(std::mem::MaybeUninit::<
                sys::SteamDatagramGameCoordinatorServerLogin,
            >::zeroed());
            let mut blob = vec![0u8; 4096];
            let mut blob_len = blob.len() as c_int;
            // SAFETY: live interface; `raw` is writable; `blob` is writable for `blob_len` bytes.
            let result = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_GetGameCoordinatorServerLogin(
                    self.api().sockets(),
                    raw.as_mut_ptr(),
                    &mut blob_len,
                    blob.as_mut_ptr().cast(),
                )
            };
            check("GetGameCoordinatorServerLogin", result)?;
            blob.truncate(usize::try_from(blob_len).unwrap_or(0));
            // SAFETY: zero-initialised plain data, filled by the library.
            let raw = unsafe { raw.assume_init_ref() };
            let app_data = raw.m_appData;
            let app_len = usize::try_from(raw.m_cbAppData).unwrap_or(0).min(app_data.len());
            Ok(GameCoordinatorLogin {
                identity: NetworkIdentity::from_raw(&raw.m_identity),
                routing: hosted_address(&raw.m_routing),
                app_id: raw.m_nAppID,
                time: raw.m_rtime,
                app_data: app_data[..app_len].iter().map(|&c| c as u8).collect(),
                signed_blob: blob,
            })
        })
    }

    /// Stores a relay ticket the game's backend issued for connecting to a hosted server.
    ///
    /// # Errors
    /// [`Error::Failed`] if the ticket is invalid; [`Error::Unsupported`] on GNS.
    pub fn received_relay_auth_ticket(&self, ticket: &[u8]) -> Result<()> {
        steam_only!("ReceivedRelayAuthTicket", {
            let len = c_int::try_from(ticket.len())
                .map_err(|_| Error::InvalidArgument(format!("ticket of {} bytes", ticket.len())))?;
            // SAFETY: live interface; `ticket` is readable for `len` bytes; the parsed-ticket
            // output is optional and not requested (null).
            let ok = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_ReceivedRelayAuthTicket(
                    self.api().sockets(),
                    ticket.as_ptr().cast(),
                    len,
                    std::ptr::null_mut(),
                )
            };
            if ok { Ok(()) } else { Err(Error::Failed { function: "ReceivedRelayAuthTicket" }) }
        })
    }

    /// How long the cached relay ticket for `server`'s virtual port stays valid, or `None` if
    /// there is none.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an identity that cannot be represented;
    /// [`Error::Unsupported`] on GNS.
    pub fn find_relay_auth_ticket_for_server(
        &self,
        server: &NetworkIdentity,
        virtual_port: i32,
    ) -> Result<Option<Duration>> {
        steam_only!("FindRelayAuthTicketForServer", {
            let server = server.to_raw()?;
            // SAFETY: live interface; `server` is valid for the call; the parsed-ticket output
            // is optional and not requested (null).
            let seconds = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_FindRelayAuthTicketForServer(
                    self.api().sockets(),
                    &server,
                    virtual_port,
                    std::ptr::null_mut(),
                )
            };
            Ok(u64::try_from(seconds).ok().filter(|&s| s > 0).map(Duration::from_secs))
        })
    }
}

#[cfg(feature = "steam")]
fn hosted_address(raw: &sys::SteamDatagramHostedAddress) -> HostedAddress {
    let len = usize::try_from(raw.m_cbSize).unwrap_or(0).min(raw.m_data.len());
    HostedAddress(raw.m_data[..len].iter().map(|&c| c as u8).collect())
}

impl Connection {
    /// The FakeIP the peer of this connection uses, if it connected through FakeIP.
    ///
    /// # Errors
    /// [`Error::Library`] (`IPNotFound`) if it did not; [`Error::Unsupported`] on GNS.
    pub fn remote_fake_ip(&self) -> Result<SocketAddr> {
        steam_only!("GetRemoteFakeIPForConnection", {
            let mut raw = sys::SteamNetworkingIPAddr::default();
            // SAFETY: live interface; `raw` is writable.
            let result = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_GetRemoteFakeIPForConnection(
                    self.api.sockets(),
                    self.handle,
                    &mut raw,
                )
            };
            check("GetRemoteFakeIPForConnection", result)?;
            Ok(address::from_raw(&raw))
        })
    }
}

/// A UDP-style port on this host's FakeIP (Steam only): send datagrams to FakeIP addresses and
/// receive them, without connections. Destroyed when dropped.
pub struct FakeUdpPort {
    // Only the Steam backend can create one; GNS builds never construct this type.
    #[cfg_attr(not(feature = "steam"), allow(dead_code))]
    raw: std::ptr::NonNull<sys::ISteamNetworkingFakeUDPPort>,
}

// SAFETY: the port object is thread-safe like the rest of the library's interfaces, and is
// owned by exactly one `FakeUdpPort`.
unsafe impl Send for FakeUdpPort {}
// SAFETY: as for `Send`: every method takes the library's lock.
unsafe impl Sync for FakeUdpPort {}

impl FakeUdpPort {
    /// Sends a datagram to a FakeIP address.
    ///
    /// # Errors
    /// [`Error::MessageTooLarge`] above [`MAX_MESSAGE_SIZE`]; [`Error::Unsupported`] on GNS;
    /// otherwise the library's result.
    pub fn send_to(&self, to: SocketAddr, data: &[u8], flags: SendFlags) -> Result<()> {
        if data.len() > MAX_MESSAGE_SIZE {
            return Err(Error::MessageTooLarge { size: data.len(), max: MAX_MESSAGE_SIZE });
        }
        steam_only!("ISteamNetworkingFakeUDPPort::SendMessageToFakeIP", {
            let to = address::to_raw(to);
            // SAFETY: live port; `to` and `data` are valid for the call; the size fits in u32.
            let result = unsafe {
                sys::SteamAPI_ISteamNetworkingFakeUDPPort_SendMessageToFakeIP(
                    self.raw.as_ptr(),
                    &to,
                    data.as_ptr().cast(),
                    data.len() as u32,
                    flags.bits(),
                )
            };
            check("SendMessageToFakeIP", result)
        })
    }

    /// Appends up to `max` received datagrams to `buf` and returns how many.
    ///
    /// Each datagram's sender (its FakeIP) is [`Message::peer`]: answer it with
    /// [`send_to`](FakeUdpPort::send_to).
    ///
    /// # Errors
    /// [`Error::Unsupported`] on GNS.
    // On GNS the body ignores `buf`; the signature is the same on both backends.
    #[cfg_attr(not(feature = "steam"), allow(clippy::ptr_arg))]
    pub fn receive(&self, buf: &mut Vec<Message>, max: usize) -> Result<usize> {
        steam_only!("ISteamNetworkingFakeUDPPort::ReceiveMessages", {
            receive_into("ISteamNetworkingFakeUDPPort::ReceiveMessages", buf, max, |out, max| {
                // SAFETY: live port; `out` has room for `max` message pointers.
                unsafe {
                    sys::SteamAPI_ISteamNetworkingFakeUDPPort_ReceiveMessages(
                        self.raw.as_ptr(),
                        out,
                        max,
                    )
                }
            })
        })
    }

    /// Lets the library forget the state it keeps for traffic with `peer` once it is idle.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on GNS.
    pub fn schedule_cleanup(&self, peer: SocketAddr) -> Result<()> {
        steam_only!("ISteamNetworkingFakeUDPPort::ScheduleCleanup", {
            let peer = address::to_raw(peer);
            // SAFETY: live port; `peer` is valid for the call.
            unsafe {
                sys::SteamAPI_ISteamNetworkingFakeUDPPort_ScheduleCleanup(self.raw.as_ptr(), &peer)
            };
            Ok(())
        })
    }
}

impl fmt::Debug for FakeUdpPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeUdpPort").finish_non_exhaustive()
    }
}

impl Drop for FakeUdpPort {
    fn drop(&mut self) {
        #[cfg(feature = "steam")]
        // SAFETY: this `FakeUdpPort` owns the port and destroys it exactly once.
        unsafe {
            sys::SteamAPI_ISteamNetworkingFakeUDPPort_DestroyFakeUDPPort(self.raw.as_ptr())
        };
    }
}
