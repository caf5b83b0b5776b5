//! Client sessions: one connection to a server, by IP address or by P2P identity.

use std::net::SocketAddr;

use aeronet_io::SessionEndpoint;
use aeronet_io::connection::PeerAddr;
use bevy_ecs::prelude::*;
use steam_sockets::{ConfigValue, NetworkIdentity, SteamId};

use crate::error::SessionError;
use crate::io::{Failed, SteamSockets};

/// Where a [`SteamSocketsClient`] connects.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConnectTarget {
    /// A server listening by IP address ([`ListenTarget::Ip`](crate::ListenTarget::Ip)).
    Ip(SocketAddr),
    /// A host listening by P2P virtual port
    /// ([`ListenTarget::P2p`](crate::ListenTarget::P2p)), by its identity: its SteamID on
    /// Steam; on GameNetworkingSockets, the identity its `Sockets` was given, reached over ICE
    /// with the signaling the application set up.
    P2p {
        /// Who.
        identity: NetworkIdentity,
        /// Its virtual port.
        virtual_port: i32,
    },
}

impl From<SocketAddr> for ConnectTarget {
    fn from(addr: SocketAddr) -> Self {
        ConnectTarget::Ip(addr)
    }
}

impl From<SteamId> for ConnectTarget {
    /// That Steam user, on virtual port 0 (aeronet_steam's default).
    fn from(steam_id: SteamId) -> Self {
        ConnectTarget::P2p { identity: NetworkIdentity::SteamId(steam_id), virtual_port: 0 }
    }
}

/// A client session. Created by [`SteamSocketsClient::connect`], which starts the connection
/// and adds [`SteamSocketsIo`](crate::SteamSocketsIo); the entity gets its
/// [`Session`](aeronet_io::Session) once connected.
#[derive(Component, Debug)]
#[require(SessionEndpoint)]
pub struct SteamSocketsClient {
    target: ConnectTarget,
}

impl SteamSocketsClient {
    /// An [`EntityCommand`] that makes the entity a session connecting to `target`, with
    /// `options` (`ConfigValue`s for the connection, such as `SendRateMax` or
    /// `TimeoutConnected`). The world must have a [`SteamSockets`].
    ///
    /// If the library refuses to start the connection (a bad option), the next update triggers
    /// [`Disconnected`](aeronet_io::connection::Disconnected) with [`SessionError::Sockets`];
    /// a server that rejects it or cannot be reached ends it the same way later.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use bevy_ecs::prelude::*;
    /// use steam_sockets::{ConfigValue, SteamId};
    /// use steam_sockets_aeronet::SteamSocketsClient;
    ///
    /// fn join(mut commands: Commands) {
    ///     let server = "127.0.0.1:27015".parse::<std::net::SocketAddr>().unwrap();
    ///     let options = vec![ConfigValue::TimeoutConnected(Duration::from_secs(5))];
    ///     commands.spawn_empty().queue(SteamSocketsClient::connect(server, options));
    ///     // A friend hosting on virtual port 0:
    ///     let friend = SteamId(76561197960287930);
    ///     commands.spawn_empty().queue(SteamSocketsClient::connect(friend, Vec::new()));
    /// }
    /// ```
    pub fn connect(
        target: impl Into<ConnectTarget>,
        options: Vec<ConfigValue>,
    ) -> impl EntityCommand {
        let target = target.into();
        move |mut entity: EntityWorldMut| {
            let id = entity.id();
            let started = entity.world_scope(|world| {
                let mut steam =
                    world.get_resource_mut::<SteamSockets>().ok_or(SessionError::NoSteamSockets)?;
                let connection = match &target {
                    ConnectTarget::Ip(addr) => steam.sockets().connect_ip(*addr, &options)?,
                    ConnectTarget::P2p { identity, virtual_port } => {
                        steam.sockets().connect_p2p(identity, *virtual_port, &options)?
                    }
                };
                Ok::<_, SessionError>(steam.adopt(id, connection))
            });
            if let ConnectTarget::Ip(addr) = target {
                entity.insert(PeerAddr(addr));
            }
            entity.insert(SteamSocketsClient { target });
            match started {
                Ok(io) => entity.insert(io),
                Err(error) => entity.insert(Failed(Some(error))),
            };
        }
    }

    /// Where it connects, as given to [`connect`](SteamSocketsClient::connect).
    pub fn target(&self) -> &ConnectTarget {
        &self.target
    }
}
