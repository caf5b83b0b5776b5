//! Status: a live table of every connection's ping, quality, in/out rates and lane queues,
//! refreshed once a second: what you look at while tuning rates, buffers and lanes.
//!
//! ```text
//! # Self-contained (a server and three clients in this process over 127.0.0.1; no Steam):
//! cargo run -p steam-sockets-examples --example status --no-default-features --features gns -- --demo --seconds 7
//!
//! # Watch a server's connections (any client, e.g. the chat example's, can connect):
//! cargo run -p steam-sockets-examples --example status --no-default-features --features gns -- server --port 27021
//! ```
//!
//! Columns: `ping` (round trip, ms), `qual` (share of packets delivered in order, measured here
//! / by the peer), `out`/`in` (KB/s on the wire, including headers and acks), `rate` (what the
//! library allows itself to send, KB/s), `rel`/`unrel` (bytes queued), `queue` (how long data
//! queued now would wait), then each lane's queued bytes and wait.
//!
//! `--demo` runs three clients with different traffic on two lanes (lane 0: small unreliable
//! updates at 60 Hz; lane 1, lower priority: reliable bulk data, which the `bulk` client keeps
//! queued so its lane-1 queue shows), while the server sends each client a 30 Hz state update.
//! It prints the table every second on a terminal (redrawn in place) or as successive blocks
//! otherwise, runs for `--seconds` (default 7), then checks that every connection carried traffic
//! both ways and (with 7 seconds or more: GameNetworkingSockets measures rates over 5-second
//! intervals) that the table showed it as non-zero rates both ways, and exits 0; otherwise 1
//! with the reason. On the steam backend without a Steam client it exits 1 with "Steam client not
//! running".

#[allow(dead_code)]
mod common;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use steam_sockets::{
    ConfigValue, Connection, ConnectionId, ConnectionState, Error, Event, Lane, Message, PollGroup,
    RealtimeStatus, SendFlags, Sockets,
};

use common::{BoxError, Deadline};

/// Lane 0: small updates, served first; lane 1: bulk data.
const LANES: [Lane; 2] = [Lane { priority: 0, weight: 1 }, Lane { priority: 1, weight: 1 }];

fn main() -> ExitCode {
    common::finish("status", run())
}

fn run() -> Result<(), BoxError> {
    let args = common::Args::parse(&["port", "seconds"])?;
    if args.flag("demo") {
        let seconds = args.value("seconds", 7u64)?;
        if seconds < 2 {
            return fail!("--seconds must be at least 2");
        }
        return demo(Duration::from_secs(seconds));
    }
    match args.word(0) {
        Some("server") => {
            let sockets = common::init_client()?;
            let port = args.value("port", 27021u16)?;
            let seconds = args.value("seconds", 0u64)?;
            let deadline = (seconds > 0).then(|| Deadline::after(Duration::from_secs(seconds)));
            watch_server(&sockets, SocketAddr::from(([0, 0, 0, 0], port)), deadline)
        }
        _ => fail!("usage: status --demo [--seconds N] | status server [--port P] [--seconds N]"),
    }
}

/// One connection in the table.
struct Row {
    name: String,
    conn: Connection,
}

/// A duration for the table: "-" for the library's "unknown" (GNS reports the connection-wide
/// queue time as the largest value when a connection has several lanes).
fn ms(d: Option<Duration>) -> String {
    d.map_or("-".into(), |d| format!("{}ms", d.as_millis()))
}

/// Formats one table of `rows`, with `title` above it.
fn table(title: &str, rows: &[(&str, &RealtimeStatus)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    let _ = writeln!(
        out,
        "{:<18} {:>10} {:>6} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7}  lanes (queued/wait)",
        "connection",
        "state",
        "ping",
        "qual",
        "out KB/s",
        "in KB/s",
        "rate",
        "rel",
        "unrel",
        "queue"
    );
    for (name, s) in rows {
        let ping = s.ping.map_or("-".to_string(), |p| format!("{}ms", p.as_millis()));
        let quality = |q: f32| if q < 0.0 { "-".to_string() } else { format!("{:.0}", q * 100.0) };
        let lanes: Vec<String> = s
            .lanes
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let queued = l.pending_reliable + l.pending_unreliable;
                format!("L{i} {}/{}", kb(queued as f32), ms(l.queue_time))
            })
            .collect();
        let _ = writeln!(
            out,
            "{:<18} {:>10} {:>6} {:>4}/{:<4} {:>8.1} {:>8.1} {:>8.0} {:>8} {:>7} {:>7}  {}",
            name,
            format!("{:?}", s.state),
            ping,
            quality(s.quality_local),
            quality(s.quality_remote),
            s.out_bytes_per_sec / 1000.0,
            s.in_bytes_per_sec / 1000.0,
            s.send_rate_bytes_per_sec as f32 / 1000.0,
            kb(s.pending_reliable as f32),
            kb(s.pending_unreliable as f32),
            ms(s.queue_time),
            lanes.join("  "),
        );
    }
    out
}

/// Bytes as a short human figure.
fn kb(bytes: f32) -> String {
    if bytes < 1000.0 { format!("{bytes:.0}B") } else { format!("{:.1}K", bytes / 1000.0) }
}

/// Prints `text`, redrawing the screen in place on a terminal.
fn show(text: &str) {
    if std::io::stdout().is_terminal() {
        print!("\x1b[2J\x1b[H{text}");
    } else {
        println!("{text}");
    }
}

/// Snapshots every row's status; rows whose connection is gone are left out.
fn snapshot(rows: &[Row]) -> Vec<(String, RealtimeStatus)> {
    rows.iter().filter_map(|r| r.conn.realtime_status().ok().map(|s| (r.name.clone(), s))).collect()
}

fn render(title: &str, snapshot: &[(String, RealtimeStatus)]) -> String {
    let rows: Vec<(&str, &RealtimeStatus)> =
        snapshot.iter().map(|(n, s)| (n.as_str(), s)).collect();
    table(title, &rows)
}

/// `status server`: accepts anyone, discards what they send, shows the table.
fn watch_server(
    sockets: &Sockets,
    addr: SocketAddr,
    deadline: Option<Deadline>,
) -> Result<(), BoxError> {
    let events = sockets.events();
    let _listener = sockets.listen_ip(addr, &[])?;
    let group = sockets.create_poll_group()?;
    let mut rows: Vec<Row> = Vec::new();
    let mut inbox: Vec<Message> = Vec::with_capacity(256);
    let started = Instant::now();
    let mut next_table = started;
    println!("status: listening on {addr} ({})", steam_sockets::BACKEND);
    while !deadline.is_some_and(Deadline::passed) {
        sockets.run_callbacks();
        for event in events.try_iter() {
            match event {
                Event::Incoming(request) => {
                    let name = request
                        .info()
                        .remote_addr
                        .map_or_else(|| request.id().to_string(), |a| a.to_string());
                    let conn = request.accept()?;
                    conn.set_poll_group(Some(&group))?;
                    rows.push(Row { name, conn });
                }
                Event::ConnectionStatus(change) if change.info.close_reason().is_some() => {
                    rows.retain(|r| r.conn.id() != change.connection);
                }
                _ => {}
            }
        }
        group.receive(&mut inbox, 256)?;
        inbox.clear();
        if Instant::now() >= next_table {
            let title = format!("t={}s, {} connection(s)", started.elapsed().as_secs(), rows.len());
            show(&render(&title, &snapshot(&rows)));
            next_table += Duration::from_secs(1);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}

/// What one demo client sends.
#[derive(Clone, Copy, PartialEq)]
enum Profile {
    /// 60 Hz unreliable updates on lane 0 only.
    Updates,
    /// Updates, plus 2 KiB reliable messages on lane 1 at 20 Hz.
    Mixed,
    /// Updates, plus as much reliable bulk data on lane 1 as keeps 64 KiB queued there.
    Bulk,
}

fn demo(run_for: Duration) -> Result<(), BoxError> {
    let sockets = common::init_client()?;
    let events = sockets.events();
    let addr = SocketAddr::from(([127, 0, 0, 1], common::free_port()?));
    // 512 KB/s each way: the bulk client saturates it, so its queue and rate show.
    let options = [ConfigValue::SendRateMax(512_000), ConfigValue::SendRateMin(128_000)];
    let _listener = sockets.listen_ip(addr, &options)?;
    let group: PollGroup = sockets.create_poll_group()?;

    let profiles =
        [("updates", Profile::Updates), ("mixed", Profile::Mixed), ("bulk", Profile::Bulk)];
    let mut clients = Vec::new();
    for (name, profile) in profiles {
        let conn = sockets.connect_ip(addr, &options)?;
        conn.configure_lanes(&LANES)?;
        conn.set_name(&format!("client {name}"))?;
        clients.push((name, profile, conn));
    }
    // Server side: accepted connections, named after the client once its hello arrives.
    let mut server: HashMap<ConnectionId, (Option<String>, Connection)> = HashMap::new();
    let mut received: HashMap<String, (u64, u64)> = HashMap::new(); // name -> (messages, bytes)
    let mut client_received = vec![0u64; clients.len()];
    let mut saw_rates: HashMap<String, (bool, bool)> = HashMap::new(); // row -> (in, out)
    let mut inbox: Vec<Message> = Vec::with_capacity(256);
    let bulk = vec![0x5a_u8; 16 * 1024];
    let mixed = vec![0xa5_u8; 2 * 1024];

    let started = Instant::now();
    let end = started + run_for;
    let (mut next_update, mut next_mixed, mut next_state) = (started, started, started);
    let mut next_table = started + Duration::from_secs(1);
    let mut tables = 0;
    let mut hello_sent = vec![false; clients.len()];
    while Instant::now() < end {
        sockets.run_callbacks();
        for event in events.try_iter() {
            match event {
                Event::Incoming(request) => {
                    let conn = request.accept()?;
                    conn.configure_lanes(&LANES)?;
                    conn.set_poll_group(Some(&group))?;
                    server.insert(conn.id(), (None, conn));
                }
                Event::ConnectionStatus(change) => {
                    if let Some(reason) = change.info.close_reason() {
                        return fail!("connection {} closed: {reason:?}", change.connection);
                    }
                }
                _ => {}
            }
        }

        // Clients send.
        let now = Instant::now();
        let update_due = now >= next_update;
        let mixed_due = now >= next_mixed;
        for (i, (name, profile, conn)) in clients.iter().enumerate() {
            if conn.info()?.state != ConnectionState::Connected {
                continue;
            }
            if !hello_sent[i] {
                hello_sent[i] = send(conn, 0, name.as_bytes(), SendFlags::RELIABLE)?;
            }
            if update_due {
                send(conn, 0, &[1u8; 200], SendFlags::UNRELIABLE)?;
            }
            if *profile == Profile::Mixed && mixed_due {
                send(conn, 1, &mixed, SendFlags::RELIABLE)?;
            }
            if *profile == Profile::Bulk {
                let queued = conn.realtime_status()?.lanes.get(1).map_or(0, |l| l.pending_reliable);
                if queued < 64 * 1024 {
                    send(conn, 1, &bulk, SendFlags::RELIABLE)?;
                }
            }
        }
        if update_due {
            next_update += Duration::from_micros(16_667);
        }
        if mixed_due {
            next_mixed += Duration::from_millis(50);
        }
        // Server sends state updates.
        if now >= next_state {
            for (_, conn) in server.values() {
                send(conn, 0, &[2u8; 100], SendFlags::UNRELIABLE)?;
            }
            next_state += Duration::from_micros(33_333);
        }

        // Server receives (one call for every client), and names connections by their hello.
        group.receive(&mut inbox, 256)?;
        for msg in inbox.drain(..) {
            let Some((name, _)) = server.get_mut(&msg.connection()) else { continue };
            if name.is_none() && msg.is_reliable() && msg.lane() == 0 {
                *name = Some(String::from_utf8_lossy(&msg).into_owned());
            }
            if let Some(name) = name {
                let entry = received.entry(name.clone()).or_default();
                entry.0 += 1;
                entry.1 += msg.len() as u64;
            }
        }
        // Clients receive.
        for (i, (_, _, conn)) in clients.iter().enumerate() {
            conn.receive(&mut inbox, 256)?;
            client_received[i] += inbox.len() as u64;
            inbox.clear();
        }

        if Instant::now() >= next_table {
            next_table += Duration::from_secs(1);
            tables += 1;
            let mut snap: Vec<(String, RealtimeStatus)> = Vec::new();
            for (name, _, conn) in &clients {
                snap.push((format!("{name} -> server"), conn.realtime_status()?));
            }
            let mut server_rows: Vec<_> = server.values().collect();
            server_rows.sort_by_key(|(name, _)| name.clone());
            for (name, conn) in server_rows {
                let name = name.as_deref().unwrap_or("?");
                snap.push((format!("server -> {name}"), conn.realtime_status()?));
            }
            for (row, status) in &snap {
                let seen = saw_rates.entry(row.clone()).or_default();
                seen.0 |= status.in_bytes_per_sec > 0.0;
                seen.1 |= status.out_bytes_per_sec > 0.0;
            }
            let title = format!(
                "status ({}): t={}s, {} connections, 127.0.0.1:{}",
                steam_sockets::BACKEND,
                started.elapsed().as_secs(),
                snap.len(),
                addr.port()
            );
            show(&render(&title, &snap));
        }
        std::thread::sleep(Duration::from_millis(1));
    }

    // Checks: traffic both ways on every connection, and the table showed it.
    for (i, (name, _, _)) in clients.iter().enumerate() {
        let Some(&(messages, _)) = received.get(*name) else {
            return fail!("the server never heard from client {name}");
        };
        if messages < 10 || client_received[i] < 10 {
            return fail!(
                "client {name}: {messages} messages to the server, {} back",
                client_received[i]
            );
        }
    }
    // GameNetworkingSockets measures rates and quality over 5-second intervals: before the first
    // one ends they read 0 and "unknown".
    let rates_measured = run_for >= Duration::from_secs(7);
    let rows = saw_rates.len();
    if rows != 2 * clients.len() {
        return fail!("the table showed {rows} connections, expected {}", 2 * clients.len());
    }
    if let Some((row, _)) = saw_rates.iter().find(|(_, (i, o))| !(*i && *o)) {
        if rates_measured {
            return fail!("the table never showed traffic both ways on {row}");
        }
    }
    let summary: Vec<String> = clients
        .iter()
        .map(|(name, _, _)| {
            let (messages, bytes) = received[*name];
            format!("{name}: {messages} msgs / {:.1} KB", bytes as f64 / 1000.0)
        })
        .collect();
    println!(
        "status ({}): {tables} tables; {}; server received {}",
        steam_sockets::BACKEND,
        if rates_measured {
            "every connection's rates showed traffic both ways"
        } else {
            "rates not checked (the library measures them over 5 s: run 7 s or more)"
        },
        summary.join(", ")
    );
    Ok(())
}

/// Sends on `lane`; `false` when the send buffer is full (try later).
fn send(conn: &Connection, lane: u16, data: &[u8], flags: SendFlags) -> Result<bool, BoxError> {
    match conn.send(data, flags.on_lane(lane)) {
        Ok(_) => Ok(true),
        Err(Error::SendBufferFull { .. }) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
