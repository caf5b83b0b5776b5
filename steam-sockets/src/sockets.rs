//! The entry point: initialising a backend and creating sockets, connections and poll groups.

use std::fmt;
use std::net::Ipv4Addr;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use steam_sockets_sys as sys;

use crate::address::{self, IntoSocketAddr};
use crate::config::{ConfigValue, RawOptions, to_raw_options};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::events::{self, Event, routes};
use crate::identity::NetworkIdentity;
use crate::message::{Outgoing, Timestamp};
use crate::poll_group::PollGroup;
use crate::socket::ListenSocket;

/// The two interface pointers every call needs.
///
/// This crate never shuts a library down (see [`Sockets`]), so once obtained the pointers stay
/// valid for the rest of the process; objects copy them instead of reference-counting a
/// [`Sockets`].
#[derive(Clone, Copy)]
pub(crate) struct Api {
    sockets: NonNull<sys::ISteamNetworkingSockets>,
    utils: NonNull<sys::ISteamNetworkingUtils>,
}

// SAFETY: both libraries document `ISteamNetworkingSockets` and `ISteamNetworkingUtils` as
// thread-safe (every entry point takes the library's own lock), and the pointers stay valid for
// the life of the process (nothing here shuts a library down).
unsafe impl Send for Api {}
// SAFETY: as for `Send`.
unsafe impl Sync for Api {}

impl Api {
    fn new(
        sockets: *mut sys::ISteamNetworkingSockets,
        utils: *mut sys::ISteamNetworkingUtils,
    ) -> Option<Api> {
        Some(Api { sockets: NonNull::new(sockets)?, utils: NonNull::new(utils)? })
    }

    pub(crate) fn sockets(self) -> *mut sys::ISteamNetworkingSockets {
        self.sockets.as_ptr()
    }

    pub(crate) fn utils(self) -> *mut sys::ISteamNetworkingUtils {
        self.utils.as_ptr()
    }
}

/// Which interface a [`Sockets`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InterfaceKind {
    /// The standalone GameNetworkingSockets library.
    Gns,
    /// The Steam client's interface (`SteamNetworkingSockets()`).
    SteamClient,
    /// The Steam game server's interface (`SteamGameServerNetworkingSockets()`).
    SteamGameServer,
}

/// How a Steam game server authenticates players and appears in the server browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerMode {
    /// No authentication, not listed.
    NoAuthentication,
    /// Authenticate players and list the server.
    Authentication,
    /// Authenticate, list and VAC-protect.
    AuthenticationAndSecure,
}

/// Arguments of [`Sockets::init_steam_game_server`] (`SteamGameServer_InitEx`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GameServerConfig {
    /// Address to bind Steam's sockets to; usually [`Ipv4Addr::UNSPECIFIED`].
    pub ip: Ipv4Addr,
    /// Port clients connect to for gameplay.
    pub game_port: u16,
    /// Port for server browser queries (`0xffff`: shared with the game socket).
    pub query_port: u16,
    /// Authentication mode.
    pub mode: ServerMode,
    /// Server version, `x.x.x.x`; the master server hides outdated servers.
    pub version: String,
}

/// A handle to one networking interface, with its own event channel.
///
/// Create one with an `init_*` or `attach_*` function, then create listen sockets, connections
/// and poll groups from it. Clones share the interface and the event channel; `Sockets` is
/// `Send + Sync`.
///
/// # Events
/// The library reports connection changes through callbacks, which run inside
/// [`run_callbacks`](Sockets::run_callbacks) (or a [`CallbackThread`]). They are delivered as
/// [`Event`]s on the channel returned by [`events`](Sockets::events): each listen socket and
/// connection's events go to the `Sockets` that created it. No user code runs inside the
/// library's callbacks.
///
/// # Lifetime of the library
/// `steam-sockets` never shuts a library down: not GameNetworkingSockets (`Kill`), and not a
/// Steam API it initialised. Messages, connections and the library's threads may outlive any one
/// handle, and shutting down underneath them would be undefined behaviour. If your game must
/// call `SteamAPI_Shutdown` before exiting, do it after dropping every `steam-sockets` object.
///
/// # Callbacks
/// Every listen socket and connection this crate creates carries its own connection-status
/// handler (a creation option; accepted connections inherit their listen socket's), as Valve
/// recommends, so other code in the process that sets a global handler, or uses the Steam
/// callback queue, neither takes this crate's events nor loses its own. Process-wide events
/// need global handlers, installed only on request:
/// [`enable_global_events`](Sockets::enable_global_events). A socket pair's ends get their
/// handler just after they are created (the call takes no options): their first change, to
/// connected, goes wherever the library's global handler sends it.
#[derive(Clone)]
pub struct Sockets {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) api: Api,
    kind: InterfaceKind,
    /// Steam's own dispatch, which `run_callbacks` also runs: set when this crate initialised
    /// Steam, and so owns its pumping.
    steam_dispatch: Option<SteamDispatch>,
    pub(crate) events_tx: Sender<Event>,
    events_rx: Receiver<Event>,
}

/// `SteamAPI_RunCallbacks` or `SteamGameServer_RunCallbacks`.
pub(crate) type SteamDispatch = unsafe extern "C" fn();

impl Sockets {
    fn new(api: Api, kind: InterfaceKind, steam_dispatch: Option<SteamDispatch>) -> Sockets {
        let (events_tx, events_rx) = crossbeam_channel::unbounded();
        let inner = Inner { api, kind, steam_dispatch, events_tx, events_rx };
        let sockets = Sockets { inner: Arc::new(inner) };
        routes::register_hub(&sockets.inner);
        sockets
    }

    pub(crate) fn api(&self) -> Api {
        self.inner.api
    }

    /// Initialises the open-source GameNetworkingSockets library (`gns` backend), or attaches
    /// to it if it is already running in this process.
    ///
    /// # Errors
    /// [`Error::GnsInit`] if the library fails to start; [`Error::Unsupported`] on the `steam`
    /// backend.
    pub fn init_gns() -> Result<Sockets> {
        Self::init_gns_inner(None)
    }

    /// Like [`init_gns`](Sockets::init_gns), with the local identity the library should
    /// use (for example a [`NetworkIdentity::GenericString`] naming this host).
    ///
    /// # Errors
    /// As for [`init_gns`](Sockets::init_gns); [`Error::InvalidArgument`] if the identity
    /// cannot be represented, or if the library already runs with another identity.
    pub fn init_gns_with_identity(identity: &NetworkIdentity) -> Result<Sockets> {
        Self::init_gns_inner(Some(identity))
    }

    #[cfg(feature = "gns")]
    fn init_gns_inner(identity: Option<&NetworkIdentity>) -> Result<Sockets> {
        use std::sync::Mutex;

        static INITIALISED: Mutex<bool> = Mutex::new(false);
        let raw_identity = identity.map(NetworkIdentity::to_raw).transpose()?;
        let mut initialised = INITIALISED.lock().unwrap_or_else(|e| e.into_inner());
        if !*initialised {
            let mut err: sys::SteamNetworkingErrMsg = [0; sys::k_cchMaxSteamNetworkingErrMsg];
            let identity_ptr = raw_identity.as_ref().map_or(std::ptr::null(), |r| r as *const _);
            // SAFETY: `identity_ptr` is null or points to a valid identity; `err` is writable.
            // The `INITIALISED` lock serialises initialisation.
            let ok = unsafe { sys::GameNetworkingSockets_Init(identity_ptr, &mut err) };
            if !ok {
                return Err(Error::GnsInit { message: crate::ffi::string_from_buf(&err) });
            }
            *initialised = true;
        }
        drop(initialised);
        // SAFETY: the library is initialised; the accessor has no preconditions then.
        let sockets = unsafe { sys::SteamAPI_SteamNetworkingSockets_v009() };
        // SAFETY: as above.
        let utils = unsafe { sys::SteamAPI_SteamNetworkingUtils_v003() };
        let api = Api::new(sockets, utils);
        let api =
            api.ok_or(Error::GnsInit { message: "the library returned no interface".into() })?;
        let handle = Sockets::new(api, InterfaceKind::Gns, None);
        if let Some(wanted) = identity {
            let current = handle.identity()?;
            if &current != wanted {
                return Err(Error::InvalidArgument(format!(
                    "GameNetworkingSockets already runs with identity {current:?}, not {wanted:?}"
                )));
            }
        }
        Ok(handle)
    }

    #[cfg(not(feature = "gns"))]
    fn init_gns_inner(_identity: Option<&NetworkIdentity>) -> Result<Sockets> {
        Err(Error::unsupported("GameNetworkingSockets_Init"))
    }

    /// Initialises the Steam API in client mode (`SteamAPI_InitFlat`) and returns the client
    /// interface. Needs a running, logged-in Steam client and an app id (`steam_appid.txt` next
    /// to the executable, or the `SteamAppId` environment variable).
    ///
    /// If the game (or the `steamworks` crate) already initialised Steam, use
    /// [`attach_steam_client`](Sockets::attach_steam_client) instead.
    ///
    /// # Errors
    /// [`Error::SteamInit`] with Steam's own message when initialisation fails (for example
    /// when no Steam client is running); [`Error::Unsupported`] on the `gns` backend.
    pub fn init_steam_client() -> Result<Sockets> {
        #[cfg(feature = "steam")]
        {
            let mut err: sys::SteamErrMsg = [0; 1024];
            // SAFETY: `err` is writable; Steam serialises its own initialisation.
            let result = unsafe { sys::SteamAPI_InitFlat(&mut err) };
            if result != sys::ESteamAPIInitResult::OK {
                return Err(Error::SteamInit {
                    code: result.0,
                    message: crate::ffi::string_from_buf(&err),
                });
            }
            Self::steam(InterfaceKind::SteamClient, Some(sys::SteamAPI_RunCallbacks))
        }
        #[cfg(not(feature = "steam"))]
        Err(Error::unsupported("SteamAPI_InitFlat"))
    }

    /// Attaches to a Steam API that the game, or the `steamworks` crate, already initialised,
    /// and returns the client interface.
    ///
    /// # Errors
    /// [`Error::SteamNotInitialized`] if Steam is not initialised; [`Error::Unsupported`] on
    /// the `gns` backend.
    pub fn attach_steam_client() -> Result<Sockets> {
        #[cfg(feature = "steam")]
        return Self::steam(InterfaceKind::SteamClient, None);
        #[cfg(not(feature = "steam"))]
        Err(Error::unsupported("SteamAPI_SteamNetworkingSockets_SteamAPI"))
    }

    /// The `kind` interface (client or game server) of an initialised Steam API; `dispatch`
    /// if this crate pumps Steam.
    #[cfg(feature = "steam")]
    fn steam(kind: InterfaceKind, dispatch: Option<SteamDispatch>) -> Result<Sockets> {
        let (sockets, init) = if kind == InterfaceKind::SteamGameServer {
            // SAFETY: the accessor only looks up the interface; null if the game server is not
            // initialised.
            (
                unsafe { sys::SteamAPI_SteamGameServerNetworkingSockets_SteamAPI_v012() },
                "init_steam_game_server",
            )
        } else {
            // SAFETY: the accessor only looks up the interface; null if Steam is not initialised.
            (unsafe { sys::SteamAPI_SteamNetworkingSockets_SteamAPI_v012() }, "init_steam_client")
        };
        // SAFETY: as above.
        let utils = unsafe { sys::SteamAPI_SteamNetworkingUtils_SteamAPI_v004() };
        let api = Api::new(sockets, utils).ok_or(Error::SteamNotInitialized { init })?;
        Ok(Sockets::new(api, kind, dispatch))
    }

    /// Initialises the Steam game-server API (`SteamGameServer_InitEx`) and returns the game
    /// server's interface (never the client's).
    ///
    /// # Errors
    /// [`Error::SteamInit`] with Steam's message on failure; [`Error::InteriorNul`] if the
    /// version contains NUL; [`Error::Unsupported`] on the `gns` backend.
    pub fn init_steam_game_server(config: &GameServerConfig) -> Result<Sockets> {
        #[cfg(feature = "steam")]
        {
            let version = crate::ffi::c_string("game server version", &config.version)?;
            let mode = match config.mode {
                ServerMode::NoAuthentication => sys::EServerMode::NoAuthentication,
                ServerMode::Authentication => sys::EServerMode::Authentication,
                ServerMode::AuthenticationAndSecure => sys::EServerMode::AuthenticationAndSecure,
            };
            let mut err: sys::SteamErrMsg = [0; 1024];
            // SAFETY: the strings are valid and NUL-terminated (the interface list ends with
            // two NULs, as Steam expects); `err` is writable.
            let result = unsafe {
                sys::SteamInternal_GameServer_Init_V2(
                    u32::from(config.ip),
                    config.game_port,
                    config.query_port,
                    mode,
                    version.as_ptr(),
                    sys::STEAM_GAME_SERVER_INTERFACE_VERSIONS.as_ptr().cast(),
                    &mut err,
                )
            };
            if result != sys::ESteamAPIInitResult::OK {
                return Err(Error::SteamInit {
                    code: result.0,
                    message: crate::ffi::string_from_buf(&err),
                });
            }
            Self::steam(InterfaceKind::SteamGameServer, Some(sys::SteamGameServer_RunCallbacks))
        }
        #[cfg(not(feature = "steam"))]
        {
            let _ = config;
            Err(Error::unsupported("SteamGameServer_InitEx"))
        }
    }

    /// Attaches to an already initialised Steam game server and returns its interface.
    ///
    /// # Errors
    /// [`Error::SteamNotInitialized`] if the game server is not initialised;
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn attach_steam_game_server() -> Result<Sockets> {
        #[cfg(feature = "steam")]
        return Self::steam(InterfaceKind::SteamGameServer, None);
        #[cfg(not(feature = "steam"))]
        Err(Error::unsupported("SteamAPI_SteamGameServerNetworkingSockets_SteamAPI"))
    }

    /// Which interface this handle talks to.
    pub fn kind(&self) -> InterfaceKind {
        self.inner.kind
    }

    /// The channel on which this handle's events arrive. Receivers are cheap to clone; each
    /// event goes to exactly one receiver.
    pub fn events(&self) -> Receiver<Event> {
        self.inner.events_rx.clone()
    }

    /// Starts delivering process-wide `events` (relay network status, authentication status,
    /// FakeIP results) to every `Sockets`' channel, by installing the library's global handlers
    /// for them. Nothing global is installed until something asks: connection status needs no
    /// global handler. Read [`GlobalEvents`](crate::GlobalEvents) for what it costs code beside
    /// this crate that uses the Steam callback queue (the `steamworks` crate). Handlers are
    /// installed once per process, whichever `Sockets` asks; the one each replaces still gets
    /// every event. A handler that other code installs later replaces this crate's in turn.
    ///
    /// ```no_run
    /// # fn main() -> steam_sockets::Result<()> {
    /// use steam_sockets::{GlobalEvents, Sockets};
    /// let sockets = Sockets::init_steam_client()?;
    /// sockets.enable_global_events(GlobalEvents::RELAY_NETWORK_STATUS)?;
    /// sockets.init_relay_network_access()?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend for any event (GameNetworkingSockets has no
    /// relay network and no FakeIP, does not report its authentication status, and refuses
    /// these handlers); [`Error::Failed`] if the library refuses a handler.
    pub fn enable_global_events(&self, events: crate::GlobalEvents) -> Result<()> {
        events::enable_global_events(self.api(), events)
    }

    /// Runs the library's queued callbacks, turning them into [`Event`]s. Call it often (every
    /// frame), or use [`spawn_callback_thread`](Sockets::spawn_callback_thread): GNS complains
    /// when more than 100 callbacks are pending.
    ///
    /// On Steam, when this crate initialised Steam itself
    /// ([`init_steam_client`](Sockets::init_steam_client),
    /// [`init_steam_game_server`](Sockets::init_steam_game_server)), it also runs Steam's own
    /// dispatch first (`SteamAPI_RunCallbacks` or `SteamGameServer_RunCallbacks`), which Steam
    /// needs regularly. After an `attach_*`, whoever initialised Steam pumps it: the
    /// `steamworks` crate uses manual dispatch (its `run_callbacks`), with which
    /// `SteamAPI_RunCallbacks` must never be called, so this crate does not.
    pub fn run_callbacks(&self) {
        events::run_callbacks(self.api(), self.inner.steam_dispatch);
    }

    /// Starts a thread that calls [`run_callbacks`](Sockets::run_callbacks) every `interval`
    /// until the returned guard is dropped.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the operating system cannot start a thread.
    pub fn spawn_callback_thread(&self, interval: Duration) -> Result<CallbackThread> {
        let stop = Arc::new(AtomicBool::new(false));
        let (api, dispatch, thread_stop) =
            (self.api(), self.inner.steam_dispatch, Arc::clone(&stop));
        let thread = std::thread::Builder::new()
            .name("steam-sockets-callbacks".into())
            .spawn(move || {
                while !thread_stop.load(Ordering::Relaxed) {
                    events::run_callbacks(api, dispatch);
                    std::thread::park_timeout(interval);
                }
            })
            .map_err(|e| Error::InvalidArgument(format!("cannot start callback thread: {e}")))?;
        Ok(CallbackThread { stop, thread: Some(thread) })
    }

    /// The library's clock, as used by [`Message::received_at`](crate::Message::received_at).
    pub fn now(&self) -> Timestamp {
        // SAFETY: live interface.
        Timestamp::from_micros(unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_GetLocalTimestamp(self.api().utils())
        })
    }

    /// This host's identity as the library sees it.
    ///
    /// # Errors
    /// [`Error::Failed`] if the identity is not known yet (Steam: not logged in).
    pub fn identity(&self) -> Result<NetworkIdentity> {
        let mut raw = NetworkIdentity::Invalid.to_raw()?;
        // SAFETY: live interface; `raw` is writable.
        let ok = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetIdentity(self.api().sockets(), &mut raw)
        };
        if ok {
            Ok(NetworkIdentity::from_raw(&raw))
        } else {
            Err(Error::Failed { function: "GetIdentity" })
        }
    }

    /// Listens for connections on a local IP address and port. Use `0.0.0.0` (or `[::]`) for
    /// every interface. The port must be given: the library does not pick one.
    ///
    /// ```no_run
    /// # fn main() -> steam_sockets::Result<()> {
    /// let sockets = steam_sockets::Sockets::init_gns()?;
    /// let server = sockets.listen_ip("0.0.0.0:27015", &[])?;
    /// # drop(server); Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::AddrParse`] for a bad address string, [`Error::InvalidArgument`] for port 0
    /// or an out-of-range option, [`Error::Failed`] if the library cannot listen (port in use).
    pub fn listen_ip(
        &self,
        addr: impl IntoSocketAddr,
        options: &[ConfigValue],
    ) -> Result<ListenSocket> {
        let addr = addr.into_socket_addr()?;
        if addr.port() == 0 {
            return Err(Error::InvalidArgument(format!(
                "cannot listen on {addr}: the library needs an explicit port"
            )));
        }
        let addr = address::to_raw(addr);
        self.new_listen_socket("CreateListenSocketIP", options, |api, options| {
            // SAFETY: live interface; `addr` and `options` are valid for the call.
            unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_CreateListenSocketIP(
                    api.sockets(),
                    &addr,
                    options.len(),
                    options.as_ptr(),
                )
            }
        })
    }

    /// Starts connecting to a host by IP address. The connection's progress arrives as
    /// [`Event::ConnectionStatus`] events; messages can be queued right away.
    ///
    /// # Errors
    /// [`Error::AddrParse`] for a bad address string, [`Error::InvalidArgument`] for an
    /// out-of-range option, [`Error::Failed`] if the library refuses.
    pub fn connect_ip(
        &self,
        addr: impl IntoSocketAddr,
        options: &[ConfigValue],
    ) -> Result<Connection> {
        let addr = address::to_raw(addr.into_socket_addr()?);
        self.new_connection("ConnectByIPAddress", options, |api, options| {
            // SAFETY: live interface; `addr` and `options` are valid for the call.
            unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_ConnectByIPAddress(
                    api.sockets(),
                    &addr,
                    options.len(),
                    options.as_ptr(),
                )
            }
        })
    }

    /// Sends a batch of messages, to any connections of this interface and on any lanes, with
    /// one library call per 64 messages. `messages` is any iterator of [`Outgoing`]s (a
    /// `Vec`, an array, a `map` over players). Calls `on_result` once per message, in order,
    /// with the message's index in `messages` and its message number (per lane), or why it was
    /// not sent. A bad message (too large, unknown lane, full send buffer, closed connection) does
    /// not stop the others.
    ///
    /// Nothing is allocated in Rust, and no result is built that `on_result` does not look at:
    /// the cost per message is that of calling the library by hand. Borrowed payloads are
    /// copied once, into library buffers; [`Bytes`](bytes::Bytes) payloads are not copied at
    /// all (see [`Payload`](crate::Payload)).
    ///
    /// ```no_run
    /// # fn demo(sockets: &steam_sockets::Sockets, players: &[steam_sockets::Connection]) {
    /// use bytes::Bytes;
    /// use steam_sockets::{Outgoing, SendFlags};
    /// // One buffer, shared by every message: no copy, no allocation per player.
    /// let snapshot = Bytes::from_static(b"world state");
    /// let batch = players.iter().map(|player| Outgoing {
    ///     connection: player,
    ///     data: (&snapshot).into(),
    ///     flags: SendFlags::UNRELIABLE,
    ///     lane: 0,
    /// });
    /// sockets.send_messages(batch, |index, result| {
    ///     if let Err(e) = result {
    ///         eprintln!("{}: {e}", players[index].id());
    ///     }
    /// });
    ///
    /// // Or from a slice, keeping every result:
    /// let hello = |connection| Outgoing {
    ///     connection,
    ///     data: b"hello".into(),
    ///     flags: SendFlags::RELIABLE,
    ///     lane: 0,
    /// };
    /// let batch: Vec<Outgoing> = players.iter().map(hello).collect();
    /// let mut results = Vec::with_capacity(batch.len());
    /// sockets.send_messages(batch.iter().copied(), |_, result| results.push(result));
    /// # }
    /// ```
    #[inline]
    pub fn send_messages<'a>(
        &self,
        messages: impl IntoIterator<Item = Outgoing<'a>>,
        on_result: impl FnMut(usize, Result<i64>),
    ) {
        crate::message::send_batch(self.api(), messages, on_result);
    }

    /// Creates two connections to each other: over the library's in-process buffers (fast; no
    /// network or encryption), or with `loopback` over real UDP on localhost with the whole
    /// protocol, useful for tests. Both ends are already connected. `identities` gives each
    /// end's own identity, which the other end sees as its remote identity (default:
    /// localhost).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for identities that cannot be represented; [`Error::Failed`]
    /// if the library refuses.
    pub fn create_socket_pair(
        &self,
        loopback: bool,
        identities: Option<(&NetworkIdentity, &NetworkIdentity)>,
    ) -> Result<(Connection, Connection)> {
        let identities =
            identities.map(|(a, b)| Ok::<_, Error>((a.to_raw()?, b.to_raw()?))).transpose()?;
        // The C API takes each connection's *remote* identity, i.e. the other end's own: swap.
        let (first_peer, second_peer) = match &identities {
            Some((one, two)) => (two as *const sys::SteamNetworkingIdentity, one as *const _),
            None => (std::ptr::null(), std::ptr::null()),
        };
        let api = self.api();
        let (mut one, mut two) =
            (sys::k_HSteamNetConnection_Invalid, sys::k_HSteamNetConnection_Invalid);
        routes::create_connection_pair(&self.inner, || {
            // SAFETY: live interface; the out-pointers are writable; the identity pointers are
            // null or valid for the call.
            let ok = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_CreateSocketPair(
                    api.sockets(),
                    &mut one,
                    &mut two,
                    loopback,
                    first_peer,
                    second_peer,
                )
            };
            if ok {
                (one, two)
            } else {
                (sys::k_HSteamNetConnection_Invalid, sys::k_HSteamNetConnection_Invalid)
            }
        });
        if one == sys::k_HSteamNetConnection_Invalid || two == sys::k_HSteamNetConnection_Invalid {
            return Err(Error::Failed { function: "CreateSocketPair" });
        }
        let pair = (Connection::new(api, one), Connection::new(api, two));
        // The call takes no creation options: the handler is attached right after, so the
        // ends' first change (to connected, during the call) goes wherever the library's
        // global handler sends it; the later ones come here.
        if !(events::attach_status_callback(api, one) && events::attach_status_callback(api, two)) {
            return Err(Error::Failed {
                function: "SetConfigValue(Callback_ConnectionStatusChanged)",
            });
        }
        Ok(pair)
    }

    /// Creates a listen socket through `create` with the routing table locked (so no event for
    /// it can be dispatched before its route exists) and wraps the handle.
    pub(crate) fn new_listen_socket(
        &self,
        function: &'static str,
        options: &[ConfigValue],
        create: impl FnOnce(Api, &RawOptions) -> sys::HSteamListenSocket,
    ) -> Result<ListenSocket> {
        let options = to_raw_options(options)?.with(events::status_callback_option());
        let api = self.api();
        match routes::create_listen_socket(&self.inner, || create(api, &options)) {
            sys::k_HSteamListenSocket_Invalid => Err(Error::Failed { function }),
            handle => Ok(ListenSocket::new(api, handle)),
        }
    }

    /// Creates an outbound connection through `create`, like `new_listen_socket`.
    pub(crate) fn new_connection(
        &self,
        function: &'static str,
        options: &[ConfigValue],
        create: impl FnOnce(Api, &RawOptions) -> sys::HSteamNetConnection,
    ) -> Result<Connection> {
        let options = to_raw_options(options)?.with(events::status_callback_option());
        let api = self.api();
        match routes::create_connection(&self.inner, || create(api, &options)) {
            sys::k_HSteamNetConnection_Invalid => Err(Error::Failed { function }),
            handle => Ok(Connection::new(api, handle)),
        }
    }

    /// Creates a poll group.
    ///
    /// # Errors
    /// [`Error::Failed`] if the library refuses.
    pub fn create_poll_group(&self) -> Result<PollGroup> {
        // SAFETY: live interface.
        let handle =
            unsafe { sys::SteamAPI_ISteamNetworkingSockets_CreatePollGroup(self.api().sockets()) };
        match handle {
            sys::k_HSteamNetPollGroup_Invalid => Err(Error::Failed { function: "CreatePollGroup" }),
            handle => Ok(PollGroup::new(self.api(), handle)),
        }
    }
}

impl fmt::Debug for Sockets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sockets").field("kind", &self.inner.kind).finish_non_exhaustive()
    }
}

/// A thread running [`Sockets::run_callbacks`]; stopped and joined when dropped.
#[derive(Debug)]
pub struct CallbackThread {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for CallbackThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            // The thread only runs the library's callbacks, which catch their own panics.
            let _ = thread.join();
        }
    }
}
