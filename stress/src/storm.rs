//! Event storms: the server's application stops pumping callbacks (a loading screen, a long
//! frame) while a crowd of clients, in two other processes, connect and leave. Afterwards
//! every connection is accounted for exactly once, its events in the right order (the request
//! first, nothing after its end), and none is left open.
//!
//! Two stalls, each run twice:
//! * **leave**: the clients connected and were accepted before the stall; all of them close
//!   during it, so the stall ends with one close per connection waiting;
//! * **arrive**: the stall begins first; the clients ask to connect during it and give up
//!   before anyone answers, so it ends with a request and an end per connection waiting, and
//!   accepting them fails with the crate's typed error (the request is gone).
//!
//! How the library's callback queue is handled: GameNetworkingSockets keeps callbacks in a
//! growable queue until `run_callbacks` drains it, so a stall loses nothing; it asserts
//! ("Callbacks backing up") for each callback queued while 100 or more wait, which the crate
//! counts and reports as one warning per drain (counted here). The crate's own event channel
//! is unbounded, so nothing is lost there either. The first run of each stall pumps only from
//! the application: at the end of the stall every event is still in the library's queue. The
//! second runs the crate's callback thread (`Sockets::spawn_callback_thread`): at the end of
//! the stall the events are already in the crate's channel, waiting in order for the
//! application, and the library's queue never backed up during the stall. (Both runs back it
//! up afterwards, when the application closes hundreds of connections in one loop: each close
//! queues a `None` callback.)

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use steam_sockets::{
    Connection, ConnectionId, ConnectionState, DebugOutputLevel, Error, Event, Sockets,
};

use crate::common::{self, DEADLINE, Report};
use crate::crowd::{self, Behaviour, Crowd, CrowdPlan};
use crate::runner::Size;

/// How often the crate's callback thread drains the library's queue in the second runs.
const CALLBACK_INTERVAL: Duration = Duration::from_millis(1);

/// Time for the crate's log thread to pass a warning on.
const FORWARDED: Duration = Duration::from_millis(200);

/// Callbacks the library queued beyond its 100, as the crate's warnings report them.
static BACKING_UP: AtomicU64 = AtomicU64::new(0);

/// The crate's warning after a drain that followed a backlog, up to the count.
const BACKLOG_WARNING: &str = "the library's callback queue backed up: ";

/// Adds up the crate's backlog warnings (the only log output this scenario wants).
struct WarningCounter;

impl log::Log for WarningCounter {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target() == steam_sockets::DEBUG_OUTPUT_LOG_TARGET
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let text = record.args().to_string();
        let count = text
            .strip_prefix(BACKLOG_WARNING)
            .and_then(|rest| rest.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()));
        if let Some(count) = count {
            BACKING_UP.fetch_add(count, Ordering::Relaxed);
        }
    }

    fn flush(&self) {}
}

/// Which stall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stall {
    Leave,
    Arrive,
}

/// Runs the scenario.
pub fn run(size: Size) -> Report {
    let (clients, stall) = size.pick((500, Duration::from_secs(5)), (100, Duration::from_secs(2)));
    Report::of("event-storm", |report| storm(report, clients, stall))
}

fn storm(report: &mut Report, clients: usize, stall: Duration) -> Result<(), String> {
    log::set_logger(&WarningCounter).map_err(|e| format!("logger: {e}"))?;
    log::set_max_level(log::LevelFilter::Warn);
    let sockets = common::init()?;
    sockets.set_debug_output(DebugOutputLevel::Warning).map_err(|e| e.to_string())?;
    for callback_thread in [false, true] {
        for kind in [Stall::Leave, Stall::Arrive] {
            let mut run = Run::new(kind, callback_thread);
            let result = run.go(&sockets, clients, stall);
            report.detail(run.describe(clients));
            result?;
            report.sent += clients as u64;
            report.received += run.ledger.values().filter(|e| e.in_order()).count() as u64;
            report.check(run.faults.is_empty(), || run.faults.join("; "));
            // Where the events were when the stall ended: still in the library's queue, or
            // already drained into the crate's channel by its callback thread.
            let drained = if callback_thread { clients } else { 0 };
            report.check((run.waiting >= drained) && (callback_thread || run.waiting == 0), || {
                format!("{} events in the crate's channel at the end of the stall", run.waiting)
            });
            // With the thread, the library's queue stayed short while the application stalled;
            // without it, every callback of the stall waited there, and the crate counted each
            // one past the hundredth: one per client leaving, two per client arriving.
            let queued = if kind == Stall::Leave { clients } else { 2 * clients };
            let expected = if callback_thread { 0 } else { queued.saturating_sub(100) as u64 };
            report.check(run.backlog.0 == expected, || {
                format!("{} callbacks beyond 100 during the stall, not {expected}", run.backlog.0)
            });
        }
    }
    Ok(())
}

/// One connection as the server's application saw it.
#[derive(Debug, Default)]
struct Entry {
    remote: Option<SocketAddr>,
    /// The states reported after the request, in order.
    states: Vec<ConnectionState>,
    /// The application's end, until it closes it.
    connection: Option<Connection>,
}

impl Entry {
    /// Whether the library reported the connection destroyed: `None`, which it posts for
    /// every connection the application closes ("callbacks will be posted when connections
    /// are created and destroyed by your own API calls", Valve's header says).
    fn destroyed(&self) -> bool {
        self.states.last() == Some(&ConnectionState::None)
    }

    /// Whether the states follow the one order a connection can take here: `Connected` if the
    /// application accepted in time, the end if the library saw it before the application
    /// closed, then `None`.
    fn in_order(&self) -> bool {
        let mut states = self.states.as_slice();
        if let [ConnectionState::Connected, rest @ ..] = states {
            states = rest;
        }
        if let [end, rest @ ..] = states {
            if is_end(*end) {
                states = rest;
            }
        }
        states == [ConnectionState::None] && self.connection.is_none()
    }
}

fn is_end(state: ConnectionState) -> bool {
    matches!(state, ConnectionState::ClosedByPeer | ConnectionState::ProblemDetectedLocally)
}

/// One stall, from the server's side.
struct Run {
    kind: Stall,
    callback_thread: bool,
    ledger: HashMap<ConnectionId, Entry>,
    accepted: usize,
    gone_at_accept: usize,
    faults: Vec<String>,
    /// Callbacks the library queued beyond its 100 during the stall, and after it (the
    /// application's closes, each of which the library reports with a `None` callback).
    backlog: (u64, u64),
    /// Events in the crate's channel when the stall ended.
    waiting: usize,
    drained_in: Duration,
}

impl Run {
    fn new(kind: Stall, callback_thread: bool) -> Run {
        Run {
            kind,
            callback_thread,
            ledger: HashMap::new(),
            accepted: 0,
            gone_at_accept: 0,
            faults: Vec::new(),
            backlog: (0, 0),
            waiting: 0,
            drained_in: Duration::ZERO,
        }
    }

    fn go(&mut self, sockets: &Sockets, clients: usize, stall: Duration) -> Result<(), String> {
        let listener = common::listen(sockets, &[])?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let halves = [clients / 2, clients - clients / 2];
        let behaviour = match self.kind {
            Stall::Leave => Behaviour::Leave,
            Stall::Arrive => Behaviour::GiveUp,
        };
        // Everyone leaves well within the stall.
        let spread = stall * 3 / 5;
        let mut thread = None;
        let mut crowds = Vec::new();
        if self.kind == Stall::Leave {
            for (i, &n) in halves.iter().enumerate() {
                crowds.push(Crowd::spawn(crowd_plan(behaviour, n, 100 + i as u64, spread), addr)?);
            }
            // Before the stall: accept everyone and wait until the crowds see it.
            let start = Instant::now();
            let mut said = vec![false; crowds.len()];
            while said.iter().any(|s| !s) {
                self.pump(sockets, true);
                for (crowd, said) in crowds.iter().zip(&mut said) {
                    if let Some(line) = crowd.line("CONNECTED") {
                        *said = true;
                        let connected = crowd::field(&line, "connected").unwrap_or(0);
                        if connected != crowd_size(&line) {
                            return Err(format!("a crowd did not fully connect: {line}"));
                        }
                    }
                }
                if start.elapsed() > DEADLINE {
                    return Err("the crowds did not connect".into());
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        let warnings_before = BACKING_UP.load(Ordering::Relaxed);
        if self.callback_thread {
            thread =
                Some(sockets.spawn_callback_thread(CALLBACK_INTERVAL).map_err(|e| e.to_string())?);
        }
        if self.kind == Stall::Arrive {
            for (i, &n) in halves.iter().enumerate() {
                crowds.push(Crowd::spawn(crowd_plan(behaviour, n, 200 + i as u64, spread), addr)?);
            }
        }
        // The stall: no callbacks run by the application, no events read.
        std::thread::sleep(stall);
        self.waiting = sockets.events().len();
        if !self.callback_thread {
            // The first drain: its warning covers what the library queued during the stall.
            sockets.run_callbacks();
        }
        // Let the log thread forward the warnings.
        std::thread::sleep(FORWARDED);
        let during = BACKING_UP.load(Ordering::Relaxed) - warnings_before;
        let start = Instant::now();
        let mut left = vec![false; crowds.len()];
        loop {
            self.pump(sockets, !self.callback_thread);
            for (crowd, left) in crowds.iter().zip(&mut left) {
                *left |= crowd.line("LEFT").is_some();
            }
            let settled =
                self.ledger.len() >= clients && self.ledger.values().all(Entry::destroyed);
            if settled && left.iter().all(|&l| l) {
                break;
            }
            if start.elapsed() > DEADLINE {
                return Err(format!(
                    "{:?}: {} requests, {} ended, crowds left: {left:?}",
                    self.kind,
                    self.ledger.len(),
                    self.ledger.values().filter(|e| e.destroyed()).count()
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        self.drained_in = start.elapsed();
        drop(thread);
        std::thread::sleep(FORWARDED);
        self.backlog = (during, BACKING_UP.load(Ordering::Relaxed) - warnings_before - during);
        self.audit(clients);
        drop(listener);
        Ok(())
    }

    /// Takes the waiting events (running callbacks first when `run`): the application code.
    fn pump(&mut self, sockets: &Sockets, run: bool) {
        if run {
            sockets.run_callbacks();
        }
        for event in sockets.events().try_iter() {
            match event {
                Event::Incoming(request) => {
                    let id = request.id();
                    if self.ledger.contains_key(&id) {
                        self.faults.push(format!("{id:?} requested twice"));
                    }
                    let mut entry =
                        Entry { remote: request.info().remote_addr, ..Entry::default() };
                    match request.accept() {
                        Ok(connection) => {
                            self.accepted += 1;
                            entry.connection = Some(connection);
                        }
                        // The client gave up first; the crate has closed the request.
                        Err(Error::NotConnected { .. } | Error::InvalidHandle { .. }) => {
                            self.gone_at_accept += 1;
                        }
                        Err(e) => self.faults.push(format!("accept: {e}")),
                    }
                    self.ledger.insert(id, entry);
                }
                Event::ConnectionStatus(change) => {
                    let Some(entry) = self.ledger.get_mut(&change.connection) else {
                        self.faults.push(format!(
                            "{:?} reported {:?} before its request",
                            change.connection, change.info.state
                        ));
                        continue;
                    };
                    let state = change.info.state;
                    if entry.destroyed() {
                        self.faults.push(format!(
                            "{:?} reported {state:?} after it was destroyed",
                            change.connection
                        ));
                    }
                    entry.states.push(state);
                    if is_end(state) {
                        // The application closes its end (the library then reports `None`).
                        entry.connection = None;
                    }
                }
                _ => {}
            }
        }
    }

    /// Checks the ledger: one request per client address, states in order, everything ended.
    fn audit(&mut self, clients: usize) {
        let remotes: HashSet<_> = self.ledger.values().filter_map(|e| e.remote).collect();
        if self.ledger.len() != clients || remotes.len() != clients {
            self.faults.push(format!(
                "{} requests from {} addresses for {clients} clients",
                self.ledger.len(),
                remotes.len()
            ));
        }
        for (id, entry) in &self.ledger {
            if !entry.in_order() {
                self.faults.push(format!("{id:?}: states {:?}", entry.states));
            }
        }
        if self.kind == Stall::Leave && self.accepted != clients {
            self.faults.push(format!("{} of {clients} accepted before the stall", self.accepted));
        }
    }

    fn describe(&self, clients: usize) -> String {
        let count = |state| self.ledger.values().filter(|e| e.states.contains(&state)).count();
        format!(
            "{} stall, {}: {clients} clients, {} requests ({} accepted, {} already gone at \
             accept); ends: {} closed by peer, {} problem detected; {} events in the crate's \
             channel at the end of the stall; callbacks queued by the library beyond its 100: \
             {} during the stall, {} after; drained in {} ms",
            match self.kind {
                Stall::Leave => "leave",
                Stall::Arrive => "arrive",
            },
            if self.callback_thread { "crate's callback thread" } else { "application pumping" },
            self.ledger.len(),
            self.accepted,
            self.gone_at_accept,
            count(ConnectionState::ClosedByPeer),
            count(ConnectionState::ProblemDetectedLocally),
            self.waiting,
            self.backlog.0,
            self.backlog.1,
            self.drained_in.as_millis()
        )
    }
}

/// A crowd of `count` that leaves within `spread`, patient enough to outlast the stall.
fn crowd_plan(behaviour: Behaviour, count: usize, seed: u64, spread: Duration) -> CrowdPlan {
    CrowdPlan { behaviour, count, seed, spread, patience: Duration::from_secs(20) }
}

/// How many connections a crowd's `CONNECTED` line accounts for.
fn crowd_size(line: &str) -> usize {
    ["connected", "refused", "timed_out"].iter().map(|k| crowd::field(line, k).unwrap_or(0)).sum()
}
