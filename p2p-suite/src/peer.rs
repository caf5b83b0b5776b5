//! The peers, each a process in one namespace. Every loop is bounded by a deadline.

use std::time::{Duration, Instant};

use steam_sockets::{
    CloseReason, ConfigValue, Connection, ConnectionState, DebugOutputLevel, EndReason, Error,
    Event, GlobalEvents, Lane, Message, NetworkIdentity, NetworkingMessages, QueuedMessages,
    SendFlags, SignalingClient, SignalingServer, Sockets,
};

/// Messages the echo client sends in the first connection.
pub const ECHO_COUNT: usize = 1000;

/// The signaling server, in namespace A.
pub(crate) const SIGNALING: &str = "10.77.0.1:10077";

/// Longest any one step may take.
pub(crate) const STEP: Duration = Duration::from_secs(30);

pub(crate) type Outcome = Result<(), String>;

pub(crate) fn err(context: &str) -> impl Fn(Error) -> String + '_ {
    move |e| format!("{context}: {e}")
}

pub(crate) fn identity(name: &str) -> NetworkIdentity {
    NetworkIdentity::GenericString(name.into())
}

/// Prints the library's warnings on standard error, as `LIBRARY <message>`.
struct LibraryWarnings;

impl log::Log for LibraryWarnings {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        eprintln!("LIBRARY {}", record.args());
    }

    fn flush(&self) {}
}

pub(crate) fn init(name: &str) -> Result<Sockets, String> {
    static LOGGER: LibraryWarnings = LibraryWarnings;
    let sockets =
        Sockets::init_gns_with_identity(&identity(name)).map_err(err("init_gns_with_identity"))?;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
    sockets.set_debug_output(DebugOutputLevel::Warning).map_err(err("set_debug_output"))?;
    Ok(sockets)
}

/// A signaling client, once the server (started by the other peer) answers.
pub(crate) fn signaling(sockets: &Sockets) -> Result<SignalingClient, String> {
    let start = Instant::now();
    loop {
        match SignalingClient::connect(sockets, SIGNALING) {
            Ok(client) => return Ok(client),
            Err(Error::Io { .. }) if start.elapsed() < STEP => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(format!("signaling client: {e}")),
        }
    }
}

/// Runs callbacks and hands each event to `on_event` until it returns a value, or `STEP`.
fn wait_for<T>(
    sockets: &Sockets,
    what: &str,
    mut on_event: impl FnMut(Event) -> Option<T>,
) -> Result<T, String> {
    let events = sockets.events();
    let start = Instant::now();
    while start.elapsed() < STEP {
        sockets.run_callbacks();
        for event in events.try_iter() {
            if let Some(found) = on_event(event) {
                return Ok(found);
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Err(format!("no {what} within {STEP:?}"))
}

fn describe(reason: &CloseReason) -> String {
    format!("closed_by={:?} end={} debug={}", reason.closed_by, reason.end.raw(), reason.debug)
}

/// The payload of message `seq`: its number and its lane, then filler.
fn payload(seq: usize) -> Vec<u8> {
    let mut data = (seq as u32).to_le_bytes().to_vec();
    data.push((seq % 2) as u8);
    data.extend(std::iter::repeat_n(0xa5, 59));
    data
}

fn two_lanes(conn: &Connection) -> Result<(), String> {
    let lane = Lane { priority: 0, weight: 1 };
    conn.configure_lanes(&[lane, lane]).map_err(err("configure_lanes"))
}

/// The listener's side of one connection: accept, echo everything on its lane until the peer
/// closes; prints `<round>INCOMING` and `<round>CLOSED`.
fn serve_one(sockets: &Sockets, round: &str) -> Outcome {
    let request = wait_for(sockets, "incoming connection", |event| match event {
        Event::Incoming(request) => Some(request),
        _ => None,
    })?;
    println!("{round}INCOMING {}", request.info().remote_identity);
    let conn = request.accept().map_err(err("accept"))?;
    two_lanes(&conn)?;
    let events = sockets.events();
    let mut inbox: Vec<Message> = Vec::with_capacity(256);
    let start = Instant::now();
    while start.elapsed() < STEP {
        sockets.run_callbacks();
        for event in events.try_iter() {
            if let Event::ConnectionStatus(change) = event {
                if let Some(reason) = change.info.close_reason() {
                    println!("{round}CLOSED {}", describe(&reason));
                    return Ok(());
                }
            }
        }
        conn.receive(&mut inbox, 256).map_err(err("receive"))?;
        for msg in inbox.drain(..) {
            let on_lane = SendFlags::RELIABLE.on_lane(msg.lane());
            // The echo's queue is the client's bound: it never has more than 1,000 in flight.
            conn.send(&msg, on_lane).map_err(err("echo"))?;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Err(format!("{round}the connection did not close within {STEP:?}"))
}

pub fn echo_server() -> Outcome {
    let sockets = init("peer-a")?;
    let _server = SignalingServer::bind(SIGNALING).map_err(err("signaling server"))?;
    let _signaling = signaling(&sockets)?;
    let _listener = sockets.listen_p2p(0, &[]).map_err(err("listen_p2p"))?;
    serve_one(&sockets, "")?;
    serve_one(&sockets, "SECOND ")
}

/// Connects to peer A and waits until connected; prints `<round>CONNECTED ms=<n>`.
fn connect(sockets: &Sockets, round: &str, options: &[ConfigValue]) -> Result<Connection, String> {
    let start = Instant::now();
    let conn = sockets.connect_p2p(&identity("peer-a"), 0, options).map_err(err("connect_p2p"))?;
    let id = conn.id();
    wait_for(sockets, "connection", |event| match event {
        Event::ConnectionStatus(change) if change.connection == id => match change.info.state {
            ConnectionState::Connected => Some(Ok(())),
            _ => change.info.close_reason().map(|r| Err(describe(&r))),
        },
        _ => None,
    })?
    .map_err(|why| format!("{round}connection failed: {why}"))?;
    println!("{round}CONNECTED ms={}", start.elapsed().as_millis());
    Ok(conn)
}

/// Sends `count` messages alternating between lanes 0 and 1 (or on lane 0 alone) and checks
/// that each comes back intact, in order on its lane.
fn echo(sockets: &Sockets, conn: &Connection, count: usize, lanes: usize) -> Outcome {
    let (mut sent, mut back) = (0, 0);
    let mut next_on_lane = [0usize, 1];
    let mut inbox: Vec<Message> = Vec::with_capacity(256);
    let start = Instant::now();
    while back < count {
        if start.elapsed() > STEP {
            return Err(format!("{back} of {count} echoes within {STEP:?}"));
        }
        sockets.run_callbacks();
        while sent < count {
            let lane = (sent % lanes) as u16;
            let seq = if lanes == 2 { sent } else { sent * 2 };
            match conn.send(&payload(seq), SendFlags::RELIABLE.on_lane(lane)) {
                Ok(_) => sent += 1,
                Err(Error::SendBufferFull { .. }) => break,
                Err(e) => return Err(format!("send {sent}: {e}")),
            }
        }
        conn.receive(&mut inbox, 256).map_err(err("receive"))?;
        for msg in inbox.drain(..) {
            let lane = usize::from(msg.lane());
            let expected = payload(next_on_lane[lane]);
            if lane > 1 || *msg != *expected {
                return Err(format!("echo {back}: lane {lane}, {:?}", &msg[..5.min(msg.len())]));
            }
            next_on_lane[lane] += 2;
            back += 1;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(())
}

/// Closes `conn` and gives the library a moment to deliver the close.
fn close(sockets: &Sockets, conn: Connection, code: u16, debug: &str) -> Outcome {
    let reason = EndReason::app(code).map_err(err("end reason"))?;
    conn.close(reason, debug, QueuedMessages::Deliver).map_err(|e| format!("close: {e}"))?;
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(500) {
        sockets.run_callbacks();
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

pub fn echo_client() -> Outcome {
    let sockets = init("peer-b")?;
    let _signaling = signaling(&sockets)?;
    never_connected(&sockets)?;
    let conn = connect(&sockets, "", &[])?;
    println!("ROUTE {}", conn.info().map_err(err("info"))?.description);
    two_lanes(&conn)?;
    let start = Instant::now();
    echo(&sockets, &conn, ECHO_COUNT, 2)?;
    println!("ECHOED {ECHO_COUNT} ms={}", start.elapsed().as_millis());
    rates(&sockets, &conn)?;
    close(&sockets, conn, 7, "done")?;

    let conn = connect(&sockets, "SECOND ", &[])?;
    echo(&sockets, &conn, 10, 1)?;
    println!("SECOND ECHOED 10");
    close(&sockets, conn, 8, "again")
}

/// The status of a P2P connection to nobody, which never connects: no lanes reported, and
/// (the harness checks) no complaint from the library about lane counts.
fn never_connected(sockets: &Sockets) -> Outcome {
    let conn = sockets.connect_p2p(&identity("nobody"), 0, &[]).map_err(err("connect_p2p"))?;
    std::thread::sleep(Duration::from_millis(200));
    sockets.run_callbacks();
    let status = conn.realtime_status().map_err(err("realtime_status"))?;
    println!("NEVER state={:?} lanes={}", status.state, status.lanes.len());
    Ok(())
}

/// Keeps messages flowing for six seconds, then prints the status: GameNetworkingSockets
/// measures rates and quality over 5-second intervals, so they are 0 and -1 (unknown) until
/// the first one ends, which the 1,000-message echo (0.3 s) never reaches.
fn rates(sockets: &Sockets, conn: &Connection) -> Outcome {
    let before = conn.realtime_status().map_err(err("realtime_status"))?;
    println!(
        "RATES after the echo: out_packets_per_sec={} quality_local={}",
        before.out_packets_per_sec, before.quality_local
    );
    let mut inbox: Vec<Message> = Vec::with_capacity(64);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(6) {
        sockets.run_callbacks();
        match conn.send(&payload(0), SendFlags::RELIABLE) {
            Ok(_) | Err(Error::SendBufferFull { .. }) => {}
            Err(e) => return Err(format!("keep-alive send: {e}")),
        }
        conn.receive(&mut inbox, 64).map_err(err("receive"))?;
        inbox.clear();
        std::thread::sleep(Duration::from_millis(2));
    }
    let after = conn.realtime_status().map_err(err("realtime_status"))?;
    println!(
        "RATES after 6 s: out_packets_per_sec={} in_packets_per_sec={} quality_local={} \
         quality_remote={} ping_ms={:?} lanes={}",
        after.out_packets_per_sec,
        after.in_packets_per_sec,
        after.quality_local,
        after.quality_remote,
        after.ping.map(|p| p.as_millis()),
        after.lanes.len()
    );
    Ok(())
}

pub fn death_watcher() -> Outcome {
    let sockets = init("peer-a")?;
    let _server = SignalingServer::bind(SIGNALING).map_err(err("signaling server"))?;
    let _signaling = signaling(&sockets)?;
    let timeout = Duration::from_secs(3);
    let options = [ConfigValue::TimeoutConnected(timeout)];
    let _listener = sockets.listen_p2p(0, &options).map_err(err("listen_p2p"))?;
    let request = wait_for(&sockets, "incoming connection", |event| match event {
        Event::Incoming(request) => Some(request),
        _ => None,
    })?;
    let conn = request.accept().map_err(err("accept"))?;
    let id = conn.id();
    let mut connected_at = None;
    let reason = wait_for(&sockets, "the peer's death", |event| match event {
        Event::ConnectionStatus(change) if change.connection == id => {
            if change.info.state == ConnectionState::Connected {
                connected_at = Some(Instant::now());
            }
            change.info.close_reason()
        }
        _ => None,
    })?;
    let after = connected_at.map_or(0, |at| at.elapsed().as_millis());
    println!("DEAD {} after {after} ms (TimeoutConnected {timeout:?})", describe(&reason));
    Ok(())
}

pub fn dying_client() -> Outcome {
    let sockets = init("peer-b")?;
    let _signaling = signaling(&sockets)?;
    let _conn = connect(&sockets, "", &[])?;
    println!("CONNECTED, dying");
    // A crash: no close, no goodbye packet; the other side must find out by itself.
    std::process::abort()
}

/// Channels the messages scenario uses.
const CHANNELS: u32 = 2;

pub fn messages_echo() -> Outcome {
    let sockets = init("peer-a")?;
    let _server = SignalingServer::bind(SIGNALING).map_err(err("signaling server"))?;
    let _signaling = signaling(&sockets)?;
    let wanted = GlobalEvents::MESSAGES_SESSION_REQUEST | GlobalEvents::MESSAGES_SESSION_FAILED;
    sockets.enable_global_events(wanted).map_err(err("enable_global_events"))?;
    let messages = sockets.networking_messages().map_err(err("networking_messages"))?;
    let events = sockets.events();
    let (mut refused_at, mut echoed, mut requests) = (None::<Instant>, 0usize, 0);
    let mut inbox: Vec<Message> = Vec::with_capacity(256);
    let start = Instant::now();
    while start.elapsed() < STEP {
        if refused_at.is_some_and(|at| at.elapsed() > Duration::from_secs(2)) {
            println!("ECHOED {echoed}");
            return Ok(());
        }
        sockets.run_callbacks();
        for event in events.try_iter() {
            match event {
                // The first session is accepted, the next one refused.
                Event::MessagesSessionRequest(peer) => {
                    requests += 1;
                    if requests == 1 {
                        messages.accept_session(&peer).map_err(err("accept_session"))?;
                        println!("REQUEST {peer} accepted");
                    } else {
                        messages.close_session(&peer).map_err(err("refuse"))?;
                        println!("REQUEST {peer} refused");
                        refused_at = Some(Instant::now());
                    }
                }
                Event::MessagesSessionFailed(info) => {
                    let reason = info.close_reason().map_or_else(|| "?".into(), |r| describe(&r));
                    println!("SESSION ENDED {} {reason}", info.remote_identity);
                }
                _ => {}
            }
        }
        for channel in 0..CHANNELS {
            messages.receive(channel, &mut inbox, 256).map_err(err("receive"))?;
            for msg in inbox.drain(..) {
                messages
                    .send_to(&msg.peer(), &msg, SendFlags::RELIABLE, channel)
                    .map_err(err("echo"))?;
                echoed += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Err(format!("no refusal within {STEP:?} (echoed {echoed})"))
}

pub fn messages_client() -> Outcome {
    let sockets = init("peer-b")?;
    let _signaling = signaling(&sockets)?;
    let wanted = GlobalEvents::MESSAGES_SESSION_REQUEST | GlobalEvents::MESSAGES_SESSION_FAILED;
    sockets.enable_global_events(wanted).map_err(err("enable_global_events"))?;
    let messages = sockets.networking_messages().map_err(err("networking_messages"))?;
    let peer = identity("peer-a");
    let events = sockets.events();

    // 1,000 messages, alternating between channels 0 and 1, echoed back intact and in order.
    let start = Instant::now();
    let (mut sent, mut back) = (0usize, 0usize);
    let mut next = [0usize, 1];
    let mut inbox: Vec<Message> = Vec::with_capacity(256);
    while back < ECHO_COUNT {
        if start.elapsed() > STEP {
            return Err(format!("{back} of {ECHO_COUNT} echoes within {STEP:?}"));
        }
        sockets.run_callbacks();
        for event in events.try_iter() {
            if let Event::MessagesSessionFailed(info) = event {
                return Err(format!("session failed: {:?}", info.close_reason()));
            }
        }
        while sent < ECHO_COUNT {
            let channel = (sent % 2) as u32;
            match messages.send_to(&peer, &payload(sent), SendFlags::RELIABLE, channel) {
                Ok(()) => sent += 1,
                Err(Error::SendBufferFull { .. }) => break,
                Err(e) => return Err(format!("send {sent}: {e}")),
            }
        }
        for channel in 0..CHANNELS {
            messages.receive(channel, &mut inbox, 256).map_err(err("receive"))?;
            for msg in inbox.drain(..) {
                let lane = channel as usize;
                if msg.peer() != peer || *msg != *payload(next[lane]) {
                    return Err(format!("echo {back} on channel {channel}: {:?}", &msg[..4]));
                }
                next[lane] += 2;
                back += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    println!("MESSAGES ECHOED {ECHO_COUNT} ms={}", start.elapsed().as_millis());
    let (info, _) =
        messages.session_info(&peer).map_err(err("session_info"))?.ok_or("no session")?;
    println!("SESSION {} {:?}", info.description, info.state);

    // A closed channel: its messages are dropped; the other channel still works.
    messages.close_channel(&peer, 1).map_err(err("close_channel"))?;
    messages.send_to(&peer, &payload(0), SendFlags::RELIABLE, 0).map_err(err("send"))?;
    let echo = wait_for_message(&sockets, &messages, 0)?;
    println!("CHANNEL 1 closed; channel 0 still echoes ({} bytes)", echo.len());

    // A refused session: close this one, then ask again; the peer refuses.
    messages.close_session(&peer).map_err(err("close_session"))?;
    std::thread::sleep(Duration::from_millis(300));
    messages
        .send_to(
            &peer,
            &payload(0),
            SendFlags::RELIABLE | SendFlags::AUTO_RESTART_BROKEN_SESSION,
            0,
        )
        .map_err(err("send again"))?;
    let info = wait_for(&sockets, "session failure", |event| match event {
        Event::MessagesSessionFailed(info) => Some(info),
        _ => None,
    })?;
    let reason = info.close_reason().map_or_else(|| "?".into(), |r| describe(&r));
    println!("REFUSED by {} {reason}", info.remote_identity);
    Ok(())
}

/// The next message on `channel`, within `STEP`.
fn wait_for_message(
    sockets: &Sockets,
    messages: &NetworkingMessages,
    channel: u32,
) -> Result<Message, String> {
    let mut inbox: Vec<Message> = Vec::with_capacity(1);
    let start = Instant::now();
    while start.elapsed() < STEP {
        sockets.run_callbacks();
        messages.receive(channel, &mut inbox, 1).map_err(err("receive"))?;
        if let Some(msg) = inbox.pop() {
            return Ok(msg);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Err(format!("nothing on channel {channel} within {STEP:?}"))
}

/// Namespace A of a transport scenario: serves the signaling, then runs `server` (a
/// `transport_peers` server) on peer A's `Sockets`.
pub(crate) fn serve_transport(server: fn(Sockets) -> Outcome) -> Outcome {
    let sockets = init("peer-a")?;
    let _server = SignalingServer::bind(SIGNALING).map_err(err("signaling server"))?;
    let _signaling = signaling(&sockets)?;
    server(sockets)
}

/// Namespace B of a transport scenario: runs `client` (a `transport_peers` client) on peer B's
/// `Sockets`, connecting to peer A by identity.
pub(crate) fn join_transport(client: fn(Sockets, &NetworkIdentity) -> Outcome) -> Outcome {
    let sockets = init("peer-b")?;
    let _signaling = signaling(&sockets)?;
    client(sockets, &identity("peer-a"))
}
