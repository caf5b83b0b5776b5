//! Crowds of remote peers: a client process (this binary, re-executed in a helper role) opens
//! many connections to a server and then behaves as the scenario needs: vanishes without a
//! word (waits to be killed), leaves (closes each at a random moment), or gives up before the
//! server answers. It reports on standard output, one line per step.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use steam_sockets::{ConfigValue, Connection, ConnectionState, Sockets};

use crate::common::{self, DEADLINE, Rng};
use crate::runner::ROLE_VAR;

const ADDR_VAR: &str = "STEAM_SOCKETS_STRESS_CROWD_ADDR";
const COUNT_VAR: &str = "STEAM_SOCKETS_STRESS_CROWD_COUNT";
const SEED_VAR: &str = "STEAM_SOCKETS_STRESS_CROWD_SEED";
const SPREAD_VAR: &str = "STEAM_SOCKETS_STRESS_CROWD_SPREAD_MS";
const PATIENCE_VAR: &str = "STEAM_SOCKETS_STRESS_CROWD_PATIENCE_MS";

/// Longest a vanishing crowd waits to be killed before it exits by itself.
const VANISH_WAIT: Duration = Duration::from_secs(60);

/// The earliest a client leaves. One that gives up before its request reaches the server
/// (a handshake takes about a millisecond on loopback) would leave no trace there, and the
/// scenario could not account for it.
const LEAVE_AFTER: Duration = Duration::from_millis(500);

/// Time given to the library to send the closes before the process exits.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// What a crowd does once it has connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Waits until every connection is connected (or ended), says `CONNECTED`, then stays
    /// silent until killed.
    Vanish,
    /// Waits until every connection is connected (or ended), says `CONNECTED`, closes each
    /// at a random moment within the spread it is given, then says `LEFT`.
    Leave,
    /// Closes each connection at a random moment within the spread it is given of asking, whether or
    /// not the server answered, then says `LEFT`.
    GiveUp,
}

impl Behaviour {
    fn role(self) -> &'static str {
        match self {
            Behaviour::Vanish => "crowd-vanish",
            Behaviour::Leave => "crowd-leave",
            Behaviour::GiveUp => "crowd-give-up",
        }
    }

    /// The behaviour a helper role names, if it is a crowd's.
    pub fn of_role(role: &str) -> Option<Behaviour> {
        [Behaviour::Vanish, Behaviour::Leave, Behaviour::GiveUp]
            .into_iter()
            .find(|b| b.role() == role)
    }
}

/// What a crowd is to do.
#[derive(Debug, Clone, Copy)]
pub struct CrowdPlan {
    /// What it does once connected.
    pub behaviour: Behaviour,
    /// Its connections.
    pub count: usize,
    /// For its random choices.
    pub seed: u64,
    /// Leaving clients close within this long.
    pub spread: Duration,
    /// How long a connection waits for the server to answer (`TimeoutInitial`).
    pub patience: Duration,
}

/// A crowd's process, seen from the scenario. Killed when dropped.
#[derive(Debug)]
pub struct Crowd {
    child: Child,
    lines: Receiver<String>,
}

impl Crowd {
    /// Starts a process that carries out `plan` against the server at `addr`.
    pub fn spawn(plan: CrowdPlan, addr: SocketAddr) -> Result<Crowd, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .env(ROLE_VAR, plan.behaviour.role())
            .env(ADDR_VAR, addr.to_string())
            .env(COUNT_VAR, plan.count.to_string())
            .env(SEED_VAR, plan.seed.to_string())
            .env(SPREAD_VAR, plan.spread.as_millis().to_string())
            .env(PATIENCE_VAR, plan.patience.as_millis().to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("spawn crowd: {e}"))?;
        let stdout = child.stdout.take().ok_or("no output pipe")?;
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Crowd { child, lines })
    }

    /// The next line starting with `prefix` (earlier lines are skipped), if one comes.
    pub fn line(&self, prefix: &str) -> Option<String> {
        loop {
            match self.lines.try_recv() {
                Ok(line) if line.starts_with(prefix) => return Some(line),
                Ok(line) if line.starts_with("CROWD_FAILED") => {
                    println!("# crowd: {line}");
                }
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    /// Kills the process (SIGKILL: its connections vanish without a word) and reaps it.
    pub fn kill(&mut self) {
        // Ours, by handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Crowd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The number after `key=` in a crowd's line.
pub fn field(line: &str, key: &str) -> Option<usize> {
    line.split_whitespace().find_map(|word| word.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

/// A crowd's process: runs `behaviour` and reports.
pub fn child(behaviour: Behaviour) -> ExitCode {
    match crowd(behaviour) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("CROWD_FAILED {e}");
            ExitCode::FAILURE
        }
    }
}

fn crowd(behaviour: Behaviour) -> Result<(), String> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} not set"));
    let addr: SocketAddr = var(ADDR_VAR)?.parse().map_err(|e| format!("address: {e}"))?;
    let count: usize = var(COUNT_VAR)?.parse().map_err(|e| format!("count: {e}"))?;
    let seed: u64 = var(SEED_VAR)?.parse().map_err(|e| format!("seed: {e}"))?;
    let spread: u64 = var(SPREAD_VAR)?.parse().map_err(|e| format!("spread: {e}"))?;
    let patience: u64 = var(PATIENCE_VAR)?.parse().map_err(|e| format!("patience: {e}"))?;
    let sockets = common::init()?;
    let options = [ConfigValue::TimeoutInitial(Duration::from_millis(patience))];
    let mut connections = Vec::with_capacity(count);
    for _ in 0..count {
        connections.push(sockets.connect_ip(addr, &options).map_err(|e| e.to_string())?);
    }
    if behaviour != Behaviour::GiveUp {
        let (connected, refused, timed_out) = settle(&sockets, &connections)?;
        println!("CONNECTED connected={connected} refused={refused} timed_out={timed_out}");
    }
    match behaviour {
        Behaviour::Vanish => {
            common::pump_for(&sockets, VANISH_WAIT);
            Err("not killed".into())
        }
        Behaviour::Leave | Behaviour::GiveUp => {
            let spread = Duration::from_millis(spread);
            let connected = leave(&sockets, connections, Rng::new(seed), spread);
            common::pump_for(&sockets, CLOSE_GRACE);
            println!("LEFT connected_when_leaving={connected}");
            Ok(())
        }
    }
}

/// Waits until no connection is still connecting: how many are connected, how many the server
/// refused, and how many gave up waiting.
fn settle(sockets: &Sockets, connections: &[Connection]) -> Result<(usize, usize, usize), String> {
    let start = Instant::now();
    loop {
        sockets.run_callbacks();
        let _ = sockets.events().try_iter().count();
        let (mut connected, mut refused, mut timed_out) = (0, 0, 0);
        for connection in connections {
            match connection.info().map(|i| i.state) {
                Ok(ConnectionState::Connected) => connected += 1,
                Ok(ConnectionState::Connecting | ConnectionState::FindingRoute) => {}
                Ok(ConnectionState::ClosedByPeer) => refused += 1,
                _ => timed_out += 1,
            }
        }
        if connected + refused + timed_out == connections.len() {
            return Ok((connected, refused, timed_out));
        }
        if start.elapsed() > DEADLINE {
            return Err(format!(
                "{connected} connected, {refused} refused, {timed_out} timed out, the rest \
                 still connecting"
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Closes each connection at its own random moment between [`LEAVE_AFTER`] and `spread`
/// from now; how many were connected when they closed.
fn leave(sockets: &Sockets, connections: Vec<Connection>, mut rng: Rng, spread: Duration) -> usize {
    let from = Instant::now();
    let (earliest, spread) = (LEAVE_AFTER.as_millis() as u64, spread.as_millis() as u64);
    let mut schedule: Vec<(Duration, Connection)> = connections
        .into_iter()
        .map(|c| {
            (Duration::from_millis(earliest + rng.below(spread.saturating_sub(earliest).max(1))), c)
        })
        .collect();
    schedule.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let mut connected = 0;
    while let Some((at, _)) = schedule.last() {
        if from.elapsed() >= *at {
            if let Some((_, connection)) = schedule.pop() {
                connected += usize::from(
                    connection.info().is_ok_and(|i| i.state == ConnectionState::Connected),
                );
                drop(connection);
            }
            continue;
        }
        sockets.run_callbacks();
        let _ = sockets.events().try_iter().count();
        std::thread::sleep(Duration::from_millis(1));
    }
    connected
}
