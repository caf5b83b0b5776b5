//! Peer-to-peer connections (by identity and virtual port) and custom signaling; the ready-made
//! signaling client and rendezvous server are `rendezvous.rs`.
//!
//! Steam routes P2P traffic over the Steam Datagram Relay; GameNetworkingSockets has no relay
//! and connects peers directly (ICE) once they have exchanged signals through a channel the
//! application provides: a [`SignalingClient`](crate::SignalingClient), or its own, per
//! connection ([`Sockets::connect_p2p_custom_signaling`]).

use std::sync::Arc;

use crossbeam_channel::Sender;

use crate::config::ConfigValue;
use crate::config::options::creation_options;
use crate::connection::Connection;
use crate::error::Result;
use crate::identity::NetworkIdentity;
use crate::ids::ConnectionId;
use crate::listen_socket::ListenSocket;
use crate::raw::signaling::{RawSignal, SignalSink};
use crate::raw::sockets as raw;
use crate::sockets::Sockets;

pub(crate) mod rendezvous;

/// A signaling message the library wants delivered to a peer, through whatever channel the
/// application uses to reach it (a matchmaking server, a lobby, ...). The peer passes `data`
/// to [`Sockets::received_p2p_custom_signal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// A message of an ongoing connection attempt.
    Connection {
        /// The local connection it belongs to.
        connection: ConnectionId,
        /// The peer to deliver it to.
        peer: NetworkIdentity,
        /// The message.
        data: Vec<u8>,
    },
    /// A rejection of a request `peer` sent us; deliver it so they stop trying.
    Rejection {
        /// The peer to deliver it to.
        peer: NetworkIdentity,
        /// The message.
        data: Vec<u8>,
    },
}

/// Signals go onto `outbox`: no application code runs inside the library.
fn sink(outbox: Sender<Signal>) -> SignalSink {
    Arc::new(move |RawSignal { connection, peer, data }| {
        let signal = match connection {
            Some(handle) => Signal::Connection { connection: ConnectionId(handle), peer, data },
            None => Signal::Rejection { peer, data },
        };
        outbox.send(signal).is_ok()
    })
}

/// Peer-to-peer connections.
impl Sockets {
    /// Listens for P2P connections on a virtual port (Steam: through the relay network).
    ///
    /// # Errors
    /// [`Error::OutOfRange`](crate::Error::OutOfRange) or
    /// [`Error::WrongScope`](crate::Error::WrongScope) for an option that cannot be given;
    /// [`Error::Failed`](crate::Error::Failed) if the library refuses (for example, the port is
    /// taken).
    pub fn listen_p2p(&self, virtual_port: i32, options: &[ConfigValue]) -> Result<ListenSocket> {
        let options = creation_options(options)?;
        let handle = raw::listen_p2p(self.api(), self.hub(), virtual_port, &options)?;
        Ok(ListenSocket::new(self.api(), handle))
    }

    /// Connects to a peer by identity and virtual port, using the platform's rendezvous
    /// service (Steam: the relay network). GameNetworkingSockets has no rendezvous service of
    /// its own: use [`connect_p2p_custom_signaling`](Sockets::connect_p2p_custom_signaling).
    ///
    /// # Errors
    /// [`Error::OutOfRange`](crate::Error::OutOfRange),
    /// [`Error::InteriorNul`](crate::Error::InteriorNul) or
    /// [`Error::WrongScope`](crate::Error::WrongScope) for an identity or option that cannot be
    /// given; [`Error::Failed`](crate::Error::Failed) if the library refuses.
    pub fn connect_p2p(
        &self,
        peer: &NetworkIdentity,
        virtual_port: i32,
        options: &[ConfigValue],
    ) -> Result<Connection> {
        let options = creation_options(options)?;
        let handle = raw::connect_p2p(self.api(), self.hub(), peer, virtual_port, &options)?;
        Ok(Connection::new(self.api(), handle))
    }

    /// Connects to a peer by identity, exchanging the connection's signaling messages through
    /// the application: every [`Signal`] the library produces for this connection is sent on
    /// `outbox`, for the application to deliver to the peer, who hands it to
    /// [`received_p2p_custom_signal`](Sockets::received_p2p_custom_signal). The peer's replies
    /// come back the same way. Once the peers can reach each other the connection proceeds as
    /// usual ([`Event::ConnectionStatus`](crate::Event::ConnectionStatus)).
    ///
    /// The library may produce signals from any thread, before this function returns; they only
    /// go onto `outbox` (no application code runs inside the library).
    ///
    /// # Errors
    /// [`Error::OutOfRange`](crate::Error::OutOfRange),
    /// [`Error::InteriorNul`](crate::Error::InteriorNul) or
    /// [`Error::WrongScope`](crate::Error::WrongScope) for an identity or option that cannot be
    /// given; [`Error::Failed`](crate::Error::Failed) if the library refuses;
    /// [`Error::Unsupported`](crate::Error::Unsupported) on 32-bit Windows.
    pub fn connect_p2p_custom_signaling(
        &self,
        peer: &NetworkIdentity,
        virtual_port: i32,
        options: &[ConfigValue],
        outbox: Sender<Signal>,
    ) -> Result<Connection> {
        let options = creation_options(options)?;
        let handle = raw::connect_p2p_custom_signaling(
            self.api(),
            self.hub(),
            peer,
            virtual_port,
            &options,
            sink(outbox),
        )?;
        Ok(Connection::new(self.api(), handle))
    }

    /// Hands the library a signaling message that a peer's
    /// [`connect_p2p_custom_signaling`](Sockets::connect_p2p_custom_signaling) produced. A
    /// connection request becomes an [`Event::Incoming`](crate::Event::Incoming) on the P2P
    /// listen socket of its virtual port (see [`listen_p2p`](Sockets::listen_p2p)); the signals
    /// this side must send back, or a rejection, go to `outbox`.
    ///
    /// # Errors
    /// [`Error::Failed`](crate::Error::Failed) if the library found the message malformed or
    /// unexpected; [`Error::Unsupported`](crate::Error::Unsupported) on 32-bit Windows.
    pub fn received_p2p_custom_signal(&self, data: &[u8], outbox: &Sender<Signal>) -> Result<()> {
        raw::received_p2p_custom_signal(self.api(), data, sink(outbox.clone()))
    }
}
