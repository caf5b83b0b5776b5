//! Helpers shared by the integration tests: connected pairs over UDP loopback, pumping
//! callbacks until an expected event arrives (with a deadline, so a broken test fails instead of
//! hanging), and judging transfers by their progress.

use std::time::{Duration, Instant};

use steam_sockets::{
    ConfigValue, Connection, ConnectionState, ConnectionStatusChanged, Event, IncomingConnection,
    ListenSocket, Message, Sockets,
};

/// How long a helper waits for something that takes milliseconds on loopback, or for the next
/// step of a transfer.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Runs callbacks and feeds each event to `f` until `f` returns `Some`, or panics after
/// [`DEADLINE`].
pub fn pump_until<T>(sockets: &Sockets, mut f: impl FnMut(Event) -> Option<T>) -> T {
    let events = sockets.events();
    let start = Instant::now();
    loop {
        sockets.run_callbacks();
        for event in events.try_iter() {
            if let Some(found) = f(event) {
                return found;
            }
        }
        assert!(start.elapsed() < DEADLINE, "no matching event within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Waits for a status change of `conn` into `state`; returns the change.
pub fn wait_for_state(
    sockets: &Sockets,
    conn: steam_sockets::ConnectionId,
    state: ConnectionState,
) -> ConnectionStatusChanged {
    pump_until(sockets, |event| match event {
        Event::ConnectionStatus(change)
            if change.connection == conn && change.info.state == state =>
        {
            Some(change)
        }
        _ => None,
    })
}

/// Receives on `conn` until `count` messages arrived (pumping callbacks meanwhile). Fails when
/// none arrives for [`DEADLINE`], however long the whole takes (see [`Progress`]).
pub fn receive_n(sockets: &Sockets, conn: &Connection, count: usize) -> Vec<Message> {
    let mut out = Vec::with_capacity(count);
    let mut progress = Progress::new("receive");
    while out.len() < count {
        sockets.run_callbacks();
        let missing = count - out.len();
        progress.advance(conn.receive(&mut out, missing).expect("receive"));
        progress.check(count);
        if out.len() < count {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    out
}

/// Longest a [`Progress`] may take in all, however steadily it moves: every loop stops.
pub const RUN_LIMIT: Duration = Duration::from_secs(300);

/// Judges a transfer by its progress rather than by a fixed deadline: it fails when nothing
/// moved for [`DEADLINE`] (or after [`RUN_LIMIT`] in all), so a slow or busy machine passes,
/// only slower, and a stuck transfer still fails. Failures and [`Progress::finish`] say how far
/// it got and how long it took.
#[derive(Debug)]
pub struct Progress {
    what: &'static str,
    start: Instant,
    last: Instant,
    done: usize,
}

impl Progress {
    /// Starts the clocks of a transfer called `what`.
    pub fn new(what: &'static str) -> Progress {
        let now = Instant::now();
        Progress { what, start: now, last: now, done: 0 }
    }

    /// Records `items` more done; any progress restarts the stall clock.
    pub fn advance(&mut self, items: usize) {
        if items > 0 {
            self.done += items;
            self.last = Instant::now();
        }
    }

    /// Panics, saying how many of `total` were done and the times, if the transfer stalled or
    /// ran too long.
    pub fn check(&self, total: usize) {
        let stalled = self.last.elapsed();
        let elapsed = self.start.elapsed();
        assert!(
            stalled < DEADLINE && elapsed < RUN_LIMIT,
            "{}: {} of {total} after {:.1} s, nothing new for {:.1} s",
            self.what,
            self.done,
            elapsed.as_secs_f64(),
            stalled.as_secs_f64()
        );
    }

    /// Prints how many items took how long (shown with `--nocapture`, or beside a failure).
    pub fn finish(&self) {
        eprintln!("{}: {} in {:.2} s", self.what, self.done, self.start.elapsed().as_secs_f64());
    }
}

/// A UDP port on 127.0.0.1 that was free a moment ago (the library needs an explicit port).
pub fn free_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind an ephemeral UDP port");
    socket.local_addr().expect("local address").port()
}

/// Listens on a free port of 127.0.0.1.
pub fn listen(sockets: &Sockets, options: &[ConfigValue]) -> ListenSocket {
    sockets
        .listen_ip(("127.0.0.1".parse::<std::net::Ipv4Addr>().unwrap(), free_port()), options)
        .expect("listen")
}

/// A client connecting to a fresh listen socket, and the server's pending request for it.
#[derive(Debug)]
pub struct Request {
    /// The handle everything was created from.
    pub sockets: Sockets,
    /// The listen socket the request arrived on.
    pub listener: ListenSocket,
    /// The connecting client.
    pub client: Connection,
    /// The server's side, not yet accepted.
    pub request: IncomingConnection,
}

impl Request {
    /// Listens, connects, and waits for the request.
    pub fn connect() -> Request {
        let sockets = Sockets::init_gns().expect("init GNS");
        let listener = listen(&sockets, &[]);
        let client =
            sockets.connect_ip(listener.local_addr().expect("address"), &[]).expect("connect");
        let request = pump_until(&sockets, |event| match event {
            Event::Incoming(request) => Some(request),
            _ => None,
        });
        Request { sockets, listener, client, request }
    }
}

/// A server and a client connected over UDP on 127.0.0.1, sharing one `Sockets`.
#[derive(Debug)]
pub struct Pair {
    /// The handle both ends were created from.
    pub sockets: Sockets,
    /// The listen socket (keep it: dropping it destroys `server`).
    pub listener: ListenSocket,
    /// The server's end.
    pub server: Connection,
    /// The client's end.
    pub client: Connection,
}

impl Pair {
    /// Connects a new pair and waits until both ends are connected.
    pub fn connect(options: &[ConfigValue]) -> Pair {
        let sockets = Sockets::init_gns().expect("init GNS");
        let listener = listen(&sockets, options);
        let addr = listener.local_addr().expect("listen address");
        let client = sockets.connect_ip(addr, options).expect("connect");
        let server = pump_until(&sockets, |event| match event {
            Event::Incoming(request) => Some(request.accept().expect("accept")),
            _ => None,
        });
        let mut connected = (false, false);
        pump_until(&sockets, |event| {
            if let Event::ConnectionStatus(change) = event {
                if change.info.state == ConnectionState::Connected {
                    if change.connection == server.id() {
                        connected.0 = true;
                    } else if change.connection == client.id() {
                        connected.1 = true;
                    }
                }
            }
            (connected == (true, true)).then_some(())
        });
        Pair { sockets, listener, server, client }
    }
}
