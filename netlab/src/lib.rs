//! The two-namespace lab of the two-process suites (`steam-suite`, `p2p-suite`): two network
//! namespaces joined by a veth pair, each end with an address of its own, and peer processes
//! started inside them, whose output is read as it comes. Everything it makes has a name
//! unique to the process (its pid), and is deleted when the lab is dropped, on every way out;
//! a run that was killed leaves its namespaces to the next run, which deletes them.
//!
//! Traffic stays between the two namespaces: they have no route anywhere else.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Why the lab cannot be made here, if it cannot: it needs root and the `ip` command.
pub fn cannot_run() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next());
    if uid != Some("0") {
        return Some(
            "not root: the peers run in network namespaces (ip netns), which need root".into(),
        );
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return Some("no `ip` command (Debian package iproute2)".into());
    }
    None
}

/// Runs `ip args`.
///
/// # Errors
/// What `ip` said, when it fails.
pub fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip").args(args).output().map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// How a lab is laid out.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Prefix of the namespaces' names: `<prefix><pid>a` and `...b`.
    pub namespace_prefix: &'static str,
    /// Prefix of the veth ends' names (at most 7 characters: interface names are short).
    pub veth_prefix: &'static str,
    /// The two ends' addresses, with their prefix length (`10.78.0.1/24`).
    pub addresses: [&'static str; 2],
    /// The subnet's broadcast address.
    pub broadcast: &'static str,
}

/// The two namespaces; deleted when dropped (the veth pair goes with them).
#[derive(Debug)]
pub struct Lab {
    namespaces: [String; 2],
}

impl Lab {
    /// Makes the namespaces and the veth pair between them, after deleting those that earlier
    /// runs of `layout` left behind.
    ///
    /// # Errors
    /// What `ip` said, when a step fails (whatever was made is deleted).
    pub fn create(layout: &Layout) -> Result<Lab, String> {
        remove_stale(layout.namespace_prefix);
        let pid = std::process::id();
        let prefix = layout.namespace_prefix;
        // From here on, `Drop` removes whatever was made.
        let lab = Lab { namespaces: [format!("{prefix}{pid}a"), format!("{prefix}{pid}b")] };
        let veth =
            [format!("{}{pid}a", layout.veth_prefix), format!("{}{pid}b", layout.veth_prefix)];
        for ns in &lab.namespaces {
            ip(&["netns", "add", ns])?;
        }
        ip(&["link", "add", &veth[0], "type", "veth", "peer", "name", &veth[1]])?;
        for ((ns, dev), address) in lab.namespaces.iter().zip(&veth).zip(layout.addresses) {
            ip(&["link", "set", dev, "netns", ns])?;
            ip(&["-n", ns, "addr", "add", address, "brd", layout.broadcast, "dev", dev])?;
            ip(&["-n", ns, "link", "set", dev, "up"])?;
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
        }
        Ok(lab)
    }

    /// Runs `program args` in namespace `i` and waits for it (for set-up steps such as
    /// `sysctl`).
    ///
    /// # Errors
    /// What it said, when it fails.
    pub fn exec(&self, i: usize, program: &str, args: &[&str]) -> Result<(), String> {
        let mut all = vec!["netns", "exec", &self.namespaces[i], program];
        all.extend_from_slice(args);
        ip(&all)
    }

    /// The name of namespace `i` (0 or 1).
    pub fn namespace(&self, i: usize) -> &str {
        &self.namespaces[i]
    }

    /// `program args` in namespace `i`, after `env` assignments (`NAME=value`), with piped
    /// input and output.
    pub fn command(&self, i: usize, env: &[String], program: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.namespaces[i], "env"])
            .args(env)
            .arg(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in &self.namespaces {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// Deletes namespaces named `<prefix><pid>a|b` whose process is gone.
fn remove_stale(prefix: &str) {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else { return };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or_default();
        let Some(pid) = name.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(['a', 'b']))
        else {
            continue;
        };
        if !pid.is_empty()
            && pid.bytes().all(|b| b.is_ascii_digit())
            && !Path::new("/proc").join(pid).exists()
        {
            let _ = Command::new("ip").args(["netns", "del", name]).status();
        }
    }
}

/// A finished peer: whether it exited successfully, and its output.
#[derive(Debug)]
pub struct Finished {
    /// Exited with status 0 in time.
    pub ok: bool,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

impl Finished {
    /// What is known of a peer whose waiting thread panicked.
    fn panicked() -> Finished {
        Finished { ok: false, stdout: String::new(), stderr: "(waiting for it panicked)".into() }
    }

    /// Whether it printed exactly `line`.
    pub fn has(&self, line: &str) -> bool {
        self.stdout.lines().any(|l| l == line)
    }

    /// Its output lines that start with `prefix`.
    pub fn lines(&self, prefix: &str) -> Vec<String> {
        self.stdout.lines().filter(|l| l.starts_with(prefix)).map(str::to_owned).collect()
    }

    /// The value of `key=<value>` on its first line that starts with `prefix`.
    pub fn field(&self, prefix: &str, key: &str) -> Option<String> {
        self.lines(prefix).first().and_then(|line| {
            line.split_whitespace()
                .find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
                .map(str::to_owned)
        })
    }

    /// Everything about it, for a failure report.
    pub fn describe(&self, who: &str) -> String {
        format!("{who} (exit ok: {}):\n{}{}", self.ok, self.stdout, self.stderr)
    }
}

/// A peer process, with threads reading its output as it comes (so that a peer that prints
/// much never blocks on a full pipe). Its input stays open until it is finished.
#[derive(Debug)]
pub struct Running {
    child: Child,
    stdout: JoinHandle<String>,
    stderr: JoinHandle<String>,
    limit: Duration,
}

/// Reads `pipe` to its end on a thread of its own.
fn read_all(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// Starts `cmd`; [`Running::finish`] kills it if it runs longer than `limit`.
///
/// # Errors
/// When it cannot be started.
pub fn start(mut cmd: Command, limit: Duration) -> Result<Running, String> {
    let mut child = cmd.spawn().map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let (stdout, stderr) = (read_all(child.stdout.take()), read_all(child.stderr.take()));
    Ok(Running { child, stdout, stderr, limit })
}

impl Running {
    /// Writes `text` to the peer's input.
    ///
    /// # Errors
    /// When the peer's input is closed.
    pub fn type_in(&mut self, text: &str) -> Result<(), String> {
        let input = self.child.stdin.as_mut().ok_or("no input pipe")?;
        input.write_all(text.as_bytes()).map_err(|e| format!("typing: {e}"))
    }

    /// Kills the peer at once (`SIGKILL`), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }

    /// Waits for the peer to exit (killing it after its limit).
    pub fn finish(mut self) -> Finished {
        let start = Instant::now();
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if start.elapsed() > self.limit => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break None;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => break None,
            }
        };
        let text = |reader: JoinHandle<String>| reader.join().unwrap_or_default();
        Finished {
            ok: status.is_some_and(|s| s.success()),
            stdout: text(self.stdout),
            stderr: text(self.stderr),
        }
    }
}

/// Starts `first` and, `head_start` later, `second`.
///
/// # Errors
/// When either cannot be started.
pub fn start_pair(
    first: Command,
    second: Command,
    limit: Duration,
    head_start: Duration,
) -> Result<(Running, Running), String> {
    let first = start(first, limit)?;
    std::thread::sleep(head_start);
    Ok((first, start(second, limit)?))
}

/// Waits for both peers of a pair.
pub fn finish_pair((first, second): (Running, Running)) -> (Finished, Finished) {
    let second = std::thread::spawn(move || second.finish());
    let first = first.finish();
    (first, second.join().unwrap_or_else(|_| Finished::panicked()))
}
