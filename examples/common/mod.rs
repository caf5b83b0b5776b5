//! Helpers shared by the examples: backend start-up with clear errors, argument parsing, a
//! free loopback port, and a content hash. Not an example itself.

use std::error::Error as StdError;
use std::fmt;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use std::collections::HashMap;

use steam_sockets::{
    Connection, ConnectionId, Error, Event, Message, PollGroup, SendFlags, Sockets,
};

/// An example's error: a message for the user, printed without a backtrace.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// A plain-text error.
#[derive(Debug)]
pub struct Fail(pub String);

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Fail {}

/// `Err(Fail(..))` from a format string.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => {
        Err($crate::common::Fail(format!($($arg)*)).into())
    };
}

/// Prints `result` as an example's outcome: the error and exit code 1 on failure.
pub fn finish(example: &str, result: Result<(), BoxError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{example}: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Explains a start-up failure: on Steam, which is by far the most common cause.
pub fn explain(e: Error) -> BoxError {
    match e {
        Error::SteamInit { .. } | Error::SteamNotInitialized { .. } => Fail(format!(
            "Steam client not running (or not logged in): {e}. Start Steam and log in, then \
             run this again; or build with `--no-default-features --features gns` where the \
             example supports it"
        ))
        .into(),
        Error::Unsupported { .. } => {
            Fail(format!("{e}: this example needs the other backend")).into()
        }
        other => other.into(),
    }
}

/// Explains a game server's start-up failure.
pub fn explain_game_server(e: Error) -> BoxError {
    match e {
        Error::SteamInit { .. } | Error::SteamNotInitialized { .. } => Fail(format!(
            "Steam client not running, or Steam's game-server library is missing: {e}. A game \
             server loads Steam's steamclient library, installed with the Steam client or by \
             SteamCMD (steamcmd +login anonymous +app_update 1007 +quit installs the SDK \
             redistributables)"
        ))
        .into(),
        other => explain(other),
    }
}

/// The client interface of this build's backend: GameNetworkingSockets, or the Steam client.
pub fn init_client() -> Result<Sockets, BoxError> {
    let sockets = if steam_sockets::BACKEND == steam_sockets::Backend::Gns {
        Sockets::init_gns()
    } else {
        Sockets::init_steam_client()
    };
    sockets.map_err(explain)
}

/// `main` of an example that needs Steam: reads the options (`--app-id N` among them, default
/// 480, Valve's public test app, plus those named in `options`), makes sure the Steam API sees
/// that app id, runs `run` and reports how it ended.
pub fn steam_main(
    example: &str,
    options: &[&str],
    run: fn(&Args) -> Result<(), BoxError>,
) -> ExitCode {
    let names: Vec<&str> = ["app-id"].iter().chain(options).copied().collect();
    let args = match Args::parse(&names) {
        Ok(args) => args,
        Err(e) => return finish(example, Err(e)),
    };
    let app_id = match args.value("app-id", 480u32) {
        Ok(id) => id,
        Err(e) => return finish(example, Err(e)),
    };
    if let Some(code) = with_app_id(app_id) {
        return code;
    }
    finish(example, run(&args))
}

/// Makes sure the Steam API sees app id `app_id`: when the `SteamAppId` environment variable
/// does not already say so, runs this program again with it set and returns the child's exit
/// code. (Setting the variable in this process would need `unsafe`; a child process does not.)
fn with_app_id(app_id: u32) -> Option<ExitCode> {
    let wanted = app_id.to_string();
    if std::env::var("SteamAppId").is_ok_and(|v| v == wanted) {
        return None;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("cannot find this program to re-run it with SteamAppId={app_id}: {e}");
            return Some(ExitCode::FAILURE);
        }
    };
    let status = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("SteamAppId", &wanted)
        .env("SteamGameId", &wanted)
        .status();
    Some(match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(s.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(1).max(1)),
        Err(e) => {
            eprintln!("cannot re-run with SteamAppId={app_id}: {e}");
            ExitCode::FAILURE
        }
    })
}

/// A free UDP port on 127.0.0.1 (GameNetworkingSockets refuses to listen on port 0).
pub fn free_port() -> Result<u16, BoxError> {
    Ok(std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Command-line arguments: positional words and `--name value` / `--flag` options.
pub struct Args {
    words: Vec<String>,
    options: Vec<(String, Option<String>)>,
}

impl Args {
    /// Parses this process's arguments; options in `with_value` take the next argument.
    pub fn parse(with_value: &[&str]) -> Result<Args, BoxError> {
        let mut words = Vec::new();
        let mut options = Vec::new();
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            if let Some(name) = arg.strip_prefix("--") {
                if with_value.contains(&name) {
                    let Some(value) = args.next() else {
                        return fail!("--{name} needs a value");
                    };
                    options.push((name.to_string(), Some(value)));
                } else {
                    options.push((name.to_string(), None));
                }
            } else {
                words.push(arg);
            }
        }
        Ok(Args { words, options })
    }

    /// Positional argument `i`.
    pub fn word(&self, i: usize) -> Option<&str> {
        self.words.get(i).map(String::as_str)
    }

    /// Whether `--name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| n == name)
    }

    /// The value of `--name`, parsed; `default` when absent.
    /// The text of option `--name`, if given.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.options.iter().rev().find(|(n, _)| n == name).and_then(|(_, v)| v.as_deref())
    }

    pub fn value<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, BoxError>
    where
        T::Err: fmt::Display,
    {
        match self.options.iter().rev().find(|(n, _)| n == name) {
            Some((_, Some(v))) => v.parse().map_err(|e| Fail(format!("--{name} {v}: {e}")).into()),
            _ => Ok(default),
        }
    }
}

/// FNV-1a, 64-bit: a content check for transferred data (not a security measure).
pub fn fnv1a(data: &[u8], mut hash: u64) -> u64 {
    for &b in data {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The FNV-1a starting value.
pub const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// A point in time after which a bounded run stops.
#[derive(Clone, Copy)]
pub struct Deadline(Instant);

impl Deadline {
    /// `after` from now.
    pub fn after(after: Duration) -> Deadline {
        Deadline(Instant::now() + after)
    }

    /// Whether the deadline has passed.
    pub fn passed(self) -> bool {
        Instant::now() >= self.0
    }
}

/// The connections of an echo server, all in one poll group: what `dedicated_server` and
/// `fake_ip_server` do with the clients that connect to them.
pub struct EchoServer {
    group: PollGroup,
    clients: HashMap<ConnectionId, Connection>,
    inbox: Vec<Message>,
}

impl EchoServer {
    /// No clients yet, and a new poll group for them.
    pub fn new(sockets: &Sockets) -> Result<EchoServer, BoxError> {
        let group = sockets.create_poll_group()?;
        Ok(EchoServer { group, clients: HashMap::new(), inbox: Vec::with_capacity(256) })
    }

    /// Accepts a connection request into the group, or forgets a closed connection, printing
    /// either (`describe` says who connected); ignores other events.
    pub fn handle(
        &mut self,
        event: Event,
        describe: impl FnOnce(&Connection) -> String,
    ) -> Result<(), BoxError> {
        match event {
            Event::Incoming(request) => {
                let conn = request.accept()?;
                conn.set_poll_group(Some(&self.group))?;
                println!("{} connected: {}", conn.id(), describe(&conn));
                self.clients.insert(conn.id(), conn);
            }
            Event::ConnectionStatus(change) => {
                if let Some(reason) = change.info.close_reason() {
                    self.clients.remove(&change.connection);
                    println!("{} left: {reason:?}", change.connection);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Sends every message received since the last call back where it came from, as reliably
    /// as it came. A failed echo is reported, not fatal.
    pub fn echo(&mut self) -> Result<(), BoxError> {
        self.group.receive(&mut self.inbox, 256)?;
        for msg in self.inbox.drain(..) {
            if let Some(conn) = self.clients.get(&msg.connection()) {
                let flags =
                    if msg.is_reliable() { SendFlags::RELIABLE } else { SendFlags::UNRELIABLE };
                if let Err(e) = conn.send(&msg, flags) {
                    eprintln!("echo to {}: {e}", conn.id());
                }
            }
        }
        Ok(())
    }
}
