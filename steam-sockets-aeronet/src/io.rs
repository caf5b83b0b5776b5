//! The library handle as a resource, the component that owns a session's connection, and the
//! systems that move events and packets between the library and aeronet's [`Session`]s.

use std::collections::HashMap;

use aeronet_io::connection::{
    DROP_DISCONNECT_REASON, Disconnect, DisconnectReason, Disconnected, UNKNOWN_DISCONNECT_REASON,
};
use aeronet_io::packet::RecvPacket;
use aeronet_io::server::{CloseReason as ServerCloseReason, Closed, Server, ServerEndpoint};
use aeronet_io::{IoSystems, Session, SessionEndpoint};
use bevy_app::prelude::*;
use bevy_ecs::prelude::*;
use bevy_platform::time::Instant;
use bytes::Bytes;
use steam_sockets::crossbeam_channel::{self, Receiver, Sender};
use steam_sockets::{
    ClosedBy, Connection, ConnectionId, ConnectionState, ConnectionStatusChanged, EndReason, Error,
    Event, ListenSocketId, Message, Outgoing, PollGroup, QueuedMessages, SendFlags, Sockets,
};

use crate::error::SessionError;
use crate::server::{self, Answer, SteamSocketsServer};

/// The [`Session::min_mtu`] (and MTU) of every session: the largest packet that travels in one
/// UDP datagram at the library's default 1300-byte `MtuPacketSize`, the size Valve recommends
/// for datagram-style traffic over its sockets (`k_cbSteamNetworkingSocketsFakeUDPPortRecommendedMTU`).
/// Larger packets, up to [`MAX_UNRELIABLE_MESSAGE_SIZE`](steam_sockets::MAX_UNRELIABLE_MESSAGE_SIZE),
/// are still sent, in fragments that are all lost if one is.
pub const MIN_MTU: usize = 1200;

/// Messages asked of the library per receive call.
const RECEIVE_BATCH: usize = 256;

/// Receive calls per update at most, so that a flood cannot hold a frame forever (the rest
/// waits for the next update).
const RECEIVE_BATCHES_PER_UPDATE: usize = 16;

/// Longest end text the library sends (`k_cchSteamNetworkingMaxConnectionCloseReason` less
/// its NUL).
const MAX_END_TEXT: usize = 127;

/// The library for every session and server of a world: a [`Sockets`] handle, whose events
/// only this resource reads, and the poll group every session receives from.
///
/// Give it a `Sockets` of its own (`Sockets::init_gns()`, or `Sockets::attach_steam_client()`
/// after `steamworks::Client::init`): each call makes a handle with its own event channel,
/// and the library reports each connection's events to the handle that created it, so the
/// game's other handles keep theirs. Callbacks run in [`IoSystems::Poll`], every update.
#[derive(Resource)]
pub struct SteamSockets {
    // Field order is drop order: the poll group before the handle.
    group: PollGroup,
    sockets: Sockets,
    events: Receiver<Event>,
    /// Which entity each connection's events and messages go to.
    sessions: HashMap<ConnectionId, Entity>,
    /// Which server entity each listen socket's requests go to.
    pub(crate) servers: HashMap<ListenSocketId, Entity>,
    /// Where [`SessionRequest`](crate::SessionRequest)s answered in observers come back.
    pub(crate) answers: (Sender<Answer>, Receiver<Answer>),
    /// Reused by every update: received messages, and the results of a send batch.
    inbox: Vec<Message>,
    sent: Vec<bool>,
}

impl SteamSockets {
    /// Takes `sockets` (see the type's docs on why it should be a handle of its own) and
    /// creates the poll group.
    ///
    /// # Errors
    /// [`Error`] if the library cannot create a poll group.
    pub fn new(sockets: Sockets) -> Result<SteamSockets, Error> {
        Ok(SteamSockets {
            group: sockets.create_poll_group()?,
            events: sockets.events(),
            sockets,
            sessions: HashMap::new(),
            servers: HashMap::new(),
            answers: crossbeam_channel::unbounded(),
            inbox: Vec::with_capacity(RECEIVE_BATCH),
            sent: Vec::new(),
        })
    }

    /// The `Sockets` handle: for what aeronet does not cover (configuration, identity, P2P
    /// signaling, the library's clock).
    pub fn sockets(&self) -> &Sockets {
        &self.sockets
    }

    /// Puts a new connection in the poll group and routes its events to `entity`; the
    /// component to insert on it.
    pub(crate) fn adopt(&mut self, entity: Entity, connection: Connection) -> SteamSocketsIo {
        if let Err(e) = connection.set_poll_group(Some(&self.group)) {
            // Only for a connection the library already destroyed: its end is reported next.
            log::debug!("{entity}: cannot join the poll group: {e}");
        }
        self.sessions.insert(connection.id(), entity);
        SteamSocketsIo { id: connection.id(), connection: Some(connection) }
    }
}

impl std::fmt::Debug for SteamSockets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SteamSockets")
            .field("sockets", &self.sockets)
            .field("sessions", &self.sessions.len())
            .field("servers", &self.servers.len())
            .finish_non_exhaustive()
    }
}

/// A session's connection: on a client session
/// ([`SteamSocketsClient`](crate::SteamSocketsClient)) and on each accepted session of a
/// server. The entity gets its [`Session`] when the library reports the connection connected.
///
/// Managed by the IO layer: do not add or remove it. Read the connection for what aeronet does
/// not show, such as [`Connection::realtime_status`] (ping, quality, queues).
#[derive(Component)]
#[require(SessionEndpoint)]
pub struct SteamSocketsIo {
    id: ConnectionId,
    /// `None` once closed.
    connection: Option<Connection>,
}

impl SteamSocketsIo {
    /// The connection, until the session is disconnected.
    pub fn connection(&self) -> Option<&Connection> {
        self.connection.as_ref()
    }

    /// The connection's handle.
    pub fn id(&self) -> ConnectionId {
        self.id
    }

    /// Closes the connection, telling the peer `text`; what was already sent is delivered.
    fn close(&mut self, text: &str) {
        if let Some(connection) = self.connection.take() {
            // An application code and a text without NUL: not refused; a connection the
            // library already destroyed is closed all the same.
            let _ =
                connection.close(EndReason::APP_GENERIC, &end_text(text), QueuedMessages::Deliver);
        }
    }
}

impl Drop for SteamSocketsIo {
    fn drop(&mut self) {
        self.close(DROP_DISCONNECT_REASON);
    }
}

impl std::fmt::Debug for SteamSocketsIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SteamSocketsIo")
            .field("id", &self.id)
            .field("open", &self.connection.is_some())
            .finish()
    }
}

/// A client that could not connect or a server that could not listen: reported as
/// `Disconnected` / `Closed` on the next update, once the app's observers are in place.
#[derive(Component, Debug)]
pub(crate) struct Failed(pub(crate) Option<SessionError>);

/// `text` as the library can send it: without NUL, at most [`MAX_END_TEXT`] bytes, cut at a
/// character boundary.
pub(crate) fn end_text(text: &str) -> String {
    let mut text = text.replace('\0', "");
    let mut end = text.len().min(MAX_END_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}

pub(crate) fn build(app: &mut App) {
    app.add_systems(
        PreUpdate,
        (report_failures, poll)
            .chain()
            .in_set(IoSystems::Poll)
            .run_if(resource_exists::<SteamSockets>),
    )
    .add_systems(PostUpdate, flush.in_set(IoSystems::Flush).run_if(resource_exists::<SteamSockets>))
    .add_observer(on_disconnect)
    .add_observer(on_remove_io);
}

fn report_failures(
    mut failed: Query<(Entity, &mut Failed, Has<ServerEndpoint>)>,
    mut commands: Commands,
) {
    for (entity, mut failed, is_server) in &mut failed {
        let Some(error) = failed.0.take() else { continue };
        if is_server {
            commands.trigger(Closed { entity, reason: ServerCloseReason::by_error(error) });
        } else {
            commands.trigger(Disconnected { entity, reason: DisconnectReason::by_error(error) });
        }
    }
}

/// Runs the library's callbacks, answers and routes its events, and moves received packets
/// into the sessions.
fn poll(
    mut steam: ResMut<SteamSockets>,
    mut sessions: Query<&mut Session>,
    opening: Query<Entity, (With<SteamSocketsServer>, Without<Server>)>,
    mut commands: Commands,
    // Sessions connected in this update: their `Session` is inserted at its end.
    mut fresh: Local<HashMap<Entity, Session>>,
    mut ended: Local<Vec<(ConnectionId, Entity, DisconnectReason)>>,
) {
    let steam = &mut *steam;
    server::open_and_answer(steam, &opening, &mut commands);
    steam.sockets.run_callbacks();
    let now = Instant::now();
    // Only what is queued now: another thread running callbacks cannot keep this going.
    for _ in 0..steam.events.len() {
        let Ok(event) = steam.events.try_recv() else { break };
        match event {
            Event::Incoming(request) => server::on_request(steam, request, &mut commands),
            Event::ConnectionStatus(change) => {
                let Some(&entity) = steam.sessions.get(&change.connection) else { continue };
                if let Some(reason) = disconnect_reason(&change) {
                    // Routed until its last messages are read, below.
                    ended.push((change.connection, entity, reason));
                } else if change.info.state == ConnectionState::Connected
                    && !sessions.contains(entity)
                {
                    fresh.entry(entity).or_insert_with(|| Session::new(now, MIN_MTU));
                }
            }
            _ => {}
        }
    }
    for _ in 0..RECEIVE_BATCHES_PER_UPDATE {
        let received = match steam.group.receive(&mut steam.inbox, RECEIVE_BATCH) {
            Ok(received) => received,
            Err(e) => {
                log::error!("receiving from the poll group: {e}");
                break;
            }
        };
        for message in steam.inbox.drain(..) {
            let Some(&entity) = steam.sessions.get(&message.connection()) else { continue };
            let packet = RecvPacket { recv_at: now, payload: Bytes::from(message) };
            let mut session = sessions.get_mut(entity);
            // A first message can overtake the report that the connection is connected.
            let session = match session.as_deref_mut() {
                Ok(session) => session,
                Err(_) => fresh.entry(entity).or_insert_with(|| Session::new(now, MIN_MTU)),
            };
            session.stats.packets_recv += 1;
            session.stats.bytes_recv += packet.payload.len();
            session.recv.push(packet);
        }
        if received < RECEIVE_BATCH {
            break;
        }
    }
    for (entity, session) in fresh.drain() {
        commands.entity(entity).try_insert(session);
    }
    for (connection, entity, reason) in ended.drain(..) {
        steam.sessions.remove(&connection);
        commands.trigger(Disconnected { entity, reason });
    }
}

/// How aeronet should hear that a connection ended, or `None` while it is alive.
fn disconnect_reason(change: &ConnectionStatusChanged) -> Option<DisconnectReason> {
    let reason = change.info.close_reason()?;
    Some(match reason.closed_by {
        ClosedBy::Peer if reason.debug.is_empty() => {
            DisconnectReason::by_peer(UNKNOWN_DISCONNECT_REASON)
        }
        ClosedBy::Peer => DisconnectReason::by_peer(reason.debug),
        _ => DisconnectReason::by_error(SessionError::Closed(reason)),
    })
}

/// Sends every session's queued packets in one batch, without copying them.
fn flush(mut steam: ResMut<SteamSockets>, mut sessions: Query<(&SteamSocketsIo, &mut Session)>) {
    let steam = &mut *steam;
    let sent = &mut steam.sent;
    sent.clear();
    let batch = sessions
        .iter()
        .filter_map(|(io, session)| Some((io.connection()?, session)))
        .flat_map(|(connection, session)| {
            session.send.iter().map(move |packet| Outgoing {
                connection,
                data: packet.into(),
                flags: SendFlags::UNRELIABLE | SendFlags::NO_NAGLE,
                lane: 0,
            })
        });
    let mut refusal = None;
    steam.sockets.send_messages(batch, |_, result| {
        if let Err(e) = &result {
            refusal.get_or_insert_with(|| e.to_string());
        }
        sent.push(result.is_ok());
    });
    if let Some(e) = refusal {
        let refused = sent.iter().filter(|ok| !**ok).count();
        log::debug!("{refused} of {} packets not sent (first: {e})", sent.len());
    }
    // The same sessions in the same order: account for what was sent, and empty the buffers.
    let mut results = sent.iter();
    for (io, mut session) in &mut sessions {
        let session = &mut *session;
        if io.connection.is_some() {
            for (packet, ok) in session.send.iter().zip(results.by_ref()) {
                if *ok {
                    session.stats.packets_sent += 1;
                    session.stats.bytes_sent += packet.len();
                }
            }
        }
        session.send.clear();
    }
}

fn on_disconnect(trigger: On<Disconnect>, mut sessions: Query<&mut SteamSocketsIo>) {
    if let Ok(mut io) = sessions.get_mut(trigger.event_target()) {
        io.close(&trigger.reason);
    }
}

fn on_remove_io(
    trigger: On<Remove<SteamSocketsIo>>,
    io: Query<&SteamSocketsIo>,
    steam: Option<ResMut<SteamSockets>>,
) {
    if let (Ok(io), Some(mut steam)) = (io.get(trigger.event_target()), steam)
        && steam.sessions.get(&io.id) == Some(&trigger.event_target())
    {
        steam.sessions.remove(&io.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_texts_lose_their_nuls_and_are_cut_at_a_character_boundary() {
        assert_eq!(end_text("bye\0now"), "byenow");
        assert_eq!(end_text(&"x".repeat(200)), "x".repeat(MAX_END_TEXT));
        // 126 ASCII bytes, then a 2-byte character that would end at byte 128.
        let text = format!("{}é", "a".repeat(126));
        assert_eq!(end_text(&text), "a".repeat(126));
        assert_eq!(end_text("short"), "short");
    }
}
