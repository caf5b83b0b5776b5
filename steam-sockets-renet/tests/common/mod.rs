//! Helpers for the transport tests: a renet server and clients over UDP on 127.0.0.1, ticked
//! together until a condition holds (with a deadline, so a broken test fails instead of
//! hanging), and a UDP relay that can be cut to make a client vanish without closing.
#![allow(dead_code)] // each test binary uses a different part

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use renet::{ConnectionConfig, RenetClient, RenetServer, ServerEvent};
use steam_sockets::{ConfigValue, Sockets};
use steam_sockets_renet::{ClientTransport, ServerConfig, ServerTransport};

/// Longest any wait may take. Everything here takes milliseconds on loopback; the margin is for
/// a loaded 2-core machine.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// A renet server and its transport, listening on 127.0.0.1.
pub struct Server {
    pub renet: RenetServer,
    pub transport: ServerTransport,
    pub addr: SocketAddr,
    /// renet's events, in order.
    pub events: Vec<ServerEvent>,
    last: Instant,
}

impl Server {
    pub fn start(config: ServerConfig, options: &[ConfigValue]) -> Server {
        let sockets = Sockets::init_gns().expect("init GNS");
        let mut transport = ServerTransport::new(sockets, config).expect("server transport");
        let addr = transport.listen_ip("127.0.0.1:0", options).expect("listen");
        Server {
            renet: RenetServer::new(ConnectionConfig::default()),
            transport,
            addr,
            events: Vec::new(),
            last: Instant::now(),
        }
    }

    /// One tick: renet's clock, receive, renet's events, send.
    pub fn tick(&mut self) {
        let now = Instant::now();
        self.renet.update(now - self.last);
        self.last = now;
        self.transport.update(&mut self.renet);
        while let Some(event) = self.renet.get_event() {
            self.events.push(event);
        }
        self.transport.send_packets(&mut self.renet);
    }
}

/// A renet client and its transport.
pub struct Client {
    pub renet: RenetClient,
    pub transport: ClientTransport,
    last: Instant,
}

impl Client {
    pub fn connect(addr: SocketAddr, options: &[ConfigValue]) -> Client {
        let sockets = Sockets::init_gns().expect("init GNS");
        Client {
            renet: RenetClient::new(ConnectionConfig::default()),
            transport: ClientTransport::connect_ip(sockets, addr, options).expect("connect"),
            last: Instant::now(),
        }
    }

    /// One tick: renet's clock, receive, send (a send on an ended connection is the test's to
    /// check, through the transport's state).
    pub fn tick(&mut self) {
        let now = Instant::now();
        self.renet.update(now - self.last);
        self.last = now;
        self.transport.update(&mut self.renet);
        let _ = self.transport.send_packets(&mut self.renet);
    }
}

/// Ticks the server and the clients until `done` says so; returns how long it took. Panics,
/// naming `what`, after [`DEADLINE`].
pub fn run_until(
    what: &str,
    server: &mut Server,
    clients: &mut [Client],
    mut done: impl FnMut(&mut Server, &mut [Client]) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        server.tick();
        for client in clients.iter_mut() {
            client.tick();
        }
        if done(server, clients) {
            return start.elapsed();
        }
        assert!(start.elapsed() < DEADLINE, "{what}: not within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Ticks until every client is connected, both in its transport and in the server's renet.
pub fn connect_all(server: &mut Server, clients: &mut [Client]) -> Duration {
    let wanted = clients.len();
    run_until("clients connect", server, clients, |server, clients| {
        server.renet.connected_clients() == wanted
            && clients.iter().all(|c| c.transport.is_connected() && c.renet.is_connected())
    })
}

/// A UDP relay on 127.0.0.1 between one client and a server; [`cut`](Relay::cut) makes the
/// client vanish without a word, as if its cable were pulled.
pub struct Relay {
    pub addr: SocketAddr,
    cut: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Longest a relay runs, whatever the test does.
const RELAY_LIFETIME: Duration = Duration::from_secs(120);

impl Relay {
    pub fn start(server: SocketAddr) -> Relay {
        let front = UdpSocket::bind("127.0.0.1:0").expect("relay front");
        let back = UdpSocket::bind("127.0.0.1:0").expect("relay back");
        back.connect(server).expect("relay to server");
        front.set_nonblocking(true).unwrap();
        back.set_nonblocking(true).unwrap();
        let addr = front.local_addr().unwrap();
        let (cut, stop) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let (thread_cut, thread_stop) = (Arc::clone(&cut), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            let mut client: Option<SocketAddr> = None;
            let start = Instant::now();
            while !thread_stop.load(Ordering::Relaxed) && start.elapsed() < RELAY_LIFETIME {
                let mut idle = true;
                while let Ok((len, from)) = front.recv_from(&mut buf) {
                    idle = false;
                    client = Some(from);
                    if !thread_cut.load(Ordering::Relaxed) {
                        let _ = back.send(&buf[..len]);
                    }
                }
                while let Ok(len) = back.recv(&mut buf) {
                    idle = false;
                    if let (Some(client), false) = (client, thread_cut.load(Ordering::Relaxed)) {
                        let _ = front.send_to(&buf[..len], client);
                    }
                }
                if idle {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        });
        Relay { addr, cut, stop, thread: Some(thread) }
    }

    /// Drops every packet from now on, both ways.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::Relaxed);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Whether to skip a test that needs GNS (this build is on `steam`), saying so.
pub fn skip_unless_gns(test: &str) -> bool {
    let skip = steam_sockets::BACKEND != steam_sockets::Backend::Gns;
    if skip {
        eprintln!(
            "{test}: skipped: needs the gns backend (cargo test -p steam-sockets-renet \
             --no-default-features --features gns); on steam it needs a Steam client"
        );
    }
    skip
}
