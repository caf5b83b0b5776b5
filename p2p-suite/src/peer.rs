//! The peers, each a process in one namespace. Every loop is bounded by a deadline.

use std::time::{Duration, Instant};

use steam_sockets::{
    CloseReason, ConfigValue, Connection, ConnectionState, EndReason, Error, Event, Lane, Message,
    NetworkIdentity, QueuedMessages, SendFlags, SignalingClient, SignalingServer, Sockets,
};

/// Messages the echo client sends in the first connection.
pub const ECHO_COUNT: usize = 1000;

/// The signaling server, in namespace A.
const SIGNALING: &str = "10.77.0.1:10077";

/// Longest any one step may take.
const STEP: Duration = Duration::from_secs(30);

type Outcome = Result<(), String>;

fn err(context: &str) -> impl Fn(Error) -> String + '_ {
    move |e| format!("{context}: {e}")
}

fn identity(name: &str) -> NetworkIdentity {
    NetworkIdentity::GenericString(name.into())
}

fn init(name: &str) -> Result<Sockets, String> {
    Sockets::init_gns_with_identity(&identity(name)).map_err(err("init_gns_with_identity"))
}

/// A signaling client, once the server (started by the other peer) answers.
fn signaling(sockets: &Sockets) -> Result<SignalingClient, String> {
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
    let conn = connect(&sockets, "", &[])?;
    println!("ROUTE {}", conn.info().map_err(err("info"))?.description);
    two_lanes(&conn)?;
    let start = Instant::now();
    echo(&sockets, &conn, ECHO_COUNT, 2)?;
    println!("ECHOED {ECHO_COUNT} ms={}", start.elapsed().as_millis());
    close(&sockets, conn, 7, "done")?;

    let conn = connect(&sockets, "SECOND ", &[])?;
    echo(&sockets, &conn, 10, 1)?;
    println!("SECOND ECHOED 10");
    close(&sockets, conn, 8, "again")
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
