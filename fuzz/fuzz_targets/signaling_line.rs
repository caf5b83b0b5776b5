//! The signaling server's line handling (`p2p/rendezvous.rs`), through its public API: a
//! `SignalingServer` on loopback, client `a` sending arbitrary bytes, client `b` reading what
//! is forwarded. (The line decoder of `SignalingClient` is private, and a client needs the
//! C library: the identity text it parses is the `parse_identity` target's.)
//!
//! What the protocol promises (the module's docs): after its greeting, each line a client
//! sends is `DESTINATION PAYLOAD`, forwarded to the client that announced `DESTINATION` with
//! the sender's identity in its place, and dropped when there is none; a line ends with `\n`
//! (a `\r` before it is accepted and dropped). So `b` must receive exactly `str:a PAYLOAD`
//! for each of `a`'s lines to `str:b`, in order, and nothing else, and the server must go on
//! serving. Each input is ended by a newline and a sentinel line to `b`, which is the last
//! line `b` must receive for it.
#![no_main]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use steam_sockets::{MAX_SIGNALING_LINE, SignalingServer};

/// How long `b` waits for a line the server must forward.
const DEADLINE: Duration = Duration::from_secs(10);

struct Peers {
    _server: SignalingServer,
    a: TcpStream,
    b: BufReader<TcpStream>,
    inputs: u64,
}

fn connect(server: &SignalingServer, name: &str) -> TcpStream {
    let mut stream = TcpStream::connect(server.local_addr()).expect("connect to the server");
    stream.set_nodelay(true).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.write_all(format!("str:{name}\n").as_bytes()).unwrap();
    stream
}

fn read_line(b: &mut BufReader<TcpStream>) -> Vec<u8> {
    let mut line = Vec::new();
    b.read_until(b'\n', &mut line).expect("b: a forwarded line in time");
    assert_eq!(line.pop(), Some(b'\n'), "b: the server closed the connection");
    line
}

fn peers() -> &'static Mutex<Peers> {
    static PEERS: OnceLock<Mutex<Peers>> = OnceLock::new();
    PEERS.get_or_init(|| {
        let server = SignalingServer::bind("127.0.0.1:0").expect("bind on loopback");
        let mut a = connect(&server, "a");
        let mut b = BufReader::new(connect(&server, "b"));
        // Lines to `a` itself are forwarded to it: read and dropped, so that the server never
        // blocks writing to it.
        let mut a_reader = a.try_clone().unwrap();
        a_reader.set_read_timeout(None).unwrap();
        std::thread::spawn(move || {
            let mut sink = [0; 4096];
            while a_reader.read(&mut sink).is_ok_and(|n| n > 0) {}
        });
        // Until `b` is registered, the server drops what `a` sends it: retry until a line
        // arrives, then drain up to a last, unique one.
        b.get_ref().set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        loop {
            a.write_all(b"str:b 00\n").unwrap();
            let mut line = Vec::new();
            if b.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                break;
            }
        }
        b.get_ref().set_read_timeout(Some(DEADLINE)).unwrap();
        a.write_all(b"str:b setup-done\n").unwrap();
        while read_line(&mut b) != b"str:a setup-done" {}
        Mutex::new(Peers { _server: server, a, b, inputs: 0 })
    })
}

/// The lines `b` must receive for `input` (ended by a newline): `str:a PAYLOAD` for each
/// UTF-8 line `str:b PAYLOAD`.
fn expected(input: &[u8]) -> Vec<Vec<u8>> {
    input
        .split(|&b| b == b'\n')
        .filter_map(|line| {
            let line = std::str::from_utf8(line).ok()?;
            let line = line.strip_suffix('\r').unwrap_or(line);
            let (destination, payload) = line.split_once(' ')?;
            (destination == "str:b").then(|| format!("str:a {payload}").into_bytes())
        })
        .collect()
}

fuzz_target!(|input: &[u8]| {
    // Longer lines are refused, and end the sender's connection (a unit test covers that).
    if input.len() >= MAX_SIGNALING_LINE {
        return;
    }
    let mut peers = peers().lock().unwrap_or_else(|e| e.into_inner());
    peers.inputs += 1;
    let sentinel = format!("sentinel-{}", peers.inputs);
    let mut want = expected(input);
    want.push(format!("str:a {sentinel}").into_bytes());
    let mut sent = input.to_vec();
    sent.extend_from_slice(format!("\nstr:b {sentinel}\n").as_bytes());
    peers.a.write_all(&sent).expect("a: the server still reads");
    for (i, line) in want.iter().enumerate() {
        let got = read_line(&mut peers.b);
        assert!(
            got == *line,
            "line {i} forwarded to b for input {input:?}: {:?}, not {:?}",
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(line),
        );
    }
});
