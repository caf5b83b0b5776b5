//! Garbage at a listening server: datagrams of random bytes and sizes, truncated and
//! bit-flipped copies of the handshake and data packets of our own sessions, and verbatim
//! replays (of a closed connection's packets, from its address, and of the live connection's,
//! from its own address and from others), while a legitimate client keeps an echo exchange
//! going through the same listen socket. The exchange completes intact and in order, nothing
//! the attacker sent surfaces as a message, every connection request it causes is rejected by
//! the scenario, the server still accepts a new client afterwards, and resident memory stays
//! bounded.
//!
//! The legitimate client reaches the server through a relay of our own (`relay.rs`) that
//! forwards everything untouched and records the client's datagrams: the templates for the
//! attacker, and the address from which it replays the live connection's packets.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use steam_sockets::{Connection, ConnectionState, EndReason, Event, SendFlags, Sockets};

use crate::common::{self, Progress, Report, Rng, Tracker};
use crate::relay::{Capture, Impairment, Relay};
use crate::runner::Size;

/// Resident memory the process may gain during the attack. The library's buffers for the two
/// connections and its queues are allocated before it starts; what garbage could make it keep
/// (a record per source address or per bad packet) would show as growth.
const RSS_GROWTH_LIMIT_KIB: u64 = 32 * 1024;

/// Source sockets of the attacker besides the two relays' (each a different port).
const ATTACK_SOCKETS: usize = 64;

/// Datagrams the attacker sends between two pauses of a millisecond.
const BURST: u64 = 64;

/// Runs the scenario.
pub fn run(size: Size) -> Report {
    let (datagrams, messages) = size.pick((100_000, 1_000), (10_000, 300));
    Report::of("garbage", |report| garbage(report, datagrams, messages))
}

fn garbage(report: &mut Report, datagrams: u64, messages: u32) -> Result<(), String> {
    let sockets = common::init()?;
    let options = common::fast_options();
    let listener = common::listen(&sockets, &options)?;
    let server_addr = listener.local_addr().map_err(|e| e.to_string())?;

    // An earlier session that closes: its packets become replays of a closed connection.
    let old_relay = Relay::start(server_addr, Impairment::default(), 1)?;
    let (old_server, old_client) = common::connect_to(&sockets, old_relay.front(), &options)?;
    chatter(&sockets, &old_server, &old_client)?;
    drop(old_client);
    drop(old_server);
    common::pump_for(&sockets, Duration::from_millis(300));

    let live_relay = Relay::start(server_addr, Impairment::default(), 2)?;
    let (server, client) = common::connect_to(&sockets, live_relay.front(), &options)?;
    let rss_before = common::resident_kib()?;
    let attacker = Attacker::start(AttackPlan {
        server: server_addr,
        closed_address: old_relay.upstream()?,
        closed_packets: old_relay.capture().snapshot(),
        live_address: live_relay.upstream()?,
        live_packets: live_relay.capture(),
        datagrams,
        seed: 0x5eed_9a4b,
    })?;
    let exchange = exchange(&sockets, &server, &client, &attacker, messages);
    let attack = attacker.finish();
    let rss_after = common::resident_kib()?;
    let exchange = exchange?;

    report.detail(format!(
        "{} datagrams at the server: {} random, {} truncated, {} bit-flipped, {} replays of \
         a closed connection, {} replays of the live one; {} of them from the live client's \
         address; the server answered {} on the attacker's own sockets",
        attack.sent,
        attack.random,
        attack.truncated,
        attack.flipped,
        attack.closed_replays,
        attack.live_replays,
        attack.from_live_address,
        attack.answers
    ));
    report.detail(format!(
        "{} reliable and {} unreliable messages sent, {} reliable echoed, in {:.1} s; {} \
         connection requests caused by the attack, all rejected",
        exchange.reliable_sent,
        exchange.unreliable_sent,
        exchange.echoes.reliable,
        exchange.seconds,
        exchange.requests_rejected
    ));
    report.detail(format!(
        "resident memory {} KiB before the attack, {} KiB after (limit: +{} KiB)",
        rss_before, rss_after, RSS_GROWTH_LIMIT_KIB
    ));
    report.check(attack.sent == datagrams, || {
        format!("the attacker sent {} of {datagrams} datagrams", attack.sent)
    });
    report.check(rss_after <= rss_before + RSS_GROWTH_LIMIT_KIB, || {
        format!("resident memory grew by {} KiB", rss_after.saturating_sub(rss_before))
    });
    let (at_server, echoes) = (&exchange.at_server, &exchange.echoes);
    for (side, tracker) in [("server", at_server), ("client", echoes)] {
        report.check(tracker.corrupted == 0, || {
            format!("{} corrupted messages surfaced at the {side}", tracker.corrupted)
        });
        report.check(tracker.unreliable_duplicates == 0, || {
            format!(
                "{} unreliable messages surfaced twice at the {side}",
                tracker.unreliable_duplicates
            )
        });
    }
    report.sent += exchange.reliable_sent * 2 + exchange.unreliable_sent;
    report.received += at_server.reliable + at_server.unreliable + echoes.reliable;
    report.reliable_lost += (exchange.reliable_sent
        - at_server.reliable.min(exchange.reliable_sent))
        + (exchange.reliable_sent - echoes.reliable.min(exchange.reliable_sent));
    report.out_of_order += at_server.out_of_order + echoes.out_of_order;

    // The listen socket still serves a newcomer after all that.
    let began = Instant::now();
    let fresh = common::connect_to(&sockets, server_addr, &options)?;
    report.detail(format!(
        "a new client connected after the attack in {} ms",
        began.elapsed().as_millis()
    ));
    drop(fresh);
    drop(listener);
    Ok(())
}

/// A few messages each way, reliable and not, so that the capture holds data packets too.
fn chatter(sockets: &Sockets, server: &Connection, client: &Connection) -> Result<(), String> {
    for seq in 0..40 {
        let flags = if seq % 2 == 0 { SendFlags::RELIABLE } else { SendFlags::UNRELIABLE };
        client.send(&common::payload(7, seq, 200), flags).map_err(|e| e.to_string())?;
        server.send(&common::payload(8, seq, 200), flags).map_err(|e| e.to_string())?;
    }
    let mut inbox = Vec::new();
    let start = Instant::now();
    let mut got = 0;
    while got < 40 && start.elapsed() < common::DEADLINE {
        sockets.run_callbacks();
        let _ = sockets.events().try_iter().count();
        for end in [server, client] {
            inbox.clear();
            got += end.receive(&mut inbox, 64).map_err(|e| e.to_string())?;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(())
}

/// What the legitimate exchange saw.
struct Exchange {
    reliable_sent: u64,
    unreliable_sent: u64,
    /// Messages as the server received them.
    at_server: Tracker,
    /// The server's echoes of the reliable ones, as the client received them.
    echoes: Tracker,
    requests_rejected: u64,
    seconds: f64,
}

/// The client sends `messages` (every fourth unreliable), paced so that they spread over the
/// attack; the server echoes each reliable one. Ends when everything was echoed back and the
/// attack is over.
fn exchange(
    sockets: &Sockets,
    server: &Connection,
    client: &Connection,
    attacker: &Attacker,
    messages: u32,
) -> Result<Exchange, String> {
    let mut rng = Rng::new(3);
    let mut done = Exchange {
        reliable_sent: 0,
        unreliable_sent: 0,
        at_server: Tracker::default(),
        echoes: Tracker::default(),
        requests_rejected: 0,
        seconds: 0.0,
    };
    let (mut sent, mut next_reliable, mut next_unreliable) = (0u32, 0u32, 0u32);
    let mut inbox = Vec::new();
    let events = sockets.events();
    let mut progress = Progress::start();
    loop {
        let attacked = attacker.sent();
        let attack_over = attacked >= attacker.datagrams;
        let due =
            attack_over || u64::from(sent) * attacker.datagrams <= attacked * u64::from(messages);
        if sent < messages && due {
            let reliable = sent % 4 != 3;
            let (stream, seq) = if reliable { (1, next_reliable) } else { (2, next_unreliable) };
            let len = 12 + rng.below(1_200) as usize;
            let flags = if reliable { SendFlags::RELIABLE } else { SendFlags::UNRELIABLE };
            match client.send(&common::payload(stream, seq, len), flags) {
                Ok(_) if reliable => {
                    (next_reliable, done.reliable_sent) =
                        (next_reliable + 1, done.reliable_sent + 1);
                    sent += 1;
                }
                Ok(_) => {
                    (next_unreliable, done.unreliable_sent) =
                        (next_unreliable + 1, done.unreliable_sent + 1);
                    sent += 1;
                }
                Err(steam_sockets::Error::SendBufferFull { .. }) => {}
                Err(e) => return Err(format!("send: {e}")),
            }
        }
        sockets.run_callbacks();
        for event in events.try_iter() {
            match event {
                // Only the attack asks to connect now: replayed handshakes can get this far.
                Event::Incoming(request) => {
                    done.requests_rejected += 1;
                    request
                        .reject(EndReason::APP_GENERIC, "not expected")
                        .map_err(|e| format!("reject: {e}"))?;
                }
                Event::ConnectionStatus(change)
                    if (change.connection == server.id() || change.connection == client.id())
                        && change.info.state != ConnectionState::Connected =>
                {
                    return Err(format!(
                        "the legitimate connection left Connected: {:?}, {}",
                        change.info.state, change.info.end_debug
                    ));
                }
                _ => {}
            }
        }
        inbox.clear();
        let got = server.receive(&mut inbox, 256).map_err(|e| e.to_string())?;
        for message in &inbox {
            done.at_server.take(message);
            if message.is_reliable() {
                echo(server, message)?;
            }
        }
        let before = done.echoes.reliable;
        inbox.clear();
        client.receive(&mut inbox, 256).map_err(|e| e.to_string())?;
        inbox.iter().for_each(|m| done.echoes.take(m));
        progress.advance(got as u64 + (done.echoes.reliable - before) + u64::from(!attack_over));
        if attack_over
            && sent == messages
            && done.echoes.reliable + done.echoes.out_of_order >= done.reliable_sent
        {
            done.seconds = progress.seconds();
            return Ok(done);
        }
        progress.check(|| {
            format!(
                "{} of {} reliable messages echoed, attack at {attacked}",
                done.echoes.reliable, done.reliable_sent
            )
        })?;
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Echoes `message`, waiting for room if the send buffer is full.
fn echo(server: &Connection, message: &steam_sockets::Message) -> Result<(), String> {
    let start = Instant::now();
    loop {
        match server.send(message, SendFlags::RELIABLE) {
            Ok(_) => return Ok(()),
            Err(steam_sockets::Error::SendBufferFull { .. })
                if start.elapsed() < common::DEADLINE =>
            {
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(e) => return Err(format!("echo: {e}")),
        }
    }
}

/// What the attacker is given.
struct AttackPlan {
    server: SocketAddr,
    /// The address the server knew the closed connection's client by.
    closed_address: UdpSocket,
    closed_packets: Vec<Vec<u8>>,
    /// The address the server knows the live client by.
    live_address: UdpSocket,
    live_packets: Capture,
    datagrams: u64,
    seed: u64,
}

/// What the attacker sent.
#[derive(Debug, Default)]
struct AttackStats {
    sent: u64,
    random: u64,
    truncated: u64,
    flipped: u64,
    closed_replays: u64,
    live_replays: u64,
    from_live_address: u64,
    answers: u64,
}

/// The attacker's thread, and how far it got.
struct Attacker {
    datagrams: u64,
    sent: Arc<AtomicU64>,
    thread: JoinHandle<Result<AttackStats, String>>,
}

impl Attacker {
    fn start(plan: AttackPlan) -> Result<Attacker, String> {
        let sent = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&sent);
        let datagrams = plan.datagrams;
        let thread = std::thread::Builder::new()
            .name("stress-attacker".into())
            .spawn(move || attack(plan, &counter))
            .map_err(|e| format!("attacker thread: {e}"))?;
        Ok(Attacker { datagrams, sent, thread })
    }

    fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    fn finish(self) -> AttackStats {
        match self.thread.join() {
            Ok(Ok(stats)) => stats,
            Ok(Err(e)) => {
                println!("# garbage: attacker stopped: {e}");
                AttackStats::default()
            }
            Err(_) => AttackStats::default(),
        }
    }
}

fn attack(plan: AttackPlan, counter: &AtomicU64) -> Result<AttackStats, String> {
    let mut sockets = Vec::with_capacity(ATTACK_SOCKETS);
    for _ in 0..ATTACK_SOCKETS {
        let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
        socket.set_nonblocking(true).map_err(|e| e.to_string())?;
        sockets.push(socket);
    }
    let mut rng = Rng::new(plan.seed);
    let mut stats = AttackStats::default();
    let mut live = plan.live_packets.snapshot();
    let mut templates: Vec<Vec<u8>> = plan.closed_packets.clone();
    templates.extend(live.iter().cloned());
    if templates.is_empty() || plan.closed_packets.is_empty() {
        return Err("nothing was captured".into());
    }
    let mut reply = [0u8; 2048];
    while stats.sent < plan.datagrams {
        if stats.sent % 1_000 == 0 {
            live = plan.live_packets.snapshot();
            templates.truncate(plan.closed_packets.len());
            templates.extend(live.iter().cloned());
        }
        let pick =
            |rng: &mut Rng, from: &[Vec<u8>]| from[rng.below(from.len() as u64) as usize].clone();
        let stranger = &sockets[rng.below(ATTACK_SOCKETS as u64) as usize];
        let (datagram, from) = match rng.below(100) {
            0..35 => {
                stats.random += 1;
                let len = rng.below(1_501) as usize;
                let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
                (bytes, if rng.chance(25) { &plan.live_address } else { stranger })
            }
            35..55 => {
                stats.truncated += 1;
                let mut bytes = pick(&mut rng, &templates);
                bytes.truncate(rng.below(bytes.len() as u64) as usize);
                (bytes, if rng.chance(50) { &plan.live_address } else { stranger })
            }
            55..75 => {
                stats.flipped += 1;
                let mut bytes = pick(&mut rng, &templates);
                for _ in 0..=rng.below(3) {
                    let bit = rng.below(bytes.len().max(1) as u64 * 8);
                    if let Some(byte) = bytes.get_mut((bit / 8) as usize) {
                        *byte ^= 1 << (bit % 8);
                    }
                }
                (bytes, if rng.chance(50) { &plan.live_address } else { stranger })
            }
            75..90 => {
                stats.closed_replays += 1;
                (pick(&mut rng, &plan.closed_packets), &plan.closed_address)
            }
            _ => {
                stats.live_replays += 1;
                let bytes = pick(&mut rng, if live.is_empty() { &templates } else { &live });
                (bytes, if rng.chance(50) { &plan.live_address } else { stranger })
            }
        };
        if std::ptr::eq(from, &plan.live_address) {
            stats.from_live_address += 1;
        }
        // A full socket buffer drops the datagram, as a congested network would; it counts
        // as sent all the same.
        let _ = from.send_to(&datagram, plan.server);
        stats.sent += 1;
        counter.store(stats.sent, Ordering::Relaxed);
        if stats.sent % BURST == 0 {
            for socket in &sockets {
                while socket.recv(&mut reply).is_ok() {
                    stats.answers += 1;
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    Ok(stats)
}
