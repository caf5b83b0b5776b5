//! The entry point: initialising a backend, the event channel and dispatch, and creating
//! listen sockets, connections and poll groups over IP.

use std::fmt;
use std::net::{Ipv4Addr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::Receiver;

use crate::address::IntoSocketAddr;
use crate::config::ConfigValue;
use crate::config::options::creation_options;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::events::{self, Event, GlobalEvents};
use crate::identity::NetworkIdentity;
use crate::listen_socket::ListenSocket;
use crate::message::Timestamp;
use crate::poll_group::PollGroup;
use crate::raw::api::Api;
use crate::raw::routes::{self, Hub};
use crate::raw::sockets as raw;
use crate::raw::steam_only::{self, SteamDispatch};
use crate::raw::{c_string, utils};
use crate::send::{self, Outgoing};

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

/// Free ports `listen_ip` tries for port 0 before giving up.
const EPHEMERAL_PORT_ATTEMPTS: usize = 8;

/// How the two ends of [`Sockets::create_socket_pair`] are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PairTransport {
    /// The library's in-process buffers: fast, no network, no encryption.
    InProcess,
    /// Real UDP over localhost, with the whole protocol (encryption, acknowledgements).
    UdpLoopback,
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
    inner: Arc<Inner>,
}

struct Inner {
    api: Api,
    kind: InterfaceKind,
    /// Steam's own dispatch, which `run_callbacks` also runs: set when this crate initialised
    /// Steam, and so owns its pumping.
    steam_dispatch: Option<SteamDispatch>,
    /// Where the library's callbacks for this handle's objects go (see `raw/routes.rs`).
    hub: Arc<Hub>,
    events: Receiver<Event>,
}

/// Initialisation, events and dispatch, and objects over IP.
impl Sockets {
    fn new(api: Api, kind: InterfaceKind, steam_dispatch: Option<SteamDispatch>) -> Sockets {
        let (sender, events) = crossbeam_channel::unbounded();
        let hub = Arc::new(events::hub(api, sender));
        routes::register_hub(&hub);
        Sockets { inner: Arc::new(Inner { api, kind, steam_dispatch, hub, events }) }
    }

    pub(crate) fn api(&self) -> Api {
        self.inner.api
    }

    /// Where the callbacks of objects this handle creates go.
    pub(crate) fn hub(&self) -> &Arc<Hub> {
        &self.inner.hub
    }

    /// Initialises the open-source GameNetworkingSockets library (`gns` backend), or attaches
    /// to it if it is already running in this process.
    ///
    /// # Errors
    /// [`Error::GnsInit`] if the library fails to start; [`Error::Unsupported`] on the `steam`
    /// backend.
    pub fn init_gns() -> Result<Sockets> {
        Self::gns(None)
    }

    /// Like [`init_gns`](Sockets::init_gns), with the local identity the library should
    /// use (for example a [`NetworkIdentity::GenericString`] naming this host).
    ///
    /// # Errors
    /// As for [`init_gns`](Sockets::init_gns); [`Error::OutOfRange`] or [`Error::InteriorNul`] if
    /// the identity cannot be represented; [`Error::IdentityMismatch`] if the library already runs
    /// with another identity.
    pub fn init_gns_with_identity(identity: &NetworkIdentity) -> Result<Sockets> {
        Self::gns(Some(identity))
    }

    fn gns(identity: Option<&NetworkIdentity>) -> Result<Sockets> {
        let sockets = Sockets::new(raw::init_gns(identity)?, InterfaceKind::Gns, None);
        if let Some(wanted) = identity {
            let current = sockets.identity()?;
            if &current != wanted {
                return Err(Error::IdentityMismatch {
                    current: current.to_string(),
                    wanted: wanted.to_string(),
                });
            }
        }
        Ok(sockets)
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
        steam_only::init_steam_client()?;
        Self::steam(InterfaceKind::SteamClient, Some(SteamDispatch::Client))
    }

    /// Attaches to a Steam API that the game, or the `steamworks` crate, already initialised,
    /// and returns the client interface.
    ///
    /// # Errors
    /// [`Error::SteamNotInitialized`] if Steam is not initialised; [`Error::Unsupported`] on
    /// the `gns` backend.
    pub fn attach_steam_client() -> Result<Sockets> {
        Self::steam(InterfaceKind::SteamClient, None)
    }

    /// Initialises the Steam game-server API (`SteamGameServer_InitEx`) and returns the game
    /// server's interface (never the client's).
    ///
    /// # Errors
    /// [`Error::SteamInit`] with Steam's message on failure; [`Error::InteriorNul`] if the
    /// version contains NUL; [`Error::Unsupported`] on the `gns` backend.
    pub fn init_steam_game_server(config: &GameServerConfig) -> Result<Sockets> {
        let version = c_string("game server version", &config.version)?;
        steam_only::init_steam_game_server(
            u32::from(config.ip),
            config.game_port,
            config.query_port,
            config.mode.to_int(),
            &version,
        )?;
        Self::steam(InterfaceKind::SteamGameServer, Some(SteamDispatch::GameServer))
    }

    /// Attaches to an already initialised Steam game server and returns its interface.
    ///
    /// # Errors
    /// [`Error::SteamNotInitialized`] if the game server is not initialised;
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn attach_steam_game_server() -> Result<Sockets> {
        Self::steam(InterfaceKind::SteamGameServer, None)
    }

    /// The `kind` interface (client or game server) of an initialised Steam API; `dispatch`
    /// if this crate pumps Steam.
    fn steam(kind: InterfaceKind, dispatch: Option<SteamDispatch>) -> Result<Sockets> {
        let (api, init) = if kind == InterfaceKind::SteamGameServer {
            (steam_only::steam_game_server_interfaces()?, "init_steam_game_server")
        } else {
            (steam_only::steam_client_interfaces()?, "init_steam_client")
        };
        let api = api.ok_or(Error::SteamNotInitialized { init })?;
        Ok(Sockets::new(api, kind, dispatch))
    }

    /// Which interface this handle talks to.
    pub fn kind(&self) -> InterfaceKind {
        self.inner.kind
    }

    /// The channel on which this handle's events arrive. Receivers are cheap to clone; each
    /// event goes to exactly one receiver.
    pub fn events(&self) -> Receiver<Event> {
        self.inner.events.clone()
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
    pub fn enable_global_events(&self, events: GlobalEvents) -> Result<()> {
        events::enable_global_events(self.api(), events)
    }

    /// Runs the library's queued callbacks, turning them into [`Event`]s. Call it often (every
    /// frame), or use [`spawn_callback_thread`](Sockets::spawn_callback_thread).
    ///
    /// Nothing is lost if you don't: the library's queue grows as needed, and the crate's
    /// event channel ([`events`](Sockets::events)) is unbounded. But GNS asserts once per
    /// callback queued while 100 or more wait; with debug output on, the crate counts those
    /// and logs one warning per drain instead (see
    /// [`set_debug_output`](Sockets::set_debug_output)). The reliability suite's
    /// `event-storm` scenario stalls an application for 5 s while 500 clients come and go,
    /// and checks that every event arrives, once and in order.
    ///
    /// On Steam, when this crate initialised Steam itself
    /// ([`init_steam_client`](Sockets::init_steam_client),
    /// [`init_steam_game_server`](Sockets::init_steam_game_server)), it also runs Steam's own
    /// dispatch first (`SteamAPI_RunCallbacks` or `SteamGameServer_RunCallbacks`), which Steam
    /// needs regularly. After an `attach_*`, whoever initialised Steam pumps it: the
    /// `steamworks` crate uses manual dispatch (its `run_callbacks`), with which
    /// `SteamAPI_RunCallbacks` must never be called, so this crate does not.
    pub fn run_callbacks(&self) {
        raw::run_callbacks(self.api(), self.inner.steam_dispatch);
    }

    /// Starts a thread that calls [`run_callbacks`](Sockets::run_callbacks) every `interval`
    /// until the returned guard is dropped.
    ///
    /// # Errors
    /// [`Error::Thread`] if the operating system cannot start a thread.
    pub fn spawn_callback_thread(&self, interval: Duration) -> Result<CallbackThread> {
        let stop = Arc::new(AtomicBool::new(false));
        let (api, dispatch, thread_stop) =
            (self.api(), self.inner.steam_dispatch, Arc::clone(&stop));
        let thread = std::thread::Builder::new()
            .name("steam-sockets-callbacks".into())
            .spawn(move || {
                while !thread_stop.load(Ordering::Relaxed) {
                    raw::run_callbacks(api, dispatch);
                    std::thread::park_timeout(interval);
                }
            })
            .map_err(|e| Error::Thread { thread: "callback", message: e.to_string() })?;
        Ok(CallbackThread { stop, thread: Some(thread) })
    }

    /// The library's clock, as used by [`Message::received_at`](crate::Message::received_at).
    pub fn now(&self) -> Timestamp {
        Timestamp::from_micros(utils::local_timestamp(self.api()))
    }

    /// This host's identity as the library sees it.
    ///
    /// # Errors
    /// [`Error::Failed`] if the identity is not known yet (Steam: not logged in).
    pub fn identity(&self) -> Result<NetworkIdentity> {
        raw::identity(self.api())
    }

    /// Listens for connections on a local IP address and port. Use `0.0.0.0` (or `[::]`) for
    /// every interface, and port 0 for a port the operating system picks:
    /// [`ListenSocket::local_addr`] says which.
    ///
    /// ```no_run
    /// # fn main() -> steam_sockets::Result<()> {
    /// let sockets = steam_sockets::Sockets::init_gns()?;
    /// let server = sockets.listen_ip("0.0.0.0:27015", &[])?;
    /// let any_port = sockets.listen_ip("127.0.0.1:0", &[])?;
    /// println!("listening on {}", any_port.local_addr()?);
    /// # drop(server); Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::AddrParse`] for a bad address string; [`Error::OutOfRange`],
    /// [`Error::InteriorNul`] or [`Error::WrongScope`] for an option that cannot be given;
    /// [`Error::Failed`] if the library cannot listen (the port is in use).
    pub fn listen_ip(
        &self,
        addr: impl IntoSocketAddr,
        options: &[ConfigValue],
    ) -> Result<ListenSocket> {
        let addr = addr.into_socket_addr()?;
        let options = creation_options(options)?;
        let listen = |addr| raw::listen_ip(self.api(), self.hub(), addr, &options);
        let handle = if addr.port() != 0 {
            listen(addr)?
        } else {
            // The library refuses port 0, so the system is asked for a free port with a
            // throwaway UDP socket; another process may take it before the library binds it,
            // so a few are tried.
            let mut result = Err(Error::Failed { function: "CreateListenSocketIP" });
            for _ in 0..EPHEMERAL_PORT_ATTEMPTS {
                let Ok(port) = UdpSocket::bind(addr).and_then(|s| s.local_addr()) else {
                    break; // not a local address: the library could not listen on it either
                };
                result = listen(port);
                if result.is_ok() {
                    break;
                }
            }
            result?
        };
        Ok(ListenSocket::new(self.api(), handle))
    }

    /// Starts connecting to a host by IP address. The connection's progress arrives as
    /// [`Event::ConnectionStatus`] events; messages can be queued right away.
    ///
    /// # Errors
    /// [`Error::AddrParse`] for a bad address string; [`Error::OutOfRange`],
    /// [`Error::InteriorNul`] or [`Error::WrongScope`] for an option that cannot be given;
    /// [`Error::Failed`] if the library refuses.
    pub fn connect_ip(
        &self,
        addr: impl IntoSocketAddr,
        options: &[ConfigValue],
    ) -> Result<Connection> {
        let addr = addr.into_socket_addr()?;
        let options = creation_options(options)?;
        let handle = raw::connect_ip(self.api(), self.hub(), addr, &options)?;
        Ok(Connection::new(self.api(), handle))
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
        send::send_batch(self.api(), messages, on_result);
    }

    /// Creates two connections to each other, already connected: over the library's
    /// in-process buffers ([`PairTransport::InProcess`]: fast, no network or encryption), or
    /// over real UDP on localhost with the whole protocol ([`PairTransport::UdpLoopback`]),
    /// useful for tests. `identities` gives each end's own identity, which the other end sees
    /// as its remote identity (default: localhost).
    ///
    #[cfg_attr(feature = "gns", doc = "```")]
    #[cfg_attr(not(feature = "gns"), doc = "```no_run")]
    /// # fn main() -> steam_sockets::Result<()> {
    /// use steam_sockets::{PairTransport, SendFlags, Sockets};
    /// let sockets = Sockets::init_gns()?;
    /// let (a, b) = sockets.create_socket_pair(PairTransport::InProcess, None)?;
    /// a.send(b"hi", SendFlags::RELIABLE)?;
    /// let mut inbox = Vec::new();
    /// while inbox.is_empty() {
    ///     b.receive(&mut inbox, 1)?;
    /// }
    /// assert_eq!(&*inbox[0], b"hi");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::OutOfRange`] or [`Error::InteriorNul`] for identities that cannot be
    /// represented; [`Error::Failed`] if the library refuses.
    pub fn create_socket_pair(
        &self,
        transport: PairTransport,
        identities: Option<(&NetworkIdentity, &NetworkIdentity)>,
    ) -> Result<(Connection, Connection)> {
        let loopback = transport == PairTransport::UdpLoopback;
        let [one, two] = raw::create_socket_pair(self.api(), self.hub(), loopback, identities)?;
        Ok((Connection::new(self.api(), one), Connection::new(self.api(), two)))
    }

    /// Creates a poll group.
    ///
    /// # Errors
    /// [`Error::Failed`] if the library refuses.
    pub fn create_poll_group(&self) -> Result<PollGroup> {
        Ok(PollGroup::new(self.api(), raw::create_poll_group(self.api())?))
    }
}

impl ServerMode {
    /// The library's `EServerMode` value.
    fn to_int(self) -> i32 {
        match self {
            ServerMode::NoAuthentication => 1,
            ServerMode::Authentication => 2,
            ServerMode::AuthenticationAndSecure => 3,
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
