//! The `poll-N` family's clients, in a child process of the same side.
//!
//! GNS refuses a process more than 8,190 connections ("Too many connections.",
//! `g_mapConnections.Count() >= 0x1fff` in `steamnetworkingsockets_connections.cpp`), so the
//! clients of `poll-5000` cannot share a process with the server's 5,000 ends. The worker is
//! the server: it listens, starts this binary as `poll-clients`, accepts the clients through
//! its side's status events into one poll group, and times its own receive loop, which is
//! then the cost of one server with N players, not of both ends at once. The child connects
//! its clients and says `READY` on its standard output; for each `SEND <count>` line on its
//! standard input (the warm-up, then the timed run: the server receives exactly each one
//! before the next, so the timed run starts with its sending, as in the other workloads) it
//! sends that many messages round-robin with the side's own send code; and it keeps its
//! connections (and the library's callbacks) going until `DONE` or the end of its input:
//! reliable messages still in flight need their sender. Both processes run the same side,
//! with the same settings.
//!
//! After each `SEND` the child waits until the server's library has acknowledged every
//! message (nothing pending or unacknowledged on any client) and says `SENT`. A timed run
//! does not wait for it: the server receives while the child sends. An instruction-count run
//! (`--delivered-first`, see [`receive_when_delivered`]) does, before its counted receive
//! loop: then every receive call finds messages, and the count is not moved by how many
//! calls found nothing while the server waited for packets (their number depends on timing;
//! counted, they moved poll-N's instruction ratio between 0.81 and 1.18 from run to run).
//!
//! Every wait is bounded. The child is killed and reaped on every way out of the server
//! (`Drop`), and a child that fails makes the run fail, with its standard error in the
//! message.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::os::raise_open_file_limit;
use crate::workload::{
    Failure, Measurement, Remote, Result, Role, SETUP_LIMIT, Setting, Side, Traffic, Transport,
    Workload, drive, wait_for,
};

/// The child's line once all its clients are connected.
const READY: &str = "READY";
/// The start of the server's line that asks for messages: `SEND <count>`.
const SEND: &str = "SEND ";
/// The server's line once it has received everything.
const DONE: &str = "DONE";
/// The child's line once the server's library has acknowledged everything it was asked for.
const SENT: &str = "SENT";

/// Whether the server waits for [`SENT`] before receiving (set once, by the worker).
static DELIVERED_FIRST: AtomicBool = AtomicBool::new(false);

/// Makes this process's poll-N server wait, after asking for messages, until they have all
/// reached its library, so that its receive loop never finds nothing (`--delivered-first`,
/// instruction-count runs only: a timed run receives while the child sends).
pub(crate) fn receive_when_delivered() {
    DELIVERED_FIRST.store(true, Ordering::Relaxed);
}

/// The clients' side of delivery: what the library still holds of what was sent.
pub(crate) trait Undelivered {
    /// Reliable bytes not yet acknowledged by the peer (queued or in flight), over every
    /// client connection.
    fn undelivered(&self) -> Result<u64>;
}

/// Clients connected at a time by the child: each group is connected before the next one
/// starts. All at once, the last of 5,000 handshakes waits for the crypto of every other one
/// (both processes share 2 cores), close to GNS's 10 s `TimeoutInitial`; and under callgrind
/// the server is about 50 times slower, so a group must be handshaken within that timeout.
pub(crate) const WAVE: usize = 100;

/// Longest the server waits for `clients` connections to be accepted: natively 5,000 take
/// about 3 s; under callgrind (the server only) about 45 s, 9 ms each.
pub(crate) fn accept_limit(clients: usize) -> Duration {
    SETUP_LIMIT + Duration::from_millis(20) * u32::try_from(clients).unwrap_or(u32::MAX)
}

/// Longest the child waits for a line from the server: the server's receive loop gives up
/// after [`crate::workload::STALL_LIMIT`] without progress, and the coordinator kills a
/// worker after three minutes (its child then sees the end of its input).
const SERVER_LIMIT: Duration = Duration::from_secs(170);

/// Longest the server waits for the child to exit after `DONE`.
const EXIT_LIMIT: Duration = Duration::from_secs(20);

/// Runs `clients` in waves of [`WAVE`]: `wave(k)` connects `k` more and waits for them.
pub(crate) fn in_waves(clients: usize, mut wave: impl FnMut(usize) -> Result<()>) -> Result<()> {
    for start in (0..clients).step_by(WAVE) {
        wave(WAVE.min(clients - start))?;
    }
    Ok(())
}

/// The running child process, seen from the server.
struct ClientProcess {
    child: Child,
    /// `None` once closed (the end of input also ends the child's wait).
    stdin: Option<ChildStdin>,
    /// The child's standard output, line by line, from a reader thread.
    lines: Receiver<String>,
    /// The thread collecting the child's standard error (so a full pipe never blocks it).
    stderr: Option<JoinHandle<String>>,
    ready: bool,
    reaped: bool,
}

impl ClientProcess {
    /// Starts `poll-clients` for `side` and `workload` with `clients` clients of
    /// 127.0.0.1:`port`.
    fn spawn(
        side: Side,
        workload: &Workload,
        port: u16,
        clients: usize,
        settings: &[(Setting, i32)],
    ) -> Result<ClientProcess> {
        let exe = std::env::current_exe().map_err(|e| Failure(format!("current_exe: {e}")))?;
        let mut command = Command::new(exe);
        command.args([
            "poll-clients",
            side.name(),
            workload.name,
            &port.to_string(),
            &clients.to_string(),
        ]);
        command.args(Setting::args(settings));
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Failure(format!("cannot start the clients' process: {e}")))?;
        let stdin = child.stdin.take();
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let (tx, lines) = mpsc::channel();
        if let Some(stdout) = stdout {
            // Ends when the child's output closes (it exited or was killed).
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(std::io::Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let stderr = stderr.map(|mut stderr| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = stderr.read_to_string(&mut text);
                text
            })
        });
        Ok(ClientProcess { child, stdin, lines, stderr, ready: false, reaped: false })
    }

    /// Whether the child said `READY`; fails if it ended before.
    fn ready(&mut self) -> Result<bool> {
        while !self.ready {
            match self.lines.try_recv() {
                Ok(line) => self.ready = line == READY,
                Err(TryRecvError::Empty) => return Ok(false),
                Err(TryRecvError::Disconnected) => {
                    return Err("the clients' process ended before its clients connected".into());
                }
            }
        }
        Ok(true)
    }

    fn say(&mut self, line: &str) -> Result<()> {
        let stdin = self.stdin.as_mut().ok_or(Failure::from("the clients' input is closed"))?;
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .map_err(|e| Failure(format!("cannot write to the clients' process: {e}")))
    }

    /// Ends the child after the server's `result`: on success, `DONE` and a bounded wait for
    /// a successful exit; on failure (or if the child does not exit in time), a kill. The
    /// child's failure is the run's failure, with its standard error.
    fn finish(mut self, result: Result<Measurement>) -> Result<Measurement> {
        let exited = match &result {
            Ok(_) => {
                let _ = self.say(DONE);
                self.stdin = None;
                self.wait(EXIT_LIMIT)
            }
            Err(_) => None,
        };
        let status = match exited {
            Some(status) => Some(status),
            None => {
                // Only this child, by its handle.
                let _ = self.child.kill();
                self.child.wait().ok()
            }
        };
        self.reaped = true;
        let stderr = self.stderr.take().and_then(|t| t.join().ok()).unwrap_or_default();
        let stderr = stderr.trim();
        match (result, status) {
            (Ok(m), Some(status)) if status.success() => Ok(m),
            (Ok(_), status) => Err(Failure(format!(
                "the clients' process failed ({}): {stderr}",
                status.map_or_else(|| "did not exit".to_string(), |s| s.to_string())
            ))),
            (Err(e), status) => {
                let status = status.map_or_else(|| "not reaped".to_string(), |s| s.to_string());
                Err(Failure(if stderr.is_empty() {
                    format!("{e}; the clients' process: {status}")
                } else {
                    format!("{e}; the clients' process: {status}, standard error: {stderr:?}")
                }))
            }
        }
    }

    /// The child's exit status, if it exits within `limit`.
    fn wait(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(_) => return None,
            }
        }
        None
    }
}

impl ClientProcess {
    /// Waits for the child's [`SENT`], for at most [`SERVER_LIMIT`].
    fn sent(&mut self) -> Result<()> {
        let start = Instant::now();
        while start.elapsed() < SERVER_LIMIT {
            match self.lines.recv_timeout(Duration::from_millis(5)) {
                Ok(line) if line == SENT => return Ok(()),
                Ok(_) | Err(RecvTimeoutError::Timeout) => self.check()?,
                Err(RecvTimeoutError::Disconnected) => {
                    return Err("the clients' process ended before its messages arrived".into());
                }
            }
        }
        Err(format!("the clients' messages did not all arrive within {SERVER_LIMIT:?}").into())
    }
}

impl Remote for ClientProcess {
    fn send(&mut self, count: u64) -> Result<()> {
        self.say(&format!("{SEND}{count}"))?;
        if DELIVERED_FIRST.load(Ordering::Relaxed) { self.sent() } else { Ok(()) }
    }

    fn check(&mut self) -> Result<()> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!("the clients' process ended ({status})").into()),
            Err(e) => Err(format!("cannot wait for the clients' process: {e}").into()),
        }
    }
}

impl Drop for ClientProcess {
    fn drop(&mut self) {
        if !self.reaped {
            // Only this child, by its handle.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The server of a `poll-N` run: starts the clients' process for `side`, lets `accept` take
/// the connections of the listen socket on `port` (it pumps the side's events and returns
/// once every client is accepted and the `ready` it is given says the child is), and returns
/// what `receive` measured (the timed receive loop, with the child as its [`Remote`]), or
/// the first failure of either process.
pub(crate) fn serve<S>(
    side: Side,
    workload: &Workload,
    settings: &[(Setting, i32)],
    port: u16,
    setup: &mut S,
    accept: impl FnOnce(&mut S, &mut dyn FnMut() -> Result<bool>) -> Result<()>,
    receive: impl FnOnce(&mut S, &mut dyn Remote) -> Result<Measurement>,
) -> Result<Measurement> {
    let Transport::PollGroup(clients) = workload.transport else {
        return Err("a poll-N workload needs a listen socket".into());
    };
    let mut child = ClientProcess::spawn(side, workload, port, clients, settings)?;
    let accepted = accept(setup, &mut || child.ready());
    let result = accepted.and_then(|()| receive(setup, &mut child));
    child.finish(result)
}

/// Most `SEND` lines the child takes: the warm-up and the timed run (a bound, not a need).
const MOST_SENDS: usize = 8;

/// The child's part once its clients are connected: says `READY`, sends what each `SEND`
/// line asks for through `traffic` (the side's send code, round-robin over the clients) and
/// says `SENT` once the server's library has acknowledged it all, and pumps until the server
/// says `DONE` or closes its end (nothing more to send either way).
pub(crate) fn feed(traffic: &mut (impl Traffic + Undelivered)) -> Result<()> {
    let (tx, input) = mpsc::channel();
    // Reads until the end of input; left behind when the process exits.
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(std::io::Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    println!("{READY}");
    for _ in 0..MOST_SENDS {
        let Some(line) = next_line(traffic, &input)? else { return Ok(()) };
        if line == DONE {
            return Ok(());
        }
        let count = line
            .strip_prefix(SEND)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| Failure(format!("unexpected line from the server: {line:?}")))?;
        drive(traffic, Role::Sender, count)?;
        delivered(traffic)?;
        println!("{SENT}");
    }
    Err(format!("more than {MOST_SENDS} requests from the server").into())
}

/// Pumps `traffic` until the server's library has acknowledged everything, for at most
/// [`SERVER_LIMIT`].
fn delivered(traffic: &mut (impl Traffic + Undelivered)) -> Result<()> {
    wait_for("the server's acknowledgements", SERVER_LIMIT, || {
        if traffic.undelivered()? == 0 {
            return Ok(true);
        }
        traffic.pump()?;
        Ok(false)
    })
}

/// Pumps `traffic` until a line arrives on `input` (`None`: the input ended), for at most
/// [`SERVER_LIMIT`].
fn next_line(traffic: &mut impl Traffic, input: &Receiver<String>) -> Result<Option<String>> {
    let start = Instant::now();
    while start.elapsed() < SERVER_LIMIT {
        match input.recv_timeout(Duration::from_millis(1)) {
            Ok(line) => return Ok(Some(line)),
            Err(RecvTimeoutError::Timeout) => traffic.pump()?,
            Err(RecvTimeoutError::Disconnected) => return Ok(None),
        }
    }
    Err(format!("nothing from the server within {SERVER_LIMIT:?}").into())
}

/// `poll-clients <side> <workload> <port> <clients> [--set Name=value]...`: the child's
/// command.
pub(crate) fn command(args: &[String]) -> Result<()> {
    const USAGE: &str =
        "usage: poll-clients <side> <workload> <port> <clients> [--set Name=value]...";
    let [side, name, port, clients, rest @ ..] = args else { return Err(USAGE.into()) };
    let side = Side::parse(side).ok_or_else(|| format!("unknown side {side:?}"))?;
    let workload = Workload::find(name).ok_or_else(|| format!("unknown workload {name:?}"))?;
    let number = |text: &str| text.parse::<u64>().map_err(|e| Failure(format!("{text:?}: {e}")));
    let port = u16::try_from(number(port)?).map_err(|_| Failure::from("bad port"))?;
    let clients = usize::try_from(number(clients)?).map_err(|_| Failure::from("bad count"))?;
    if clients == 0 {
        return Err("no clients".into());
    }
    let settings = Setting::parse_sets(rest, USAGE)?;
    let workload = Workload { transport: Transport::PollGroup(clients), ..*workload };
    raise_open_file_limit();
    match side {
        Side::Raw => crate::raw::clients(&workload, port, &settings),
        Side::Wrapper => crate::wrapper::clients(&workload, port, &settings),
        Side::Peer => crate::peer::clients(&workload, port, &settings),
    }
    .map_err(|e| Failure(format!("{} {} clients: {e}", side.name(), workload.name)))
}
