//! Many connections: 1,000 clients on one listen socket, the server's ends in one poll group;
//! each client sends messages and gets an echo of each. Every request, connect, message, echo
//! and close is accounted for.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use steam_sockets::{Connection, ConnectionState, Event, SendFlags};

use crate::common::{self, DEADLINE, Report};
use crate::runner::Size;

/// Messages each client sends (each echoed back).
const PER_CLIENT: u32 = 5;

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
    let mut servers: HashMap<steam_sockets::ConnectionId, Connection> = HashMap::new();
    let mut connected: HashSet<steam_sockets::ConnectionId> = HashSet::new();
    let mut incoming = 0usize;
    let mut connecting = 0usize;
    let mut other_events = Vec::new();
    // Connect in waves, pumping in between: the library queues at most ~100 callbacks.
    while clients.len() < count || connected.len() < 2 * count {
        for _ in 0..20 {
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
    // Every client sends; the server echoes each message from the poll group.
    let exchange = Instant::now();
    for (index, client) in clients.iter().enumerate() {
        for seq in 0..PER_CLIENT {
            client
                .send(&common::payload(index as u32, seq, 64), SendFlags::RELIABLE)
                .map_err(|e| format!("client {index} send: {e}"))?;
        }
    }
    let total = count as u64 * u64::from(PER_CLIENT);
    let mut from_client: HashMap<u32, u32> = HashMap::new();
    let (mut received, mut echoes, mut out_of_order) = (0u64, 0u64, 0u64);
    let mut inbox = Vec::new();
    let mut next_echo = vec![0u32; count];
    while echoes < total {
        sockets.run_callbacks();
        other_events.extend(events.try_iter().map(|e| format!("{e:?}")));
        inbox.clear();
        group.receive(&mut inbox, 1024).map_err(|e| e.to_string())?;
        for message in &inbox {
            let (stream, seq) = common::verify(message).ok_or("corrupted message")?;
            received += 1;
            let next = from_client.entry(stream).or_insert(0);
            if *next != seq {
                out_of_order += 1;
            }
            *next = seq + 1;
            let server =
                servers.get(&message.connection()).ok_or("message from unknown connection")?;
            server.send(message, SendFlags::RELIABLE).map_err(|e| format!("echo: {e}"))?;
        }
        for (index, client) in clients.iter().enumerate() {
            inbox.clear();
            client.receive(&mut inbox, 64).map_err(|e| e.to_string())?;
            for message in &inbox {
                let (stream, seq) = common::verify(message).ok_or("corrupted echo")?;
                if stream as usize != index || seq != next_echo[index] {
                    out_of_order += 1;
                }
                next_echo[index] = seq + 1;
                echoes += 1;
            }
        }
        if exchange.elapsed() > DEADLINE {
            return Err(format!("{echoes} of {total} echoes arrived"));
        }
    }
    let exchange_time = exchange.elapsed();
    // Every connection is still there, connected, and in the group; then all close.
    let held = servers
        .values()
        .filter(|c| c.info().is_ok_and(|i| i.state == ConnectionState::Connected))
        .count();
    let client_ids: HashSet<_> = clients.iter().map(Connection::id).collect();
    drop(clients);
    let mut closed = 0usize;
    let close_start = Instant::now();
    while closed < count {
        sockets.run_callbacks();
        for event in events.try_iter() {
            match event {
                Event::ConnectionStatus(change)
                    if change.info.state == ConnectionState::ClosedByPeer
                        && servers.contains_key(&change.connection) =>
                {
                    closed += 1;
                }
                other => other_events.push(format!("{other:?}")),
            }
        }
        if close_start.elapsed() > DEADLINE {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    report.detail(format!(
        "{count} connections on one listen socket and one poll group: connected in {:.1} s, \
         {total} messages echoed in {:.1} s, {held} held to the end, {closed} closes seen",
        setup.as_secs_f64(),
        exchange_time.as_secs_f64()
    ));
    report.check(incoming == count, || format!("{incoming} requests for {count} clients"));
    report.check(connecting == count, || format!("{connecting} of {count} clients connecting"));
    report.check(client_ids.len() == count, || "client ids collide".into());
    report.check(held == count, || format!("{held} of {count} server ends still connected"));
    report.check(closed == count, || format!("{closed} of {count} closes seen by the server"));
    report.check(other_events.is_empty(), || format!("unexpected events: {other_events:?}"));
    report.sent += 2 * total;
    report.received += received + echoes;
    report.reliable_lost += 2 * total - (received + echoes).min(2 * total);
    report.out_of_order += out_of_order;
    drop(listener);
    Ok(())
}
