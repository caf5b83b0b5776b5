//! Sending: flags and options, payloads (copied or shared), single sends and batches, with
//! the checks every message passes first (`admit`), whatever the path. One method sends one
//! message, on any lane, copied or shared; batches go through `SendMessages` 64 at a time. The
//! reliable backlog guard is `backlog.rs`, the owners of shared payloads `owners.rs`.

use bytes::Bytes;

pub(crate) mod backlog;
pub(crate) mod flags;
pub(crate) mod owners;

use backlog::Tally;
use flags::{SendFlags, SendOptions};

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::message::Message;
use crate::raw::api::Api;
use crate::raw::message::{self, Batch, Data, OutgoingMessage};
use crate::raw::types;

/// Largest message the library sends: 512 KiB.
pub const MAX_MESSAGE_SIZE: usize = types::MAX_MESSAGE_SIZE;

/// Largest unreliable message this crate sends: 16,500 bytes, GameNetworkingSockets'
/// `k_cbMaxUnreliableMsgSizeSend`.
///
/// The library itself sends a larger message flagged unreliable as a *reliable* one, without
/// saying so: it would then be retransmitted until acknowledged and hold up the messages
/// behind it on its lane, which is what unreliable delivery is chosen to avoid (and it would
/// escape the reliable backlog limit). This crate refuses such a message instead, with
/// [`Error::MessageTooLarge`] (`max` = this limit), before anything is queued: send it with
/// [`SendFlags::RELIABLE`] if reliable delivery is what it needs, or split it.
pub const MAX_UNRELIABLE_MESSAGE_SIZE: usize = 16_500;

/// A payload to send.
///
/// Borrowed bytes are copied once, into a buffer the library allocates. [`Bytes`] are handed to
/// the library without a copy: it keeps a reference (a reference-count increment, no
/// allocation) until it no longer needs the data, then releases it from whichever thread it
/// is on. Sending one `Bytes` to many connections shares the one buffer.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// Copied into a library buffer.
    Copied(&'a [u8]),
    /// Shared with the library, not copied.
    Shared(&'a Bytes),
}

impl Payload<'_> {
    /// Length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Payload::Copied(data) => data.len(),
            Payload::Shared(bytes) => bytes.len(),
        }
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<'a> From<&'a [u8]> for Payload<'a> {
    fn from(data: &'a [u8]) -> Self {
        Payload::Copied(data)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Payload<'a> {
    fn from(data: &'a [u8; N]) -> Self {
        Payload::Copied(data)
    }
}

impl<'a> From<&'a Vec<u8>> for Payload<'a> {
    fn from(data: &'a Vec<u8>) -> Self {
        Payload::Copied(data)
    }
}

impl<'a> From<&'a str> for Payload<'a> {
    fn from(text: &'a str) -> Self {
        Payload::Copied(text.as_bytes())
    }
}

impl<'a> From<&'a String> for Payload<'a> {
    fn from(text: &'a String) -> Self {
        Payload::Copied(text.as_bytes())
    }
}

impl<'a> From<&'a Bytes> for Payload<'a> {
    fn from(bytes: &'a Bytes) -> Self {
        Payload::Shared(bytes)
    }
}

/// One message of a batch for [`Sockets::send_messages`](crate::Sockets::send_messages).
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// Where to send it.
    pub connection: &'a Connection,
    /// What to send: borrowed bytes (copied) or [`Bytes`] (shared, no copy).
    pub data: Payload<'a>,
    /// How to send it.
    pub flags: SendFlags,
    /// Which lane (0 unless the connection has more; see
    /// [`Connection::configure_lanes`](crate::Connection::configure_lanes)).
    pub lane: u16,
}

/// Sending one message.
impl Connection {
    /// Sends one message and returns its message number (per lane). `payload` is borrowed
    /// bytes (`&[u8]`, `&Vec<u8>`, `&str`, a received `&Message`: copied once, into the
    /// library's buffer) or `&Bytes` (shared with the library, not copied); `options` is
    /// [`SendFlags`](crate::SendFlags) for lane 0, or
    /// [`SendFlags::on_lane`](crate::SendFlags::on_lane) for another lane.
    ///
    /// ```no_run
    /// # fn demo(conn: &steam_sockets::Connection) -> steam_sockets::Result<()> {
    /// use bytes::Bytes;
    /// use steam_sockets::SendFlags;
    /// conn.send(b"hello", SendFlags::RELIABLE)?;
    /// conn.send("chat line", SendFlags::RELIABLE.on_lane(1))?;
    /// let level = Bytes::from(vec![0u8; 64 * 1024]);
    /// conn.send(&level, SendFlags::RELIABLE)?; // shares the buffer, does not copy it
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::MessageTooLarge`](crate::Error::MessageTooLarge) above
    /// [`MAX_MESSAGE_SIZE`](crate::MAX_MESSAGE_SIZE), or for an unreliable message above
    /// [`MAX_UNRELIABLE_MESSAGE_SIZE`](crate::MAX_UNRELIABLE_MESSAGE_SIZE);
    /// [`Error::InvalidLane`](crate::Error::InvalidLane) for a lane the connection does not have;
    /// [`Error::SendBufferFull`](crate::Error::SendBufferFull) when the send buffer (or the
    /// reliable backlog) is full (back-pressure: retry later);
    /// [`Error::NotConnected`](crate::Error::NotConnected) when the connection is closed or not yet
    /// connected; [`Error::InvalidHandle`](crate::Error::InvalidHandle) when the library has
    /// destroyed it. Nothing is queued on error.
    #[inline]
    pub fn send<'a>(
        &self,
        payload: impl Into<Payload<'a>>,
        options: impl Into<SendOptions>,
    ) -> Result<i64> {
        send_one(self, payload.into(), options.into())
    }
}

// The unreliable limit only refuses what the library would not send as asked.
const _: () = assert!(MAX_UNRELIABLE_MESSAGE_SIZE < MAX_MESSAGE_SIZE);

/// Checks one message against the limits and the connection's lanes, and counts it against
/// the reliable backlog (in `tally` for a batch): everything that refuses a message before the
/// library sees it.
// Inlined into the send loops: out of line, its result travels through memory, and the
// checks cost as much again (measured with callgrind on the batch benchmark).
#[inline(always)]
fn admit<'a>(
    conn: &'a Connection,
    len: usize,
    options: SendOptions,
    tally: Option<&mut Tally<'a>>,
) -> Result<()> {
    let reliable = options.flags.contains(SendFlags::RELIABLE);
    let max = if reliable { MAX_MESSAGE_SIZE } else { MAX_UNRELIABLE_MESSAGE_SIZE };
    if len > max {
        return Err(Error::MessageTooLarge { size: len, max });
    }
    // Every connection has lane 0: only other lanes are looked up.
    if options.lane != 0 && options.lane >= conn.lane_count() {
        return Err(Error::InvalidLane { lane: options.lane, lanes: conn.lane_count() });
    }
    if reliable {
        match tally {
            Some(tally) => {
                conn.backlog().count_in(len, tally, || conn.raw().reliable_bytes_held())?
            }
            None => conn.backlog().count(len, || conn.raw().reliable_bytes_held())?,
        }
    }
    Ok(())
}

/// Checks and builds one outgoing message.
#[inline(always)]
fn prepare<'a>(
    conn: &'a Connection,
    payload: Payload<'_>,
    options: SendOptions,
    tally: Option<&mut Tally<'a>>,
) -> Result<OutgoingMessage> {
    admit(conn, payload.len(), options, tally)?;
    let data = match payload {
        Payload::Copied(bytes) => Data::Copy(bytes),
        // A reference-count increment: the library keeps its own reference.
        Payload::Shared(bytes) => Data::Share(bytes.clone()),
    };
    OutgoingMessage::new(conn.api(), conn.raw().handle, data, options.flags.bits(), options.lane)
}

/// Sends one message (`Connection::send`): a copy on lane 0 through `SendMessageToConnection`,
/// Valve's call for it, which measured 4% faster than a one-message `SendMessages` (the
/// library allocates and fills the message itself); anything else (another lane, shared
/// bytes) through `SendMessages`, which is the only call that takes them.
#[inline(always)]
fn send_one(conn: &Connection, payload: Payload<'_>, options: SendOptions) -> Result<i64> {
    let result = match payload {
        Payload::Copied(data) if options.lane == 0 => {
            admit(conn, data.len(), options, None)?;
            conn.raw().send_message(data, options.flags.bits())
        }
        _ => {
            let outgoing = prepare(conn, payload, options, None)?;
            message::send_one(conn.api(), outgoing)
        }
    };
    if result.is_err() && options.flags.contains(SendFlags::RELIABLE) {
        // The library refused it, so it holds nothing of it.
        conn.backlog().uncount(payload.len());
    }
    result
}

/// Sends `messages` in batches of up to 64 per `SendMessages` call and reports one result
/// per message to `on_result`, in order, with the message's index: the message number, or why
/// that message was not sent. A bad message does not stop the others: the messages queued
/// before it are sent first, so results stay in order without storing any.
#[inline]
pub(crate) fn send_batch<'a>(
    api: Api,
    messages: impl IntoIterator<Item = Outgoing<'a>>,
    mut on_result: impl FnMut(usize, Result<i64>),
) {
    let mut index = 0;
    let mut on_result = |result| {
        on_result(index, result);
        index += 1;
    };
    let mut batch = Batch::new();
    let mut tally = Tally::default();
    for message in messages {
        let options = SendOptions { flags: message.flags, lane: message.lane };
        match prepare(message.connection, message.data, options, Some(&mut tally)) {
            Ok(outgoing) => {
                if batch.push(outgoing) {
                    tally.settle();
                    batch.send(api, &mut on_result);
                }
            }
            Err(error) => {
                tally.settle();
                batch.send(api, &mut on_result);
                on_result(Err(error));
            }
        }
    }
    tally.settle();
    batch.send(api, &mut on_result);
}

impl<'a> From<&'a Message> for Payload<'a> {
    /// A received message's payload, copied (to echo or forward it).
    fn from(message: &'a Message) -> Self {
        Payload::Copied(message.data())
    }
}
