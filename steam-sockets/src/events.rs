//! Events: what the library reports through callbacks, as values on a channel.
//!
//! Each `Sockets` owns a hub (see `raw/routes.rs`) that turns the library's reports into
//! [`Event`]s on its channel. The hub runs inside the library's callbacks, so it only
//! converts and sends: no user code runs there, and no lock is held while the application
//! handles an event.

use crossbeam_channel::Sender;

use crate::connection::IncomingConnection;
use crate::connection::info::{ConnectionInfo, ConnectionState};
use crate::error::Result;
use crate::identity::NetworkIdentity;
use crate::ids::ConnectionId;
use crate::raw::api::Api;
use crate::raw::callbacks::global;
use crate::raw::convert::{self, Reported};
use crate::raw::routes::Hub;
use crate::raw::steam_only;
use crate::status::{FakeIpResult, RelayNetworkStatus, ServiceStatus};

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
    /// A peer wants to open an [`ISteamNetworkingMessages`](crate::NetworkingMessages)
    /// session: [`accept_session`](crate::NetworkingMessages::accept_session) it to receive its
    /// messages (sending to it accepts too). Once
    /// [`GlobalEvents::MESSAGES_SESSION_REQUEST`] is enabled.
    MessagesSessionRequest(NetworkIdentity),
    /// A messages session failed, or the peer refused or closed it; `info` says why. Once
    /// [`GlobalEvents::MESSAGES_SESSION_FAILED`] is enabled.
    MessagesSessionFailed(ConnectionInfo),
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
        /// [`Event::MessagesSessionRequest`] (both backends).
        const MESSAGES_SESSION_REQUEST = 1 << 3;
        /// [`Event::MessagesSessionFailed`] (both backends).
        const MESSAGES_SESSION_FAILED = 1 << 4;
    }
}

/// The hub of a `Sockets` whose events go to `events`.
pub(crate) fn hub(api: Api, events: Sender<Event>) -> Hub {
    Box::new(move |report| {
        let event = match convert::report(report) {
            Reported::ConnectionStatus { connection, old_state, info } => {
                if info.listen_socket.is_some()
                    && old_state == ConnectionState::None
                    && info.state == ConnectionState::Connecting
                {
                    Event::Incoming(IncomingConnection::new(api, connection, info))
                } else {
                    Event::ConnectionStatus(ConnectionStatusChanged {
                        connection: ConnectionId(connection),
                        old_state,
                        info,
                    })
                }
            }
            Reported::AuthenticationStatus(status) => Event::AuthenticationStatus(status),
            Reported::RelayNetworkStatus(status) => Event::RelayNetworkStatus(status),
            Reported::FakeIpResult(result) => Event::FakeIpResult(result),
            Reported::SessionRequest(peer) => Event::MessagesSessionRequest(peer),
            Reported::SessionFailed(info) => Event::MessagesSessionFailed(info),
        };
        // The `Sockets` holds the receiver while its hub lives, so the channel is open.
        let _ = events.send(event);
    })
}

/// Installs the handlers of `events` (see [`GlobalEvents`](crate::GlobalEvents)).
pub(crate) fn enable_global_events(api: Api, events: GlobalEvents) -> Result<()> {
    type Install = fn(Api) -> Result<()>;
    let handlers: [(GlobalEvents, Install); 5] = [
        (GlobalEvents::AUTHENTICATION_STATUS, steam_only::install_authentication_status_handler),
        (GlobalEvents::RELAY_NETWORK_STATUS, steam_only::install_relay_network_status_handler),
        (GlobalEvents::FAKE_IP_RESULT, steam_only::install_fake_ip_result_handler),
        (GlobalEvents::MESSAGES_SESSION_REQUEST, global::install_session_request_handler),
        (GlobalEvents::MESSAGES_SESSION_FAILED, global::install_session_failed_handler),
    ];
    for (flag, install) in handlers {
        if events.contains(flag) {
            install(api)?;
        }
    }
    Ok(())
}
