//! A handshake flood: connection attempts that never complete, from many source ports (the
//! first two packets of a real handshake, recorded from our own client and replayed), plus
//! crowds of clients in other processes that connect and vanish (killed with SIGKILL), while a
//! legitimate client connects and exchanges messages. The legitimate client connects within
//! [`CONNECT_LIMIT`], the application code of the scenario accepts or rejects every request
//! (it caps its open connections at a limit, as a game server caps its players), none of the
//! flood's attempts gets as far as a request, and once the vanished clients have timed out no
//! connection but the legitimate one is left open.

use std::collections::{HashMap, HashSet};
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use steam_sockets::{
    ConfigValue, Connection, ConnectionId, ConnectionState, EndReason, Event, SendFlags, Sockets,
};

use crate::common::{self, Report, Tracker};
use crate::crowd::{self, Behaviour, Crowd, CrowdPlan};
use crate::relay::{Impairment, Relay};
use crate::runner::Size;

/// Longest the legitimate client may take to connect during the flood.
const CONNECT_LIMIT: Duration = Duration::from_secs(5);

/// How long the server keeps a silent connection: vanished clients are dropped after this.
const SILENCE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a vanishing client waits for the server to answer: under the flood, a few
/// handshakes take several seconds (retries of lost packets).
const PATIENCE: Duration = Duration::from_secs(20);

/// How long a client of the overflow crowd waits. The server rejects that crowd in one burst,
/// and GNS's client does not always learn of such a rejection; it then gives up after this.
const OVERFLOW_PATIENCE: Duration = Duration::from_secs(5);

/// Longest the scenario may take: vanished clients take seconds each round to time out.
const LIMIT: Duration = Duration::from_secs(150);

/// How often the application sends each client an update.
const UPDATE_EVERY: Duration = Duration::from_millis(100);

/// Source ports of the flood.
const FLOOD_SOCKETS: usize = 256;

/// Messages the legitimate client sends (each echoed).
const MESSAGES: u32 = 200;

/// The first byte of GameNetworkingSockets' UDP handshake packets.
const CHALLENGE_REQUEST: u8 = 32;
const CHALLENGE_REPLY: u8 = 33;
const CONNECT_REQUEST: u8 = 34;

/// How much of the scenario there is.
#[derive(Debug, Clone, Copy)]
struct Plan {
    attempts: u64,
    /// How long the flood lasts.
    flood_time: Duration,
    crowds: usize,
    crowd_size: usize,
    /// The application's cap on open connections (the legitimate one aside).
    max_open: usize,
    /// Clients of one more crowd, which arrives when the server is full.
    overflow: usize,
}

/// Runs the scenario.
pub fn run(size: Size) -> Report {
    let plan = size.pick(
        Plan {
            attempts: 10_000,
            flood_time: Duration::from_secs(5),
            crowds: 4,
            crowd_size: 250,
            max_open: 250,
            overflow: 100,
        },
        Plan {
            attempts: 1_000,
            flood_time: Duration::from_secs(2),
            crowds: 2,
            crowd_size: 50,
            max_open: 50,
            overflow: 20,
        },
    );
    Report::of("handshake-flood", |report| flood(report, plan))
}

fn flood(report: &mut Report, plan: Plan) -> Result<(), String> {
    let sockets = common::init()?;
    let mut options = common::fast_options();
    options.push(ConfigValue::TimeoutConnected(SILENCE_TIMEOUT));
    let listener = common::listen(&sockets, &options)?;
    let server_addr = listener.local_addr().map_err(|e| e.to_string())?;
    // The recording relay stays up to the end: its port must not come back as one of the
    // flood's, whose replayed request would then come from the address it was made for.
    let recorder = Relay::start(server_addr, Impairment::default(), 4)?;
    let (challenge, connect) = record_handshake(&sockets, &recorder, &options)?;

    let flooder = Flooder::start(server_addr, challenge, connect, plan)?;
    let legit_relay = Relay::start(server_addr, Impairment::default(), 9)?;
    let legit_remote = legit_relay.upstream()?.local_addr().map_err(|e| e.to_string())?;
    let mut app =
        App { legit_remote: Some(legit_remote), max_open: plan.max_open, ..App::default() };
    let mut legit = Legit::default();
    let mut crowd: Option<Crowd> = None;
    let (mut crowds_done, mut crowd_connected, mut crowd_refused, mut crowd_gave_up) = (0, 0, 0, 0);
    let events = sockets.events();
    let start = Instant::now();
    let mut inbox = Vec::new();
    loop {
        sockets.run_callbacks();
        for event in events.try_iter() {
            app.handle(event, &mut legit);
        }
        // The legitimate client starts once a quarter of the flood is out.
        if legit.client.is_none() && flooder.sent() * 4 >= plan.attempts {
            legit.began = Some(Instant::now());
            legit.client =
                Some(sockets.connect_ip(legit_relay.front(), &options).map_err(|e| e.to_string())?);
        }
        legit.exchange(&app, &mut inbox)?;
        app.update(&legit)?;
        // One crowd at a time: it connects, says so, and is killed. The overflow crowd, third,
        // comes at once, while the second fills the server; the others wait until the server
        // has dropped every vanished client. A client whose source port is that of a
        // connection the server still holds (a vanished peer; a NAT that hands the port on
        // does the same) could not connect, even in 20 s: crowds started while 250 vanished
        // connections were open lost 1 to 3 of their 250 handshakes, about the 2.2 port
        // collisions expected between two sets of 250 ports drawn from the 28,232 ephemeral
        // ones; crowds started with none open lost none.
        match &mut crowd {
            None if crowds_done <= plan.crowds => {
                let overflow = crowds_done == 2;
                let size = if overflow { plan.overflow } else { plan.crowd_size };
                if overflow || app.open.len() <= 1 {
                    let seed = 300 + crowds_done as u64;
                    let plan = CrowdPlan {
                        behaviour: Behaviour::Vanish,
                        count: size,
                        seed,
                        spread: Duration::ZERO,
                        patience: if overflow { OVERFLOW_PATIENCE } else { PATIENCE },
                    };
                    crowd = Some(Crowd::spawn(plan, server_addr)?);
                }
            }
            Some(running) => {
                if let Some(line) = running.line("CONNECTED") {
                    report.detail(format!(
                        "crowd {crowds_done}: {} at {:.1} s",
                        line.trim_start_matches("CONNECTED "),
                        start.elapsed().as_secs_f64()
                    ));
                    crowd_connected += crowd::field(&line, "connected").unwrap_or(0);
                    crowd_refused += crowd::field(&line, "refused").unwrap_or(0);
                    crowd_gave_up += crowd::field(&line, "timed_out").unwrap_or(0);
                    running.kill();
                    crowd = None;
                    crowds_done += 1;
                }
            }
            None => {}
        }
        let flood_over = flooder.sent() >= plan.attempts;
        let only_legit =
            app.open.len() == 1 && legit.server.is_some_and(|s| app.open.contains_key(&s));
        if flood_over && crowds_done == plan.crowds + 1 && legit.done() && only_legit {
            break;
        }
        if start.elapsed() > LIMIT {
            return Err(format!(
                "flood {}/{}, crowds {crowds_done}/{}, legit echoed {}, {} connections open",
                flooder.sent(),
                plan.attempts,
                plan.crowds,
                legit.echoes.reliable,
                app.open.len()
            ));
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let flood = flooder.finish()?;
    let connect_time = legit.connect_time.unwrap_or(Duration::MAX);
    let vanishing = plan.crowds * plan.crowd_size;
    let clients = vanishing + plan.overflow;
    report.detail(format!(
        "{} handshake attempts from {FLOOD_SOCKETS} ports in {:.1} s ({} challenge replies \
         came back), {} requests caused by them",
        flood.attempts,
        flood.seconds,
        flood.challenge_replies,
        app.from(&flood.addresses)
    ));
    report.detail(format!(
        "{clients} clients in {} processes: {crowd_connected} connected and vanished, \
         {crowd_refused} saw their rejection, {crowd_gave_up} gave up waiting; the application \
         accepted {}, rejected {} (cap {}), {} were gone before it answered, {} timed out after \
         vanishing",
        plan.crowds + 1,
        app.accepted,
        app.rejected,
        plan.max_open,
        app.gone,
        app.timed_out
    ));
    report.detail(format!(
        "legitimate client connected in {} ms (limit {} ms), {} of {MESSAGES} echoes; {:.1} s \
         in all",
        connect_time.as_millis(),
        CONNECT_LIMIT.as_millis(),
        legit.echoes.reliable,
        start.elapsed().as_secs_f64()
    ));
    report.check(connect_time <= CONNECT_LIMIT, || {
        format!("the legitimate client took {} ms to connect", connect_time.as_millis())
    });
    report.check(app.from(&flood.addresses) == 0, || "the flood got requests through".into());
    let settled = crowd_connected + crowd_refused + crowd_gave_up;
    report.check(settled == clients, || format!("crowds settled {settled} of {clients}"));
    report.check(crowd_connected >= vanishing, || {
        format!("{crowd_connected} connected before vanishing, not all {vanishing}")
    });
    report.check(app.accepted == crowd_connected + 1, || {
        format!("accepted {} for {crowd_connected} crowd connections and one legit", app.accepted)
    });
    report.check(app.incoming == app.accepted + app.rejected + app.gone, || {
        format!("{} requests, not all answered", app.incoming)
    });
    report.check(legit.echoes.corrupted == 0, || "corrupted echoes".into());
    report.sent += u64::from(MESSAGES) * 2;
    report.received += legit.at_server.reliable + legit.echoes.reliable;
    report.reliable_lost += 2 * u64::from(MESSAGES)
        - (legit.at_server.reliable + legit.echoes.reliable).min(2 * u64::from(MESSAGES));
    report.out_of_order += legit.at_server.out_of_order + legit.echoes.out_of_order;
    drop((listener, recorder));
    Ok(())
}

/// Connects once through `relay` and returns the client's first `ChallengeRequest`
/// and `ConnectRequest` packets.
fn record_handshake(
    sockets: &Sockets,
    relay: &Relay,
    options: &[ConfigValue],
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let ends = common::connect_to(sockets, relay.front(), options)?;
    drop(ends);
    let captured = relay.capture().snapshot();
    let find = |kind: u8| captured.iter().find(|d| d.first() == Some(&kind)).cloned();
    match (find(CHALLENGE_REQUEST), find(CONNECT_REQUEST)) {
        (Some(challenge), Some(connect)) => Ok((challenge, connect)),
        _ => {
            Err("no ChallengeRequest and ConnectRequest recorded: did the packet format change?"
                .into())
        }
    }
}

/// The scenario's application: accepts requests while under its cap, rejects the rest, and
/// closes every connection that ends.
#[derive(Default)]
struct App {
    legit_remote: Option<SocketAddr>,
    max_open: usize,
    open: HashMap<ConnectionId, Connection>,
    remotes: Vec<SocketAddr>,
    incoming: usize,
    accepted: usize,
    rejected: usize,
    gone: usize,
    timed_out: usize,
    updated: Option<Instant>,
}

impl App {
    fn handle(&mut self, event: Event, legit: &mut Legit) {
        match event {
            Event::Incoming(request) => {
                self.incoming += 1;
                let remote = request.info().remote_addr;
                self.remotes.extend(remote);
                let is_legit = remote.is_some() && remote == self.legit_remote;
                if !is_legit
                    && self.open.len() >= self.max_open + usize::from(legit.server.is_some())
                {
                    self.rejected += 1;
                    // A request the library already dropped is rejected all the same.
                    let _ = request.reject(EndReason::APP_GENERIC, "server full");
                    return;
                }
                let id = request.id();
                match request.accept() {
                    Ok(connection) => {
                        self.accepted += 1;
                        if is_legit {
                            legit.server = Some(id);
                        }
                        self.open.insert(id, connection);
                    }
                    Err(_) => self.gone += 1,
                }
            }
            Event::ConnectionStatus(change) => {
                let state = change.info.state;
                if Some(change.connection) == legit.client.as_ref().map(Connection::id) {
                    if state == ConnectionState::Connected {
                        legit.connect_time = legit.began.map(|b| b.elapsed());
                    }
                    return;
                }
                if matches!(
                    state,
                    ConnectionState::ClosedByPeer | ConnectionState::ProblemDetectedLocally
                ) && self.open.remove(&change.connection).is_some()
                {
                    self.timed_out += usize::from(state == ConnectionState::ProblemDetectedLocally);
                }
            }
            _ => {}
        }
    }

    /// Sends every open connection but the legitimate one a small update each
    /// [`UPDATE_EVERY`], as a game server does: a peer that vanished then stops acknowledging,
    /// and the library drops it `SILENCE_TIMEOUT` later. (An idle connection is only probed
    /// after seconds of silence, so vanished idle peers linger for 10 to 20 s.)
    fn update(&mut self, legit: &Legit) -> Result<(), String> {
        if self.updated.is_some_and(|at| at.elapsed() < UPDATE_EVERY) {
            return Ok(());
        }
        self.updated = Some(Instant::now());
        for (id, connection) in &self.open {
            if Some(*id) == legit.server {
                continue;
            }
            match connection.send(b"state update", SendFlags::RELIABLE) {
                // A connection the library has just dropped: its end event follows.
                Ok(_) | Err(steam_sockets::Error::NotConnected { .. }) => {}
                Err(e) => return Err(format!("update: {e}")),
            }
        }
        Ok(())
    }

    /// Requests that came from any of `addresses`.
    fn from(&self, addresses: &HashSet<SocketAddr>) -> usize {
        self.remotes.iter().filter(|r| addresses.contains(r)).count()
    }
}

/// The legitimate client and its echo exchange.
#[derive(Default)]
struct Legit {
    client: Option<Connection>,
    server: Option<ConnectionId>,
    began: Option<Instant>,
    connect_time: Option<Duration>,
    sent: u32,
    at_server: Tracker,
    echoes: Tracker,
}

impl Legit {
    fn done(&self) -> bool {
        self.echoes.reliable + self.echoes.out_of_order + self.echoes.corrupted
            >= u64::from(MESSAGES)
    }

    /// Sends the next message once connected, echoes what the server got, takes the echoes.
    fn exchange(
        &mut self,
        app: &App,
        inbox: &mut Vec<steam_sockets::Message>,
    ) -> Result<(), String> {
        let (Some(client), Some(_)) = (&self.client, self.connect_time) else { return Ok(()) };
        let Some(server) = self.server.and_then(|id| app.open.get(&id)) else {
            return Err("the legitimate connection was lost".into());
        };
        if self.sent < MESSAGES {
            match client.send(&common::payload(1, self.sent, 300), SendFlags::RELIABLE) {
                Ok(_) => self.sent += 1,
                Err(steam_sockets::Error::SendBufferFull { .. }) => {}
                Err(e) => return Err(format!("send: {e}")),
            }
        }
        inbox.clear();
        server.receive(inbox, 64).map_err(|e| e.to_string())?;
        for message in inbox.iter() {
            self.at_server.take(message);
            server.send(message, SendFlags::RELIABLE).map_err(|e| format!("echo: {e}"))?;
        }
        inbox.clear();
        client.receive(inbox, 64).map_err(|e| e.to_string())?;
        inbox.iter().for_each(|m| self.echoes.take(m));
        Ok(())
    }
}

/// What the flood did.
struct FloodStats {
    attempts: u64,
    seconds: f64,
    challenge_replies: u64,
    addresses: HashSet<SocketAddr>,
    /// Kept open until the scenario ends, so that no client of the scenario gets one of
    /// their ports (and is taken for the flood).
    _sockets: Vec<UdpSocket>,
}

/// The flood's thread: each attempt sends a `ChallengeRequest` and a `ConnectRequest` from one
/// of [`FLOOD_SOCKETS`] ports, paced evenly over the flood's time.
struct Flooder {
    sent: Arc<AtomicU64>,
    thread: JoinHandle<Result<FloodStats, String>>,
}

impl Flooder {
    fn start(
        server: SocketAddr,
        challenge: Vec<u8>,
        connect: Vec<u8>,
        plan: Plan,
    ) -> Result<Flooder, String> {
        let mut sockets = Vec::with_capacity(FLOOD_SOCKETS);
        for _ in 0..FLOOD_SOCKETS {
            let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
            socket.set_nonblocking(true).map_err(|e| e.to_string())?;
            sockets.push(socket);
        }
        let sent = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&sent);
        let thread = std::thread::Builder::new()
            .name("stress-flood".into())
            .spawn(move || {
                let start = Instant::now();
                let mut replies = 0;
                let mut buf = [0u8; 2048];
                let per_attempt = plan.flood_time.as_secs_f64() / plan.attempts as f64;
                for attempt in 0..plan.attempts {
                    let socket = &sockets[attempt as usize % FLOOD_SOCKETS];
                    // Lost to a full buffer or not, the attempt was made.
                    let _ = socket.send_to(&challenge, server);
                    let _ = socket.send_to(&connect, server);
                    counter.store(attempt + 1, Ordering::Relaxed);
                    let due = Duration::from_secs_f64(per_attempt * (attempt + 1) as f64);
                    if due > start.elapsed() {
                        for socket in &sockets {
                            while let Ok(len) = socket.recv(&mut buf) {
                                replies += u64::from(len > 0 && buf[0] == CHALLENGE_REPLY);
                            }
                        }
                        std::thread::sleep(due.saturating_sub(start.elapsed()));
                    }
                }
                let addresses = sockets.iter().filter_map(|s| s.local_addr().ok()).collect();
                Ok(FloodStats {
                    attempts: plan.attempts,
                    seconds: start.elapsed().as_secs_f64(),
                    challenge_replies: replies,
                    addresses,
                    _sockets: sockets,
                })
            })
            .map_err(|e| format!("flood thread: {e}"))?;
        Ok(Flooder { sent, thread })
    }

    fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    fn finish(self) -> Result<FloodStats, String> {
        self.thread.join().map_err(|_| "the flood thread panicked".to_owned())?
    }
}
