//! Many connections: 1,000 clients on one listen socket, the server's ends in one poll group;
//! each client sends messages and gets an echo of each. Every request, connect, message, echo
//! and close is accounted for.
//!
//! The traffic comes in waves, as a crowd reaches a real server, because all the server's
//! ends share the listen socket's one UDP socket, whose kernel receive buffer (GNS asks for
//! 256 KiB) holds a few hundred packets. A thousand clients' packets at once overflowed it:
//! data was retransmitted, but a lost close packet is never sent again, and the server's end
//! then timed out ten seconds or more later (`ProblemDetectedLocally`, "Connection dropped")
//! instead of seeing `ClosedByPeer`: up to 238 of 1,000 with two CPU-bound processes beside
//! the scenario, and 57 once on a quiet machine. So clients connect 20 at a time, send 100 at a
//! time, and close 50 at a time, each close wave once the server has seen the last one; and
//! while clients close, the server sends each of its ends a small update every 50 ms, as a game
//! server does, which a client that has closed answers with its close again (GNS keeps a closed
//! connection for 5 s to do that).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use steam_sockets::{Connection, ConnectionId, ConnectionState, Event, PollGroup, SendFlags};

use crate::common::{self, DEADLINE, Progress, Report};
use crate::runner::Size;

/// Messages each client sends (each echoed back).
const PER_CLIENT: u32 = 5;

/// Clients that connect between two pumps of the library.
const CONNECT_WAVE: usize = 20;

/// Clients that send their messages between two rounds of receiving and echoing.
const SEND_WAVE: usize = 100;

/// Closes in flight at most: the next clients close once the server has seen these.
const CLOSE_WAVE: usize = 50;

/// How often the server sends its open ends an update while clients close.
const UPDATE_EVERY: Duration = Duration::from_millis(50);

/// Runs the scenario.
pub fn run(size: Size) -> Report {
    let clients = size.pick(1_000usize, 100);
    Report::of("many-connections", |report| many(report, clients))
}

fn many(report: &mut Report, count: usize) -> Result<(), String> {
    let sockets = common::init()?;
    let options = common::fast_options();
    let listener = common::listen(&sockets, &options)?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let group = sockets.create_poll_group().map_err(|e| e.to_string())?;
    let events = sockets.events();
    let start = Instant::now();
    let mut clients: Vec<Connection> = Vec::with_capacity(count);
    let mut servers: HashMap<ConnectionId, Connection> = HashMap::new();
    let mut connected: HashSet<ConnectionId> = HashSet::new();
    let mut incoming = 0usize;
    let mut connecting = 0usize;
    let mut other_events = Vec::new();
    // The library also queues at most ~100 callbacks: pump between waves.
    while clients.len() < count || connected.len() < 2 * count {
        for _ in 0..CONNECT_WAVE {
            if clients.len() < count {
                clients.push(sockets.connect_ip(addr, &options).map_err(|e| e.to_string())?);
            }
        }
        sockets.run_callbacks();
        for event in events.try_iter() {
            match event {
                Event::Incoming(request) => {
                    incoming += 1;
                    let conn = request.accept().map_err(|e| format!("accept: {e}"))?;
                    conn.set_poll_group(Some(&group)).map_err(|e| e.to_string())?;
                    servers.insert(conn.id(), conn);
                }
                Event::ConnectionStatus(change)
                    if change.info.state == ConnectionState::Connected =>
                {
                    if !connected.insert(change.connection) {
                        other_events.push(format!("{} connected twice", change.connection));
                    }
                }
                // A client's own first transition.
                Event::ConnectionStatus(change)
                    if change.info.state == ConnectionState::Connecting
                        && change.info.listen_socket.is_none() =>
                {
                    connecting += 1;
                }
                other => other_events.push(format!("{other:?}")),
            }
        }
        if start.elapsed() > DEADLINE {
            return Err(format!("{} of {} ends connected", connected.len(), 2 * count));
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let setup = start.elapsed();
    let total = count as u64 * u64::from(PER_CLIENT);
    let mut echo = Echo::new(count);
    let exchange = Instant::now();
    let mut progress = Progress::start();
    let mut waves = clients.chunks(SEND_WAVE).enumerate();
    while echo.echoes < total {
        if let Some((wave, chunk)) = waves.next() {
            for (offset, client) in chunk.iter().enumerate() {
                let index = wave * SEND_WAVE + offset;
                for seq in 0..PER_CLIENT {
                    client
                        .send(&common::payload(index as u32, seq, 64), SendFlags::RELIABLE)
                        .map_err(|e| format!("client {index} send: {e}"))?;
                }
            }
        }
        sockets.run_callbacks();
        other_events.extend(events.try_iter().map(|e| format!("{e:?}")));
        progress.advance(echo.serve(&group, &servers, &clients)?);
        progress.check(|| format!("{} of {total} echoes arrived", echo.echoes))?;
    }
    let exchange_time = exchange.elapsed();
    // Every connection is still there, connected, and in the group; then all close.
    let held = servers
        .values()
        .filter(|c| c.info().is_ok_and(|i| i.state == ConnectionState::Connected))
        .count();
    let client_ids: HashSet<_> = clients.iter().map(Connection::id).collect();
    let close_start = Instant::now();
    let closed = close_in_waves(clients, &sockets, &servers, &mut other_events)?;
    report.detail(format!(
        "{count} connections on one listen socket and one poll group: connected in {:.1} s, \
         {total} messages echoed in {:.1} s, {held} held to the end, {closed} closes seen in \
         {:.1} s",
        setup.as_secs_f64(),
        exchange_time.as_secs_f64(),
        close_start.elapsed().as_secs_f64()
    ));
    report.check(incoming == count, || format!("{incoming} requests for {count} clients"));
    report.check(connecting == count, || format!("{connecting} of {count} clients connecting"));
    report.check(client_ids.len() == count, || "client ids collide".into());
    report.check(held == count, || format!("{held} of {count} server ends still connected"));
    report.check(closed == count, || format!("{closed} of {count} closes seen by the server"));
    report.check(other_events.is_empty(), || format!("unexpected events: {other_events:?}"));
    report.sent += 2 * total;
    report.received += echo.received + echo.echoes;
    report.reliable_lost += 2 * total - (echo.received + echo.echoes).min(2 * total);
    report.out_of_order += echo.out_of_order;
    drop(listener);
    Ok(())
}

/// The server's echo of every client message, and the clients' check of the echoes.
struct Echo {
    inbox: Vec<steam_sockets::Message>,
    /// The next sequence number expected from each client, at the server.
    next_from_client: HashMap<u32, u32>,
    /// The next sequence number expected back, at each client.
    next_echo: Vec<u32>,
    received: u64,
    echoes: u64,
    out_of_order: u64,
}

impl Echo {
    fn new(clients: usize) -> Echo {
        Echo {
            inbox: Vec::new(),
            next_from_client: HashMap::new(),
            next_echo: vec![0; clients],
            received: 0,
            echoes: 0,
            out_of_order: 0,
        }
    }

    /// Echoes what reached the poll group and takes in what reached the clients; returns how
    /// many messages moved.
    fn serve(
        &mut self,
        group: &PollGroup,
        servers: &HashMap<ConnectionId, Connection>,
        clients: &[Connection],
    ) -> Result<u64, String> {
        let before = self.received + self.echoes;
        self.inbox.clear();
        group.receive(&mut self.inbox, 1024).map_err(|e| e.to_string())?;
        for message in &self.inbox {
            let (stream, seq) = common::verify(message).ok_or("corrupted message")?;
            self.received += 1;
            let next = self.next_from_client.entry(stream).or_insert(0);
            if *next != seq {
                self.out_of_order += 1;
            }
            *next = seq + 1;
            let server =
                servers.get(&message.connection()).ok_or("message from unknown connection")?;
            server.send(message, SendFlags::RELIABLE).map_err(|e| format!("echo: {e}"))?;
        }
        for (index, client) in clients.iter().enumerate() {
            self.inbox.clear();
            client.receive(&mut self.inbox, 64).map_err(|e| e.to_string())?;
            for message in &self.inbox {
                let (stream, seq) = common::verify(message).ok_or("corrupted echo")?;
                if stream as usize != index || seq != self.next_echo[index] {
                    self.out_of_order += 1;
                }
                self.next_echo[index] = seq + 1;
                self.echoes += 1;
            }
        }
        Ok(self.received + self.echoes - before)
    }
}

/// Drops the clients [`CLOSE_WAVE`] at a time and returns how many closes the server saw
/// (`ClosedByPeer` on its ends); other events go to `other_events`.
fn close_in_waves(
    clients: Vec<Connection>,
    sockets: &steam_sockets::Sockets,
    servers: &HashMap<ConnectionId, Connection>,
    other_events: &mut Vec<String>,
) -> Result<usize, String> {
    let events = sockets.events();
    let mut clients = clients.into_iter();
    let mut open: HashSet<ConnectionId> = servers.keys().copied().collect();
    let (mut dropped, mut closed) = (0usize, 0usize);
    let mut last_update = Instant::now();
    let mut progress = Progress::start();
    while !open.is_empty() {
        while dropped - closed < CLOSE_WAVE {
            let Some(client) = clients.next() else { break };
            drop(client);
            dropped += 1;
        }
        sockets.run_callbacks();
        for event in events.try_iter() {
            match event {
                Event::ConnectionStatus(change)
                    if change.info.state == ConnectionState::ClosedByPeer
                        && open.remove(&change.connection) =>
                {
                    closed += 1;
                    progress.advance(1);
                }
                other => other_events.push(format!("{other:?}")),
            }
        }
        if last_update.elapsed() >= UPDATE_EVERY {
            last_update = Instant::now();
            for id in &open {
                match servers[id].send(b"update", SendFlags::UNRELIABLE | SendFlags::NO_NAGLE) {
                    // The close is in the event queue, not yet pumped.
                    Ok(_) | Err(steam_sockets::Error::NotConnected { .. }) => {}
                    Err(e) => return Err(format!("update: {e}")),
                }
            }
        }
        if let Err(e) = progress.check(|| format!("{closed} of {} closes seen", servers.len())) {
            other_events.push(e);
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(closed)
}
