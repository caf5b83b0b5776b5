//! Valve-hosted dedicated servers (game servers in Valve's data centres, reached through the
//! relay network), their relay tickets and the game-coordinator login (Steam only; on GNS
//! every method returns [`Error::Unsupported`](crate::Error::Unsupported)).

use std::fmt;
use std::time::Duration;

use crate::config::ConfigValue;
use crate::config::options::creation_options;
use crate::connection::Connection;
use crate::error::Result;
use crate::identity::NetworkIdentity;
use crate::listen_socket::ListenSocket;
use crate::raw::steam_only::hosted as steam_only;
use crate::relay::pop::PopId;
use crate::sockets::Sockets;

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

/// Hosted dedicated servers and relay tickets (Steam only).
impl Sockets {
    /// Listens on a virtual port of a Valve-hosted dedicated server (a game server running in
    /// Valve's data centers and reached through the relay network).
    ///
    /// # Errors
    /// [`Error::Failed`](crate::Error::Failed) if the library refuses (not running as a hosted
    /// server); [`Error::Unsupported`](crate::Error::Unsupported) on GNS.
    pub fn listen_hosted_dedicated_server(
        &self,
        virtual_port: i32,
        options: &[ConfigValue],
    ) -> Result<ListenSocket> {
        let options = creation_options(options)?;
        let handle = steam_only::listen_hosted_dedicated_server(
            self.api(),
            self.hub(),
            virtual_port,
            &options,
        )?;
        Ok(ListenSocket::new(self.api(), handle))
    }

    /// Connects to a Valve-hosted dedicated server by identity and virtual port, using a relay
    /// ticket obtained from the game's backend (see
    /// [`received_relay_auth_ticket`](Sockets::received_relay_auth_ticket)).
    ///
    /// # Errors
    /// [`Error::Failed`](crate::Error::Failed) if the library refuses;
    /// [`Error::Unsupported`](crate::Error::Unsupported) on GNS.
    pub fn connect_to_hosted_dedicated_server(
        &self,
        server: &NetworkIdentity,
        virtual_port: i32,
        options: &[ConfigValue],
    ) -> Result<Connection> {
        let options = creation_options(options)?;
        let handle = steam_only::connect_to_hosted_dedicated_server(
            self.api(),
            self.hub(),
            server,
            virtual_port,
            &options,
        )?;
        Ok(Connection::new(self.api(), handle))
    }

    /// The local port a hosted dedicated server should bind, or `None` when not running in a
    /// hosted environment.
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) on GNS.
    pub fn hosted_dedicated_server_port(&self) -> Result<Option<u16>> {
        let port = steam_only::hosted_dedicated_server_port(self.api())?;
        Ok((port != 0).then_some(port))
    }

    /// The data center a hosted dedicated server runs in (a POP id), or `None` when not hosted.
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) on GNS.
    pub fn hosted_dedicated_server_pop_id(&self) -> Result<Option<PopId>> {
        let pop = steam_only::hosted_dedicated_server_pop_id(self.api())?;
        Ok((pop != 0).then_some(PopId(pop)))
    }

    /// A hosted dedicated server's routing blob, for clients to connect through the relays.
    ///
    /// # Errors
    /// [`Error::Library`](crate::Error::Library) with the library's result (for example when not
    /// hosted or not yet ready); [`Error::Unsupported`](crate::Error::Unsupported) on GNS.
    pub fn hosted_dedicated_server_address(&self) -> Result<HostedAddress> {
        steam_only::hosted_dedicated_server_address(self.api()).map(HostedAddress)
    }

    /// A hosted server's login for the game's backend, signed by Steam.
    ///
    /// # Errors
    /// [`Error::Library`](crate::Error::Library) with the library's result (not hosted, not logged
    /// in, ...); [`Error::Unsupported`](crate::Error::Unsupported) on GNS.
    pub fn game_coordinator_server_login(&self) -> Result<GameCoordinatorLogin> {
        let login = steam_only::game_coordinator_server_login(self.api())?;
        Ok(GameCoordinatorLogin {
            identity: login.identity,
            routing: HostedAddress(login.routing),
            app_id: login.app_id,
            time: login.time,
            app_data: login.app_data,
            signed_blob: login.signed_blob,
        })
    }

    /// Stores a relay ticket the game's backend issued for connecting to a hosted server.
    ///
    /// # Errors
    /// [`Error::OutOfRange`](crate::Error::OutOfRange) for a ticket over 2 GiB;
    /// [`Error::Failed`](crate::Error::Failed) if the ticket is invalid;
    /// [`Error::Unsupported`](crate::Error::Unsupported) on GNS.
    pub fn received_relay_auth_ticket(&self, ticket: &[u8]) -> Result<()> {
        steam_only::received_relay_auth_ticket(self.api(), ticket)
    }

    /// How long the cached relay ticket for `server`'s virtual port stays valid, or `None` if
    /// there is none.
    ///
    /// # Errors
    /// [`Error::OutOfRange`](crate::Error::OutOfRange) for an identity that cannot be represented;
    /// [`Error::Unsupported`](crate::Error::Unsupported) on GNS.
    pub fn find_relay_auth_ticket_for_server(
        &self,
        server: &NetworkIdentity,
        virtual_port: i32,
    ) -> Result<Option<Duration>> {
        let seconds =
            steam_only::find_relay_auth_ticket_for_server(self.api(), server, virtual_port)?;
        Ok(u64::try_from(seconds).ok().filter(|&s| s > 0).map(Duration::from_secs))
    }
}
