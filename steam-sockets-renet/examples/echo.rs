//! renet's echo chat over steam-sockets: clients send lines, the server broadcasts each one,
//! prefixed with its sender's client id, to everybody.
//!
//! ```sh
//! # GNS backend, no Steam needed:
//! cargo run -p steam-sockets-renet --no-default-features --features gns --example echo -- server 127.0.0.1:5000
//! cargo run -p steam-sockets-renet --no-default-features --features gns --example echo -- client 127.0.0.1:5000
//! # Self-check for CI: a server and a client in one process exchange one line; exit 0, or 1
//! # after 20 s.
//! cargo run -p steam-sockets-renet --no-default-features --features gns --example echo -- --smoke
//! ```
//!
//! On the default `steam` backend it initialises Steam (a running Steam client is needed;
//! without one it prints Steam's message and exits with 1).

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use renet::{ConnectionConfig, DefaultChannel, RenetClient, RenetServer, ServerEvent};
use steam_sockets::crossbeam_channel::{self, Receiver, TryRecvError};
use steam_sockets::{BACKEND, Backend, Sockets};
use steam_sockets_renet::{ClientTransport, ServerConfig, ServerTransport};

const USAGE: &str = "usage: echo server [IP:PORT] | echo client IP:PORT | echo --smoke";

/// How long a tick is.
const TICK: Duration = Duration::from_millis(10);

/// Longest the smoke test may take.
const SMOKE_DEADLINE: Duration = Duration::from_secs(20);

type Failure = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["server"] => server("127.0.0.1:5000".parse().unwrap()),
        ["server", addr] => addr.parse().map_err(Failure::from).and_then(server),
        ["client", addr] => addr.parse().map_err(Failure::from).and_then(client),
        ["--smoke"] => smoke(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A `Sockets` handle of its own for each transport: on GNS, initialising again attaches to the
/// running library with a new event channel; on Steam, the first initialises Steam and later
/// ones attach to it.
fn sockets(first: bool) -> steam_sockets::Result<Sockets> {
    match (BACKEND, first) {
        (Backend::Gns, _) => Sockets::init_gns(),
        (Backend::Steam, true) => Sockets::init_steam_client(),
        (Backend::Steam, false) => Sockets::attach_steam_client(),
    }
}

/// The chat server: every line a client sends goes to every client.
struct Chat {
    renet: RenetServer,
    transport: ServerTransport,
    last: Instant,
}

impl Chat {
    fn start(sockets: Sockets, addr: SocketAddr) -> Result<(Chat, SocketAddr), Failure> {
        let mut transport = ServerTransport::new(sockets, ServerConfig::new(64))?;
        let addr = transport.listen_ip(addr, &[])?;
        let renet = RenetServer::new(ConnectionConfig::default());
        Ok((Chat { renet, transport, last: Instant::now() }, addr))
    }

    fn tick(&mut self, verbose: bool) {
        let now = Instant::now();
        self.renet.update(now - self.last);
        self.last = now;
        self.transport.update(&mut self.renet);
        while let Some(event) = self.renet.get_event() {
            if !verbose {
                continue;
            }
            match event {
                ServerEvent::ClientConnected { client_id } => {
                    let who = self.transport.client_info(client_id);
                    println!("client {client_id} connected: {who:?}");
                }
                ServerEvent::ClientDisconnected { client_id, reason } => {
                    println!("client {client_id} left: {reason}");
                }
            }
        }
        for client_id in self.renet.clients_id() {
            while let Some(line) =
                self.renet.receive_message(client_id, DefaultChannel::ReliableOrdered)
            {
                let text = format!("{client_id}: {}", String::from_utf8_lossy(&line));
                if verbose {
                    println!("{text}");
                }
                self.renet.broadcast_message(DefaultChannel::ReliableOrdered, text);
            }
        }
        self.transport.send_packets(&mut self.renet);
    }
}

fn server(addr: SocketAddr) -> Result<(), Failure> {
    let (mut chat, addr) = Chat::start(sockets(true)?, addr)?;
    println!("echo server on {addr} ({BACKEND} backend); Ctrl-C to stop");
    loop {
        chat.tick(true);
        std::thread::sleep(TICK);
    }
}

/// A chat client.
struct Member {
    renet: RenetClient,
    transport: ClientTransport,
    last: Instant,
}

impl Member {
    fn connect(sockets: Sockets, addr: SocketAddr) -> Result<Member, Failure> {
        let transport = ClientTransport::connect_ip(sockets, addr, &[])?;
        let renet = RenetClient::new(ConnectionConfig::default());
        Ok(Member { renet, transport, last: Instant::now() })
    }

    /// Runs one tick; returns what the server sent.
    fn tick(&mut self, inbox: &mut Vec<String>) -> Result<(), Failure> {
        let now = Instant::now();
        self.renet.update(now - self.last);
        self.last = now;
        self.transport.update(&mut self.renet);
        if let Some(reason) = self.transport.close_reason() {
            return Err(format!("disconnected: {reason:?}").into());
        }
        while let Some(text) = self.renet.receive_message(DefaultChannel::ReliableOrdered) {
            inbox.push(String::from_utf8_lossy(&text).into_owned());
        }
        self.transport.send_packets(&mut self.renet)?;
        Ok(())
    }
}

fn client(addr: SocketAddr) -> Result<(), Failure> {
    let mut member = Member::connect(sockets(true)?, addr)?;
    println!("connecting to {addr} ({BACKEND} backend); type lines to send, Ctrl-D to quit");
    let lines = stdin_lines();
    let mut inbox = Vec::new();
    loop {
        member.tick(&mut inbox)?;
        for text in inbox.drain(..) {
            println!("{text}");
        }
        match lines.try_recv() {
            Ok(line) => member.renet.send_message(DefaultChannel::ReliableOrdered, line),
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => {
                member.transport.disconnect();
                return Ok(());
            }
        }
        std::thread::sleep(TICK);
    }
}

/// Lines from standard input, read on a thread of their own.
fn stdin_lines() -> Receiver<String> {
    let (sender, lines) = crossbeam_channel::unbounded();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// A server and a client in one process: the client's line comes back, broadcast.
fn smoke() -> Result<(), Failure> {
    let start = Instant::now();
    let (mut chat, addr) = Chat::start(sockets(true)?, "127.0.0.1:0".parse().unwrap())?;
    let mut member = Member::connect(sockets(false)?, addr)?;
    let line = "hello over steam-sockets";
    member.renet.send_message(DefaultChannel::ReliableOrdered, line);
    let mut inbox = Vec::new();
    while start.elapsed() < SMOKE_DEADLINE {
        chat.tick(false);
        member.tick(&mut inbox)?;
        if let Some(text) = inbox.first() {
            if !text.ends_with(&format!(": {line}")) {
                return Err(format!("unexpected echo {text:?}").into());
            }
            println!("smoke: OK: {text:?} after {:?} ({BACKEND} backend)", start.elapsed());
            member.transport.disconnect();
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Err(format!("smoke: no echo within {SMOKE_DEADLINE:?}").into())
}
