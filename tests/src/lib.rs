//! Helpers shared by the integration tests: connected pairs over UDP loopback, and pumping
//! callbacks until an expected event arrives (with a deadline, so a broken test fails instead of
//! hanging).

use std::time::{Duration, Instant};

use steam_sockets::{
    ConfigValue, Connection, ConnectionState, ConnectionStatusChanged, Event, IncomingConnection,
    ListenSocket, Message, Sockets,
};

/// How long a helper waits for something that takes milliseconds on loopback.
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

/// Receives on `conn` until `count` messages arrived (pumping callbacks meanwhile).
pub fn receive_n(sockets: &Sockets, conn: &Connection, count: usize) -> Vec<Message> {
    let mut out = Vec::with_capacity(count);
    let start = Instant::now();
    while out.len() < count {
        sockets.run_callbacks();
        let missing = count - out.len();
        conn.receive(&mut out, missing).expect("receive");
        assert!(start.elapsed() < DEADLINE, "only {} of {count} messages arrived", out.len());
        if out.len() < count {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    out
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
