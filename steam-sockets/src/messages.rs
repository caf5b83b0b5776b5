//! `ISteamNetworkingMessages`: connectionless, UDP-style messages to identities on numbered
//! channels. The library opens a session per peer behind the scenes (a P2P connection, with the
//! same routing and encryption as [`Sockets::connect_p2p`]).

use std::ffi::c_int;

use crate::connection::info::{ConnectionInfo, RealtimeStatus};
use crate::error::{Error, Result};
use crate::identity::NetworkIdentity;
use crate::message::Message;
use crate::raw::messages::RawMessages;
use crate::raw::{sockets as raw, steam_only};
use crate::send::flags::SendFlags;
use crate::send::{MAX_MESSAGE_SIZE, MAX_UNRELIABLE_MESSAGE_SIZE, Payload};
use crate::sockets::{InterfaceKind, Sockets};

/// The messages interface (`ISteamNetworkingMessages`) of a [`Sockets`]: send to a peer's
/// identity on a channel, receive what peers sent on a channel, and manage the sessions the
/// library opens per peer. Obtained with [`Sockets::networking_messages`]; cheap to copy
/// around by reference, `Send + Sync`.
///
/// A peer that sends first asks for a session: the receiver gets an
/// [`Event::MessagesSessionRequest`](crate::Event::MessagesSessionRequest) (once
/// [`GlobalEvents::MESSAGES_SESSION_REQUEST`](crate::GlobalEvents::MESSAGES_SESSION_REQUEST)
/// is enabled) and sees its messages only after [`accept_session`](Self::accept_session) (or
/// after sending to that peer itself). A session that fails, or is refused or closed by the
/// peer, is reported as
/// [`Event::MessagesSessionFailed`](crate::Event::MessagesSessionFailed). On the `gns`
/// backend sessions need signaling: keep a [`SignalingClient`](crate::SignalingClient)
/// connected, as for [`Sockets::connect_p2p`].
///
/// ```no_run
/// # fn main() -> steam_sockets::Result<()> {
/// use steam_sockets::{NetworkIdentity, SendFlags, Sockets};
/// let sockets = Sockets::attach_steam_client()?;
/// let messages = sockets.networking_messages()?;
/// let friend = NetworkIdentity::SteamId(steam_sockets::SteamId(76561197960287930));
/// messages.send_to(&friend, b"hello", SendFlags::RELIABLE, 0)?;
/// let mut inbox = Vec::new();
/// messages.receive(0, &mut inbox, 32)?;
/// for msg in inbox.drain(..) {
///     println!("{} says {:?}", msg.peer(), &*msg);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct NetworkingMessages {
    raw: RawMessages,
}

/// Messages interfaces.
impl Sockets {
    /// This interface's [`NetworkingMessages`] (the client's, the game server's, or GNS's).
    ///
    /// # Errors
    /// [`Error::Failed`] if the library has no messages interface (Steam not initialised).
    pub fn networking_messages(&self) -> Result<NetworkingMessages> {
        let raw = match self.kind() {
            InterfaceKind::Gns => raw::gns_messages()?,
            InterfaceKind::SteamClient => steam_only::steam_messages(false)?,
            InterfaceKind::SteamGameServer => steam_only::steam_messages(true)?,
        };
        let raw = raw.ok_or(Error::Failed { function: "SteamNetworkingMessages" })?;
        Ok(NetworkingMessages { raw })
    }
}

/// A channel as the C API takes it.
fn channel_number(channel: u32) -> Result<c_int> {
    c_int::try_from(channel).map_err(|_| Error::OutOfRange {
        what: "channel",
        detail: format!("{channel} is over {}", c_int::MAX),
    })
}

impl NetworkingMessages {
    /// Sends a message to `peer` on its channel `channel`, opening a session first if there is
    /// none. The library copies the payload, `&Bytes` too (this interface has no zero-copy
    /// call). [`SendFlags::AUTO_RESTART_BROKEN_SESSION`] restarts a session that failed.
    ///
    /// # Errors
    /// [`Error::MessageTooLarge`] above [`MAX_MESSAGE_SIZE`](crate::MAX_MESSAGE_SIZE), or for
    /// an unreliable message above
    /// [`MAX_UNRELIABLE_MESSAGE_SIZE`](crate::MAX_UNRELIABLE_MESSAGE_SIZE);
    /// [`Error::OutOfRange`] for a channel over `i32::MAX` or an identity the library cannot
    /// hold; [`Error::SendBufferFull`] (back-pressure); [`Error::NotConnected`] when the
    /// session failed (and the flag to restart it was not given); [`Error::Library`]
    /// otherwise.
    pub fn send_to<'a>(
        &self,
        peer: &NetworkIdentity,
        payload: impl Into<Payload<'a>>,
        flags: SendFlags,
        channel: u32,
    ) -> Result<()> {
        let payload = payload.into();
        let data = match payload {
            Payload::Copied(data) => data,
            Payload::Shared(bytes) => bytes,
        };
        let reliable = flags.contains(SendFlags::RELIABLE);
        let max = if reliable { MAX_MESSAGE_SIZE } else { MAX_UNRELIABLE_MESSAGE_SIZE };
        if data.len() > max {
            return Err(Error::MessageTooLarge { size: data.len(), max });
        }
        self.raw.send(peer, data, flags.bits(), channel_number(channel)?)
    }

    /// Appends up to `max` messages that arrived on `channel`, from any peer, to `buf` and
    /// returns how many ([`Message::peer`] says who sent each). Reusing `buf` makes the loop
    /// allocation-free.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] for a channel over `i32::MAX`.
    pub fn receive(&self, channel: u32, buf: &mut Vec<Message>, max: usize) -> Result<usize> {
        self.raw.receive(channel_number(channel)?, buf, max)
    }

    /// Accepts the session `peer` asked for, so that its messages are received.
    ///
    /// # Errors
    /// [`Error::Failed`] if there is no pending request from `peer`.
    pub fn accept_session(&self, peer: &NetworkIdentity) -> Result<()> {
        self.raw.accept_session(peer)
    }

    /// Closes the session with `peer` (all channels); undelivered messages are dropped. The
    /// peer sees it fail.
    ///
    /// # Errors
    /// [`Error::Failed`] if there was no session with `peer`.
    pub fn close_session(&self, peer: &NetworkIdentity) -> Result<()> {
        self.raw.close_session(peer)
    }

    /// Closes `channel` with `peer`: messages queued on it are dropped; once every channel
    /// with the peer is closed, the session closes.
    ///
    /// # Errors
    /// [`Error::Failed`] if there was no session with `peer`; [`Error::OutOfRange`] for a
    /// channel over `i32::MAX`.
    pub fn close_channel(&self, peer: &NetworkIdentity, channel: u32) -> Result<()> {
        self.raw.close_channel(peer, channel_number(channel)?)
    }

    /// The session with `peer`: its connection info (state, route, why it ended) and a quick
    /// status, or `None` when there is no session.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] for an identity the library cannot hold.
    pub fn session_info(
        &self,
        peer: &NetworkIdentity,
    ) -> Result<Option<(ConnectionInfo, RealtimeStatus)>> {
        self.raw.session_info(peer)
    }
}
