//! Signaling as a building block: the wire format of Valve's trivial signaling service
//! (GameNetworkingSockets' `examples/trivial_signaling_server.py` and
//! `trivial_signaling_client.cpp`), a client that makes it the process's signaling for P2P
//! connections, and a small rendezvous server that speaks it.
//!
//! The protocol is line-oriented over TCP. A client's first line is its own identity, in
//! [`NetworkIdentity`]'s text form. Then each line is `DESTINATION HEX`: the identity of the
//! peer to deliver to, one space, and the signal in lowercase hexadecimal. The server forwards
//! such a line to the client that announced `DESTINATION`, with the sender's identity in its
//! place, and drops it when there is none. Lines end with `\n`; hexadecimal never contains a
//! space or a newline, so a line is a frame. Delivery is best effort, as the library expects of
//! signaling: it retries what gets lost.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TrySendError};

use crate::error::{Error, Result};
use crate::identity::NetworkIdentity;
use crate::raw::api::Api;
use crate::raw::signaling::{RawSignal, SignalSink};
use crate::raw::{callbacks, sockets as raw};
use crate::sockets::Sockets;

/// Longest line either side reads: a signal is a few hundred bytes, and a line this long is
/// garbage (read no further, so a hostile peer cannot make it allocate without bound).
pub const MAX_SIGNALING_LINE: usize = 64 * 1024;

/// Signals waiting to be written before new ones are dropped (the library retries).
const OUTBOX_CAPACITY: usize = 64;

// ---------------------------------------------------------------------------------------------
// Wire format
// ---------------------------------------------------------------------------------------------

/// An identity as the protocol writes it: its text form, which must not contain whitespace.
fn identity_text(identity: &NetworkIdentity) -> Result<String> {
    let text = identity.to_string();
    if text.is_empty() || text.contains(char::is_whitespace) {
        return Err(Error::OutOfRange {
            what: "signaling identity",
            detail: format!("{text:?}: the protocol needs an identity without whitespace"),
        });
    }
    Ok(text)
}

/// The line that sends `signal` to `to` (or, from the server, from `to`).
fn encode_line(to: &str, signal: &[u8]) -> String {
    let mut line = String::with_capacity(to.len() + 2 * signal.len() + 2);
    line.push_str(to);
    line.push(' ');
    for byte in signal {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        line.push(char::from(HEX[usize::from(byte >> 4)]));
        line.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    line.push('\n');
    line
}

/// Splits a line (without its `\n`) into the identity and the text after the first space.
fn split_line(line: &str) -> Result<(&str, &str)> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let (identity, payload) = line
        .split_once(' ')
        .ok_or(Error::SignalingLine { reason: "no space after the identity" })?;
    if identity.is_empty() {
        return Err(Error::SignalingLine { reason: "no identity" });
    }
    Ok((identity, payload))
}

/// The identity and the signal of a line.
fn decode_line(line: &str) -> Result<(NetworkIdentity, Vec<u8>)> {
    let (identity, hex) = split_line(line)?;
    let identity =
        identity.parse().map_err(|_| Error::SignalingLine { reason: "not an identity" })?;
    let digits = hex.as_bytes();
    if digits.is_empty() || digits.len() % 2 != 0 {
        return Err(Error::SignalingLine { reason: "not an even, non-zero number of hex digits" });
    }
    let digit = |b: u8| char::from(b).to_digit(16).map(|d| d as u8);
    let signal = digits
        .chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect::<Option<Vec<u8>>>()
        .ok_or(Error::SignalingLine { reason: "not hexadecimal" })?;
    Ok((identity, signal))
}

/// Reads one line of at most [`MAX_SIGNALING_LINE`] bytes into `line` (cleared first), without
/// its `\n`. `Ok(false)` at the end of the stream.
fn read_line<R: BufRead>(reader: &mut R, line: &mut Vec<u8>) -> std::io::Result<bool> {
    line.clear();
    let limit = u64::try_from(MAX_SIGNALING_LINE + 1).unwrap_or(u64::MAX);
    let read = std::io::Read::take(reader, limit).read_until(b'\n', line)?;
    if read == 0 {
        return Ok(false);
    }
    if line.last() != Some(&b'\n') {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "a signaling line too long, or cut short",
        ));
    }
    line.pop();
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/// A connection to a rendezvous server speaking Valve's trivial signaling protocol (see the
/// module's docs and [`SignalingServer`]), made the process's signaling for P2P connections.
///
/// While it lives, [`Sockets::connect_p2p`] and [`Sockets::listen_p2p`] work on the `gns`
/// backend as they do on Steam: the library's signals for a connection go to the server,
/// addressed to the peer's identity, and what the server forwards is handed back to the
/// library on a thread of the client's own. Both peers need a signaling client, on the same
/// server, and identities without whitespace (for example
/// [`NetworkIdentity::GenericString`] names given to
/// [`Sockets::init_gns_with_identity`]). One client at a time per process: the library has
/// one signaling factory.
///
/// ```no_run
/// # fn main() -> steam_sockets::Result<()> {
/// use steam_sockets::{NetworkIdentity, SignalingClient, Sockets};
/// let me = NetworkIdentity::GenericString("player-1".into());
/// let sockets = Sockets::init_gns_with_identity(&me)?;
/// let _signaling = SignalingClient::connect(&sockets, "10.0.0.1:10000")?;
/// let peer = NetworkIdentity::GenericString("player-2".into());
/// let conn = sockets.connect_p2p(&peer, 0, &[])?; // its signals go through the server
/// # drop(conn); Ok(()) }
/// ```
#[derive(Debug)]
pub struct SignalingClient {
    /// The socket, when the client made it ([`connect`](SignalingClient::connect)).
    stream: Option<TcpStream>,
    api: Api,
    reader: Option<JoinHandle<()>>,
    writer: Option<JoinHandle<()>>,
}

impl SignalingClient {
    /// Connects to the server at `server`, announces this host's identity
    /// ([`Sockets::identity`]) and becomes the process's signaling for P2P connections.
    ///
    /// # Errors
    /// [`Error::Io`] if the server cannot be reached; [`Error::OutOfRange`] if this host's
    /// identity contains whitespace; [`Error::Failed`] if the library's identity is not known
    /// yet or it refuses the signaling factory; [`Error::Thread`] if a thread cannot start.
    pub fn connect(sockets: &Sockets, server: impl ToSocketAddrs) -> Result<SignalingClient> {
        let stream = TcpStream::connect(server).map_err(Error::io("connect to signaling"))?;
        // Signals are small and late ones are useless: no Nagle delay.
        stream.set_nodelay(true).map_err(Error::io("signaling socket"))?;
        let write_half = stream.try_clone().map_err(Error::io("signaling socket"))?;
        let read_half = stream.try_clone().map_err(Error::io("signaling socket"))?;
        let mut client = SignalingClient::over(sockets, read_half, write_half)?;
        client.stream = Some(stream);
        Ok(client)
    }

    /// Like [`connect`](SignalingClient::connect), over any byte stream to the server (a Unix
    /// socket, a TLS session, a tunnel): `reader` and `writer` are its two directions, each
    /// used from a thread of the client's own. The reader's thread ends when the stream does.
    ///
    /// # Errors
    /// As for [`connect`](SignalingClient::connect), without the socket errors.
    pub fn over(
        sockets: &Sockets,
        reader: impl Read + Send + 'static,
        writer: impl Write + Send + 'static,
    ) -> Result<SignalingClient> {
        let me = identity_text(&sockets.identity()?)?;
        let (outbox, lines) = crossbeam_channel::bounded::<String>(OUTBOX_CAPACITY);
        outbox.send(format!("{me}\n")).map_err(|_| Error::Failed { function: "signaling" })?;
        let sink = sink(outbox);
        let writer = spawn("signaling writer", move || write_lines(writer, &lines))?;
        let mut client = SignalingClient {
            stream: None,
            api: sockets.api(),
            reader: None,
            writer: Some(writer),
        };
        let (api, reader_sink) = (sockets.api(), Arc::clone(&sink));
        client.reader =
            Some(spawn("signaling reader", move || read_signals(api, reader, &reader_sink))?);
        callbacks::set_connection_signaling(sockets.api(), Some(sink))?;
        Ok(client)
    }
}

impl Drop for SignalingClient {
    fn drop(&mut self) {
        // The library must not ask for signaling objects of a closed client.
        let _ = callbacks::set_connection_signaling(self.api, None);
        // The writer ends once the library releases the signaling objects that hold its
        // channel (or its stream fails), so it is not waited for.
        drop(self.writer.take());
        // A socket of our own is shut down, which ends the reader; another stream's reader
        // ends when that stream does, and is not waited for either.
        if let Some(stream) = self.stream.take() {
            let _ = stream.shutdown(Shutdown::Both);
            if let Some(reader) = self.reader.take() {
                let _ = reader.join();
            }
        }
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(format!("steam-sockets-{}", name.replace(' ', "-")))
        .spawn(f)
        .map_err(|e| Error::Thread { thread: "signaling", message: e.to_string() })
}

/// Where the library's signals go: a line each, addressed to the peer, for the writer thread.
/// Never blocks (the library may call it holding its lock): a full outbox drops the signal,
/// which the library will send again.
fn sink(outbox: Sender<String>) -> SignalSink {
    Arc::new(move |RawSignal { peer, data, .. }| {
        let Ok(to) = identity_text(&peer) else { return false };
        match outbox.try_send(encode_line(&to, &data)) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                log::warn!("steam-sockets: signaling outbox full; a signal was dropped");
                false
            }
            Err(TrySendError::Disconnected(_)) => false,
        }
    })
}

/// Writes each line to the server, until the channel closes or the socket fails.
fn write_lines(mut stream: impl Write, lines: &Receiver<String>) {
    for line in lines {
        if stream.write_all(line.as_bytes()).and_then(|()| stream.flush()).is_err() {
            return;
        }
    }
}

/// Hands every signal the server forwards to the library, until the stream ends.
fn read_signals(api: Api, stream: impl Read, sink: &SignalSink) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    while let Ok(true) = read_line(&mut reader, &mut line) {
        let decoded = std::str::from_utf8(&line)
            .map_err(|_| Error::SignalingLine { reason: "not UTF-8" })
            .and_then(decode_line);
        match decoded {
            Ok((_sender, signal)) => {
                if let Err(e) = raw::received_p2p_custom_signal(api, &signal, Arc::clone(sink)) {
                    log::debug!("steam-sockets: the library did not take a signal: {e}");
                }
            }
            Err(e) => log::warn!("steam-sockets: signaling server sent garbage: {e}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

/// A small rendezvous server for [`SignalingClient`]s (and Valve's C++ trivial signaling
/// clients): it forwards each client's signals to the client that announced the destination
/// identity. For development and LAN games: it has no authentication or rate limit. Runs on
/// threads of its own until dropped.
///
/// ```no_run
/// # fn main() -> steam_sockets::Result<()> {
/// let server = steam_sockets::SignalingServer::bind("0.0.0.0:10000")?;
/// println!("signaling on {}", server.local_addr());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct SignalingServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    clients: Arc<Clients>,
    accepter: Option<JoinHandle<()>>,
}

/// Announced identities and the streams to reach them.
type Clients = Mutex<HashMap<String, TcpStream>>;

/// How often the accepting thread looks for a stop.
const ACCEPT_POLL: Duration = Duration::from_millis(20);

impl SignalingServer {
    /// Listens on `addr` (port 0: a free port, see [`local_addr`](SignalingServer::local_addr)).
    ///
    /// # Errors
    /// [`Error::Io`] if it cannot listen there; [`Error::Thread`] if a thread cannot start.
    pub fn bind(addr: impl ToSocketAddrs) -> Result<SignalingServer> {
        let listener = TcpListener::bind(addr).map_err(Error::io("listen for signaling"))?;
        let addr = listener.local_addr().map_err(Error::io("listen for signaling"))?;
        listener.set_nonblocking(true).map_err(Error::io("listen for signaling"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let clients = Arc::new(Clients::default());
        let (thread_stop, thread_clients) = (Arc::clone(&stop), Arc::clone(&clients));
        let accepter =
            spawn("signaling server", move || accept(&listener, &thread_stop, &thread_clients))?;
        Ok(SignalingServer { addr, stop, clients, accepter: Some(accepter) })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for SignalingServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(accepter) = self.accepter.take() {
            let _ = accepter.join();
        }
        // Ends the clients' threads: each sees the end of its stream.
        let clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        for stream in clients.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// Accepts clients until `stop`, each served on a thread of its own.
fn accept(listener: &TcpListener, stop: &AtomicBool, clients: &Arc<Clients>) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                let clients = Arc::clone(clients);
                let served = spawn("signaling client", move || serve(stream, &clients));
                if let Err(e) = served {
                    log::warn!("steam-sockets: signaling server: {e}");
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(ACCEPT_POLL),
            Err(e) => {
                log::warn!("steam-sockets: signaling server: accept: {e}");
                std::thread::sleep(ACCEPT_POLL);
            }
        }
    }
}

/// One client: its greeting, then its lines forwarded until its stream ends.
fn serve(stream: TcpStream, clients: &Clients) {
    let (Ok(registered), Ok(()), Ok(())) =
        (stream.try_clone(), stream.set_nonblocking(false), stream.set_nodelay(true))
    else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    let Ok(true) = read_line(&mut reader, &mut line) else { return };
    let Ok(identity) = String::from_utf8(line.clone()) else { return };
    let identity = identity.trim().to_owned();
    if identity.is_empty() || identity.contains(char::is_whitespace) {
        return;
    }
    // A client that announces an identity again replaces the earlier connection.
    let replaced = lock(clients).insert(identity.clone(), registered);
    if let Some(old) = replaced {
        let _ = old.shutdown(Shutdown::Both);
    }
    while let Ok(true) = read_line(&mut reader, &mut line) {
        let Ok(text) = std::str::from_utf8(&line) else { continue };
        let Ok((destination, payload)) = split_line(text) else { continue };
        let forwarded = format!("{identity} {payload}\n");
        let mut clients = lock(clients);
        if let Some(peer) = clients.get_mut(destination) {
            if peer.write_all(forwarded.as_bytes()).is_err() {
                clients.remove(destination);
            }
        }
    }
    // Gone: forget it, unless a newer connection took its identity.
    let mut clients = lock(clients);
    let ours = clients
        .get(&identity)
        .zip(reader.get_ref().peer_addr().ok())
        .is_some_and(|(stream, addr)| stream.peer_addr().ok() == Some(addr));
    if ours {
        clients.remove(&identity);
    }
}

fn lock(clients: &Clients) -> std::sync::MutexGuard<'_, HashMap<String, TcpStream>> {
    clients.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_match_valves_format() {
        let line = encode_line("str:peer-b", &[0x00, 0x7f, 0xab, 0xff]);
        assert_eq!(line, "str:peer-b 007fabff\n");
        let (who, signal) = decode_line(line.trim_end_matches('\n')).unwrap();
        assert_eq!(who, NetworkIdentity::GenericString("peer-b".into()));
        assert_eq!(signal, [0x00, 0x7f, 0xab, 0xff]);
        // Valve's client reads either case; so does this one. A CRLF line is accepted too.
        assert_eq!(decode_line("str:x 0A0b\r").unwrap().1, [0x0a, 0x0b]);
    }

    #[test]
    fn malformed_lines_are_typed_errors() {
        let reason = |line: &str| match decode_line(line) {
            Err(Error::SignalingLine { reason }) => reason,
            other => panic!("{line:?}: {other:?}"),
        };
        assert_eq!(reason("str:x"), "no space after the identity");
        assert_eq!(reason(" 00"), "no identity");
        assert_eq!(reason("nonsense 00"), "not an identity");
        assert_eq!(reason("str:x 0"), "not an even, non-zero number of hex digits");
        assert_eq!(reason("str:x "), "not an even, non-zero number of hex digits");
        assert_eq!(reason("str:x zz"), "not hexadecimal");
        assert_eq!(reason("str:x +1"), "not hexadecimal");
    }

    #[test]
    fn identities_with_whitespace_cannot_be_announced() {
        let spaced = NetworkIdentity::GenericString("two words".into());
        assert!(matches!(identity_text(&spaced), Err(Error::OutOfRange { .. })));
        let plain = NetworkIdentity::GenericString("one-word".into());
        assert_eq!(identity_text(&plain).unwrap(), "str:one-word");
    }

    #[test]
    fn overlong_lines_are_not_read_whole() {
        let mut input = vec![b'a'; MAX_SIGNALING_LINE + 10];
        input.push(b'\n');
        let mut reader = std::io::Cursor::new(input);
        let mut line = Vec::new();
        let error = read_line(&mut reader, &mut line).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
        assert!(line.len() <= MAX_SIGNALING_LINE + 1);
    }

    #[test]
    #[cfg_attr(miri, ignore = "uses TCP sockets, which Miri does not support")]
    fn the_server_forwards_between_announced_identities_and_drops_the_rest() {
        let server = SignalingServer::bind("127.0.0.1:0").unwrap();
        let connect = |name: &str| {
            let mut stream = TcpStream::connect(server.local_addr()).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            stream.write_all(format!("str:{name}\n").as_bytes()).unwrap();
            stream
        };
        let mut a = connect("a");
        let b = connect("b");
        // Wait until both greetings were read (bounded).
        for _ in 0..250 {
            if lock(&server.clients).len() == 2 {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        a.write_all(b"str:nobody 00\nstr:b 0102\n").unwrap();
        let mut reader = BufReader::new(b);
        let mut line = Vec::new();
        assert!(read_line(&mut reader, &mut line).unwrap());
        assert_eq!(line, b"str:a 0102");
    }
}
