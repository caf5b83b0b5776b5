//! Peer death: three client processes stream reliable messages to this process's server; one
//! of them is killed (SIGKILL) mid-transfer. The server sees its connection end with a
//! problem-detected state and a timeout reason within the configured timeout, the other two
//! finish unaffected, and a server that closes with linger still delivers everything it
//! had queued.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use steam_sockets::{ConfigValue, Connection, ConnectionState, EndReason, Event, SendFlags};

use crate::common::{self, DEADLINE, Report, Tracker};
use crate::runner::{ROLE_VAR, Size};

/// How long a silent peer may stay connected (set on both ends).
const TIMEOUT: Duration = Duration::from_secs(2);
/// Allowed beyond the timeout. GameNetworkingSockets starts the `TimeoutConnected` clock at
/// the later of the last packet received and the first request that went unanswered (about a
/// conservative round trip after the peer fell silent), and also waits for four unanswered
/// requests; the event is then seen at the next pump.
const DETECT_SLACK: Duration = Duration::from_secs(1);
/// Messages the server queues before closing with linger.
const LINGER_MESSAGES: u32 = 300;
/// Size of each of them.
const LINGER_LEN: usize = 16 * 1024;

const ADDR_VAR: &str = "STEAM_SOCKETS_STRESS_ADDR";
const INDEX_VAR: &str = "STEAM_SOCKETS_STRESS_INDEX";
const COUNT_VAR: &str = "STEAM_SOCKETS_STRESS_COUNT";

fn options() -> Vec<ConfigValue> {
    let mut options = common::fast_options();
    options.push(ConfigValue::TimeoutConnected(TIMEOUT));
    options
}

/// Runs the scenario (the server side).
pub fn run(size: Size) -> Report {
    let count = size.pick(3_000u32, 600);
    Report::of("peer-death", |report| server(report, count))
}

fn spawn_client(addr: SocketAddr, index: u32, count: u32) -> Result<Child, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    Command::new(exe)
        .env(ROLE_VAR, "client")
        .env(ADDR_VAR, addr.to_string())
        .env(INDEX_VAR, index.to_string())
        .env(COUNT_VAR, count.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("spawn client {index}: {e}"))
}

fn server(report: &mut Report, count: u32) -> Result<(), String> {
    let sockets = common::init()?;
    let listener = common::listen(&sockets, &options())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // Client 0 is the victim: it sends until it is killed.
    let mut children = Vec::new();
    for index in 0..3 {
        children.push(spawn_client(addr, index, if index == 0 { u32::MAX } else { count })?);
    }
    let result = serve(report, &sockets, &mut children, count);
    for child in &mut children {
        // Ours, by handle; already exited unless something failed.
        let _ = child.kill();
        let _ = child.wait();
    }
    drop(listener);
    result
}

fn serve(
    report: &mut Report,
    sockets: &steam_sockets::Sockets,
    children: &mut [Child],
    count: u32,
) -> Result<(), String> {
    let group = sockets.create_poll_group().map_err(|e| e.to_string())?;
    let mut conns: Vec<Connection> = Vec::new();
    let mut tracker = Tracker::default();
    let mut inbox = Vec::new();
    let mut killed_at: Option<Instant> = None;
    let mut victim = None;
    let mut detected: Option<(Duration, EndReason, ConnectionState)> = None;
    let mut survivors_events = Vec::new();
    let start = Instant::now();
    let events = sockets.events();
    let (mut ticks, mut last_tick) = (0u32, Instant::now());
    // Until the victim is detected dead and both survivors' streams are complete.
    while detected.is_none() || tracker.received_on(1) < count || tracker.received_on(2) < count {
        sockets.run_callbacks();
        for event in events.try_iter() {
            match event {
                Event::Incoming(request) => {
                    let conn = request.accept().map_err(|e| e.to_string())?;
                    conn.set_poll_group(Some(&group)).map_err(|e| e.to_string())?;
                    conns.push(conn);
                }
                Event::ConnectionStatus(change) => {
                    let state = change.info.state;
                    let ended = matches!(
                        state,
                        ConnectionState::ProblemDetectedLocally | ConnectionState::ClosedByPeer
                    );
                    if Some(change.connection) == victim {
                        if ended {
                            let since = killed_at.map(|k| k.elapsed()).unwrap_or_default();
                            detected = Some((since, change.info.end_reason, state));
                        }
                    } else if state != ConnectionState::Connected {
                        survivors_events.push(format!("{state:?}"));
                    }
                }
                _ => {}
            }
        }
        inbox.clear();
        group.receive(&mut inbox, 1024).map_err(|e| e.to_string())?;
        for message in &inbox {
            tracker.take(message);
            if message.data().get(..4) == Some(&0u32.to_le_bytes()[..]) && victim.is_none() {
                victim = Some(message.connection());
            }
        }
        // Like a game server, send every client a small update every 20 ms: a silent server
        // would only notice a dead peer at its next keep-alive (about 10 s), not within the
        // timeout.
        if last_tick.elapsed() >= Duration::from_millis(20) {
            last_tick = Instant::now();
            let tick = common::payload(8, ticks, 32);
            ticks += 1;
            for conn in &conns {
                // The dead client's connection refuses once the library has given up on it.
                let _ = conn.send(&tick, SendFlags::RELIABLE);
            }
        }
        // Kill the victim mid-transfer, once its stream is well under way.
        if killed_at.is_none() && tracker.received_on(0) >= 200 {
            children[0].kill().map_err(|e| format!("kill: {e}"))?;
            killed_at = Some(Instant::now());
        }
        if start.elapsed() > DEADLINE {
            return Err(format!(
                "timed out: victim detected {detected:?}, survivors {} and {} of {count}",
                tracker.received_on(1),
                tracker.received_on(2)
            ));
        }
        std::thread::sleep(Duration::from_micros(300));
    }
    let (since, reason, state) = detected.ok_or("victim never detected")?;
    report.detail(format!(
        "killed client detected after {} ms (timeout {} ms): {state:?}, end reason {}",
        since.as_millis(),
        TIMEOUT.as_millis(),
        reason.raw()
    ));
    report.check(state == ConnectionState::ProblemDetectedLocally, || {
        format!("victim ended as {state:?}, not ProblemDetectedLocally")
    });
    report.check(reason.is_timeout(), || format!("end reason {} is not a timeout", reason.raw()));
    report.check(since <= TIMEOUT + DETECT_SLACK, || {
        format!("detected after {since:?}, beyond the {TIMEOUT:?} timeout")
    });
    report.check(survivors_events.is_empty(), || {
        format!("survivors changed state: {survivors_events:?}")
    });
    report.check(tracker.corrupted == 0, || format!("{} corrupted", tracker.corrupted));
    let victim_got = u64::from(tracker.received_on(0));
    report.sent += 2 * u64::from(count) + victim_got;
    report.received += tracker.reliable;
    report.reliable_lost += (2 * u64::from(count) + victim_got) - tracker.reliable;
    report.out_of_order += tracker.out_of_order;
    report.detail(format!(
        "victim: {victim_got} messages delivered before the kill; survivors: {count} each, \
         in order, connections untouched"
    ));

    // Linger: queue a burst to survivor 1 and close at once; survivor 2 closes plainly.
    let survivors: Vec<Connection> = conns.into_iter().filter(|c| Some(c.id()) != victim).collect();
    let [first, second] = <[Connection; 2]>::try_from(survivors)
        .map_err(|s| format!("{} survivor connections", s.len()))?;
    for seq in 0..LINGER_MESSAGES {
        let data = common::payload(9, seq, LINGER_LEN);
        loop {
            match first.send(&data, SendFlags::RELIABLE) {
                Ok(_) => break,
                Err(steam_sockets::Error::SendBufferFull { .. }) => {
                    sockets.run_callbacks();
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) => return Err(format!("linger send: {e}")),
            }
        }
    }
    let queued = first.realtime_status().map(|s| s.pending_reliable).unwrap_or(0);
    first
        .close(EndReason::APP_GENERIC, "done, lingering", steam_sockets::QueuedMessages::Deliver)
        .map_err(|e| e.error().to_string())?;
    second
        .close(EndReason::APP_GENERIC, "done", steam_sockets::QueuedMessages::Discard)
        .map_err(|e| e.error().to_string())?;
    report.check(queued > 0, || "nothing was still queued at the linger close".into());
    // Both survivors report what they received, then exit.
    let mut lingered = 0;
    for child in children.iter_mut().skip(1) {
        let out = child.stdout.take().ok_or("no client output")?;
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("LINGER_RECEIVED ") {
                lingered += n.parse::<u32>().map_err(|e| e.to_string())?;
            } else if let Some(why) = line.strip_prefix("CLIENT_FAILED ") {
                report.fail(format!("client: {why}"));
            }
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        report.check(status.success(), || format!("client exited with {status}"));
        sockets.run_callbacks();
    }
    report.detail(format!(
        "linger close with {queued} bytes still queued: {lingered} of {LINGER_MESSAGES} \
         messages ({LINGER_LEN} B) delivered"
    ));
    report.sent += u64::from(LINGER_MESSAGES);
    report.received += u64::from(lingered);
    report.reliable_lost += u64::from(LINGER_MESSAGES - lingered.min(LINGER_MESSAGES));
    Ok(())
}

/// Accounts for a message the client received: the linger stream (9) must arrive whole and
/// in order; the server's periodic updates (stream 8) start wherever the server's counter was
/// when this client connected, so only their content is checked.
fn take(tracker: &mut Tracker, message: &steam_sockets::Message) {
    match common::verify(message) {
        Some((8, _)) => {}
        _ => tracker.take(message),
    }
}

/// A client process: connects, streams `count` reliable messages (stream `index`), then
/// receives until the server closes, and prints `LINGER_RECEIVED <n>` (the messages of
/// stream 9 that arrived intact and in order).
pub fn child(role: &str) -> ExitCode {
    if role != "client" {
        eprintln!("unknown role {role}");
        return ExitCode::from(2);
    }
    match client() {
        Ok(n) => {
            println!("LINGER_RECEIVED {n}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("CLIENT_FAILED {e}");
            ExitCode::FAILURE
        }
    }
}

fn client() -> Result<u32, String> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} not set"));
    let addr: SocketAddr = var(ADDR_VAR)?.parse().map_err(|e| format!("address: {e}"))?;
    let index: u32 = var(INDEX_VAR)?.parse().map_err(|e| format!("index: {e}"))?;
    let count: u32 = var(COUNT_VAR)?.parse().map_err(|e| format!("count: {e}"))?;
    let sockets = common::init()?;
    let conn = sockets.connect_ip(addr, &options()).map_err(|e| e.to_string())?;
    let mut tracker = Tracker::default();
    let mut inbox = Vec::new();
    let mut seq = 0u32;
    let start = Instant::now();
    let events = sockets.events();
    loop {
        sockets.run_callbacks();
        for event in events.try_iter() {
            if let Event::ConnectionStatus(change) = event {
                match change.info.state {
                    ConnectionState::ClosedByPeer => {
                        // Everything the server lingered for was delivered before this.
                        loop {
                            inbox.clear();
                            if conn.receive(&mut inbox, 1024).map_err(|e| e.to_string())? == 0 {
                                break;
                            }
                            inbox.iter().for_each(|m| take(&mut tracker, m));
                        }
                        if tracker.corrupted > 0 || tracker.out_of_order > 0 {
                            return Err("corrupted or reordered linger messages".into());
                        }
                        return Ok(tracker.received_on(9));
                    }
                    ConnectionState::ProblemDetectedLocally => {
                        return Err(format!("connection lost: {:?}", change.info.close_reason()));
                    }
                    _ => {}
                }
            }
        }
        // Pace the stream (one message a millisecond) so that it is still running at the kill.
        if seq < count && conn.info().is_ok_and(|i| i.state == ConnectionState::Connected) {
            match conn.send(&common::payload(index, seq, 256), SendFlags::RELIABLE) {
                Ok(_) => seq += 1,
                Err(steam_sockets::Error::SendBufferFull { .. }) => {}
                Err(e) => return Err(format!("send: {e}")),
            }
        }
        inbox.clear();
        conn.receive(&mut inbox, 256).map_err(|e| e.to_string())?;
        inbox.iter().for_each(|m| take(&mut tracker, m));
        if start.elapsed() > DEADLINE {
            return Err("timed out".into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
