//! The parent process: runs every (round, workload, side) in a child process, collects the
//! measurements and prints the report; and the child's side of it (`worker`, `probe-init`).

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::workload::{
    Failure, GNS_MAX_SEND_RATE, Measurement, Result, Setting, Side, WORKLOADS, Workload,
    effective_settings, format_settings,
};

/// Longest a child may take; the children's own limits (setup 30 s, no progress 20 s) should
/// end them first.
const CHILD_TIMEOUT: Duration = Duration::from_secs(180);

/// Options shared by the commands.
struct Options {
    rounds: usize,
    scale: f64,
    only: Option<Vec<String>>,
    sets: Vec<(Setting, i32)>,
    side: Option<Side>,
    list: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            rounds: 7,
            scale: 1.0,
            only: None,
            sets: Vec::new(),
            side: None,
            list: false,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next().cloned().ok_or_else(|| Failure(format!("{name} needs a value")))
            };
            match arg.as_str() {
                "--rounds" | "--reps" => {
                    options.rounds = value(arg)?
                        .parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or(Failure::from("--rounds needs a positive number"))?;
                }
                "--scale" => {
                    options.scale = value(arg)?
                        .parse()
                        .ok()
                        .filter(|&f: &f64| f > 0.0 && f.is_finite())
                        .ok_or(Failure::from("--scale needs a positive number"))?;
                }
                "--only" => {
                    let names: Vec<String> = value(arg)?.split(',').map(str::to_string).collect();
                    if let Some(bad) = names.iter().find(|n| Workload::find(n).is_none()) {
                        return Err(format!("unknown workload {bad:?} (see --list)").into());
                    }
                    options.only = Some(names);
                }
                "--set" => options.sets.push(Setting::parse_assignment(&value(arg)?)?),
                "--side" => {
                    let name = value(arg)?;
                    options.side =
                        Some(Side::parse(&name).ok_or_else(|| format!("unknown side {name:?}"))?);
                }
                "--list" => options.list = true,
                other => return Err(format!("unknown argument {other:?}").into()),
            }
        }
        Ok(options)
    }

    fn workloads(&self) -> Vec<&'static Workload> {
        WORKLOADS
            .iter()
            .filter(|w| self.only.as_ref().is_none_or(|only| only.iter().any(|n| n == w.name)))
            .collect()
    }

    fn messages(&self, workload: &Workload) -> u64 {
        ((workload.messages as f64 * self.scale).round() as u64).max(1)
    }
}

/// `worker <side> <workload> [options]`: one run, printed as a `MEASURE` line.
pub(crate) fn worker(args: &[String]) -> Result<()> {
    let [side, name, rest @ ..] = args else {
        return Err("usage: worker <side> <workload> [--scale F] [--set Name=value]...".into());
    };
    let side = Side::parse(side).ok_or_else(|| format!("unknown side {side:?}"))?;
    let workload = Workload::find(name).ok_or_else(|| format!("unknown workload {name:?}"))?;
    let options = Options::parse(rest)?;
    let settings = effective_settings(workload, &options.sets);
    let messages = options.messages(workload);
    let measurement = match side {
        Side::Raw => crate::raw::run(workload, messages, &settings),
        Side::Wrapper => crate::wrapper::run(workload, messages, &settings),
        Side::Peer => crate::peer::run(workload, messages, &settings),
    }
    .map_err(|e| Failure(format!("{} {}: {e}", side.name(), workload.name)))?;
    println!("{}", measurement.to_line());
    Ok(())
}

/// `probe-init`: initialises GNS through steam-sockets, then through gns-rs (a second
/// `GameNetworkingSockets_Init` in one process), and sends one message through each.
pub(crate) fn probe_init() -> Result<()> {
    use gns::{GnsGlobal, GnsSocket, IsCreated};
    use steam_sockets::{SendFlags, Sockets};

    let sockets = Sockets::init_gns().map_err(|e| Failure(format!("steam-sockets: {e}")))?;
    let global =
        GnsGlobal::get().map_err(|e| Failure(format!("gns-rs after steam-sockets: {e}")))?;
    let (one, two) = sockets
        .create_socket_pair(steam_sockets::PairTransport::InProcess, None)
        .map_err(|e| Failure(format!("pair: {e}")))?;
    one.send(b"x", SendFlags::RELIABLE).map_err(|e| Failure(format!("send: {e}")))?;
    let mut inbox = Vec::new();
    let wrapper = two.receive(&mut inbox, 8).map_err(|e| Failure(format!("receive: {e}")))?;
    let (three, four) = GnsSocket::<IsCreated>::new(global)
        .socket_pair(false)
        .map_err(|e| Failure(format!("gns-rs pair: {e}")))?;
    let message =
        global.utils().allocate_message(three.connection(), gns::SendFlags::RELIABLE, &b"x"[..]);
    three.send_message(message).map_err(|e| Failure(format!("gns-rs send: {e}")))?;
    let peer =
        four.receive_messages::<8>().map_err(|e| Failure(format!("gns-rs receive: {e}")))?.len();
    println!("PROBE ok wrapper_received={wrapper} peer_received={peer}");
    Ok(())
}

/// Runs this binary with `args`, waits (with a time limit) and returns its output.
fn run_self(args: &[String], capture_stderr: bool) -> Result<(bool, String, String)> {
    let exe = std::env::current_exe().map_err(|e| Failure(format!("current_exe: {e}")))?;
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(if capture_stderr { Stdio::piped() } else { Stdio::inherit() })
        .spawn()
        .map_err(|e| Failure(format!("cannot start a child process: {e}")))?;
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > CHILD_TIMEOUT => {
                // Only this child, by its handle.
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("child {args:?} ran longer than {CHILD_TIMEOUT:?}").into());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for a child: {e}").into()),
        }
    };
    let read = |child: &mut Child, stdout: bool| {
        let mut text = String::new();
        let _ = if stdout {
            child.stdout.take().map(|mut s| s.read_to_string(&mut text))
        } else {
            child.stderr.take().map(|mut s| s.read_to_string(&mut text))
        };
        text
    };
    let (stdout, stderr) = (read(&mut child, true), read(&mut child, false));
    if !status.success() {
        let detail =
            if stderr.is_empty() { status.to_string() } else { format!("{status}; {stderr}") };
        return Ok((false, stdout, detail));
    }
    Ok((true, stdout, stderr))
}

/// One run of `workload` on `side`, in a child process.
fn run_child(side: Side, workload: &Workload, options: &Options) -> Result<Measurement> {
    let mut args = vec![
        "worker".to_string(),
        side.name().to_string(),
        workload.name.to_string(),
        "--scale".to_string(),
        options.scale.to_string(),
    ];
    for (setting, value) in &options.sets {
        args.push("--set".to_string());
        args.push(format!("{}={value}", setting.name()));
    }
    let (ok, stdout, detail) = run_self(&args, false)?;
    if !ok {
        return Err(format!("child failed: {}", detail.trim()).into());
    }
    stdout
        .lines()
        .find_map(Measurement::parse_line)
        .ok_or_else(|| Failure(format!("no measurement in the child's output: {stdout:?}")))
}

/// [`run_child`], once more if it fails (`what` names the run in the messages): on a busy
/// machine a run can fail for the machine's sake (the library times a connection out).
fn run_child_with_retry(
    side: Side,
    workload: &Workload,
    options: &Options,
    what: &str,
) -> Result<Measurement> {
    run_child(side, workload, options).or_else(|e| {
        eprintln!("steam-sockets-bench: {what}: {e}; running it once more");
        run_child(side, workload, options)
            .inspect_err(|e| eprintln!("steam-sockets-bench: {what}: failed again: {e}"))
    })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

/// The samples of one side of one workload.
#[derive(Default)]
struct Samples {
    runs: Vec<Measurement>,
    /// What each run that failed twice said.
    failures: Vec<String>,
}

impl Samples {
    fn median_msgs(&self) -> f64 {
        median(&mut self.runs.iter().map(Measurement::msgs_per_sec).collect::<Vec<_>>())
    }

    fn median_mb(&self) -> f64 {
        median(&mut self.runs.iter().map(Measurement::mb_per_sec).collect::<Vec<_>>())
    }

    fn median_thread_ns(&self) -> f64 {
        median(&mut self.runs.iter().map(Measurement::thread_ns_per_msg).collect::<Vec<_>>())
    }

    fn median_process_ns(&self) -> f64 {
        median(&mut self.runs.iter().map(Measurement::process_ns_per_msg).collect::<Vec<_>>())
    }

    fn best_msgs(&self) -> f64 {
        self.runs.iter().map(Measurement::msgs_per_sec).fold(0.0, f64::max)
    }

    /// (max - min) / median, in percent.
    fn spread(&self) -> f64 {
        let values: Vec<f64> = self.runs.iter().map(Measurement::msgs_per_sec).collect();
        let (min, max) =
            values.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        (max - min) / self.median_msgs() * 100.0
    }
}

/// The benchmark.
pub(crate) fn bench(args: &[String]) -> Result<()> {
    let options = Options::parse(args)?;
    let workloads = options.workloads();
    if options.list {
        for w in &workloads {
            let settings = effective_settings(w, &options.sets);
            println!(
                "{}: {}; {} messages per run; settings: {}",
                w.name,
                w.describe(),
                options.messages(w),
                if settings.is_empty() {
                    "library defaults".into()
                } else {
                    format_settings(&settings)
                }
            );
        }
        return Ok(());
    }
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "INFO bench backend=gns library=GameNetworkingSockets(game-networking-sockets-sys 0.3, \
         static) profile={} rounds={} statistic=median-of-rounds cpus={cpus} scale={}",
        if cfg!(debug_assertions) { "debug" } else { "release" },
        options.rounds,
        options.scale
    );
    println!(
        "INFO sides raw=flat C API via steam-sockets-sys, wrapper=steam-sockets {}, \
         peer=gns-rs (game-networking-sockets 0.3); one child process per run; side order \
         rotates each round",
        env!("CARGO_PKG_VERSION")
    );
    println!("INFO init {}", probe_report());
    for w in &workloads {
        let settings = effective_settings(w, &options.sets);
        let settings = if settings.is_empty() {
            "library defaults".to_string()
        } else {
            format_settings(&settings)
        };
        println!(
            "INFO workload={} messages_per_run={} settings={settings} :: {}",
            w.name,
            options.messages(w),
            w.describe()
        );
    }
    let mut samples: Vec<[Samples; 3]> = workloads.iter().map(|_| Default::default()).collect();
    for round in 0..options.rounds {
        for (w, per_side) in workloads.iter().zip(&mut samples) {
            let mut line = format!("INFO round={} workload={} msgs_per_s", round + 1, w.name);
            for k in 0..Side::ALL.len() {
                let index = (round + k) % Side::ALL.len();
                let side = Side::ALL[index];
                let what = format!("round {} {} {}", round + 1, w.name, side.name());
                match run_child_with_retry(side, w, &options, &what) {
                    Ok(m) => {
                        line += &format!(" {}={:.0}", side.name(), m.msgs_per_sec());
                        per_side[index].runs.push(m);
                    }
                    Err(e) => {
                        line += &format!(" {}=failed", side.name());
                        per_side[index].failures.push(format!("{what}: {e}"));
                    }
                }
            }
            println!("{line}");
        }
    }
    let mut failed = false;
    for (w, [raw, wrapper, peer]) in workloads.iter().zip(&samples) {
        let failures = raw.failures.len() + wrapper.failures.len() + peer.failures.len();
        failed |= failures > 0;
        if raw.runs.is_empty() || wrapper.runs.is_empty() || peer.runs.is_empty() {
            // The workload's lines all the same, saying what failed, so that a reader of the
            // output finds every workload.
            let median = |s: &Samples| {
                if s.runs.is_empty() {
                    "failed".to_string()
                } else {
                    format!("{:.0}", s.median_msgs())
                }
            };
            let (r, o, p) = (median(raw), median(wrapper), median(peer));
            println!("RESULT workload={} wrapper={o} raw={r} ratio=failed", w.name);
            println!("PEER workload={} peer=gns-rs msgs={p} ratio=failed", w.name);
            for failure in raw.failures.iter().chain(&wrapper.failures).chain(&peer.failures) {
                println!("INFO workload={} failed: {failure}", w.name);
            }
            continue;
        }
        let (r, o, p) = (raw.median_msgs(), wrapper.median_msgs(), peer.median_msgs());
        println!("RESULT workload={} wrapper={o:.0} raw={r:.0} ratio={:.3}", w.name, o / r);
        println!("PEER workload={} peer=gns-rs msgs={p:.0} ratio={:.3}", w.name, o / p);
        println!(
            "INFO workload={} payload_MB_per_s raw={:.1} wrapper={:.1} peer={:.1} \
             best_msgs_per_s raw={:.0} wrapper={:.0} peer={:.0} spread_pct raw={:.1} \
             wrapper={:.1} peer={:.1} runs raw={} wrapper={} peer={} failed_runs={}",
            w.name,
            raw.median_mb(),
            wrapper.median_mb(),
            peer.median_mb(),
            raw.best_msgs(),
            wrapper.best_msgs(),
            peer.best_msgs(),
            raw.spread(),
            wrapper.spread(),
            peer.spread(),
            raw.runs.len(),
            wrapper.runs.len(),
            peer.runs.len(),
            failures,
        );
        let (rt, ot, pt) =
            (raw.median_thread_ns(), wrapper.median_thread_ns(), peer.median_thread_ns());
        println!(
            "INFO workload={} cpu_ns_per_msg app_thread raw={rt:.0} wrapper={ot:.0} \
             peer={pt:.0} (wrapper/raw {:.3}) process raw={:.0} wrapper={:.0} peer={:.0}",
            w.name,
            ot / rt,
            raw.median_process_ns(),
            wrapper.median_process_ns(),
            peer.median_process_ns(),
        );
    }
    if failed { Err("some runs failed twice (see above)".into()) } else { Ok(()) }
}

/// Whether steam-sockets and gns-rs can both initialise GNS in one process.
fn probe_report() -> String {
    match run_self(&["probe-init".to_string()], true) {
        Ok((true, stdout, stderr)) if stdout.contains("PROBE ok") => {
            let note = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("nothing");
            format!(
                "second GameNetworkingSockets_Init in one process (steam-sockets, then gns-rs): \
                 works, both send and receive; library printed: {}",
                note.trim()
            )
        }
        Ok((_, stdout, detail)) => format!(
            "second GameNetworkingSockets_Init in one process (steam-sockets, then gns-rs): \
             fails ({} {}); each side runs in its own process anyway",
            stdout.trim(),
            detail.lines().next().unwrap_or("").trim()
        ),
        Err(e) => format!("probe of a second GameNetworkingSockets_Init could not run: {e}"),
    }
}

/// Parses a comma-separated list of numbers, each multiplied by `unit`.
fn parse_list(text: &str, unit: i32) -> Result<Vec<i32>> {
    text.split(',')
        .map(|n| {
            n.parse::<i32>()
                .ok()
                .and_then(|n| n.checked_mul(unit))
                .filter(|&n| n > 0)
                .ok_or_else(|| Failure(format!("bad number {n:?} in {text:?}")))
        })
        .collect()
}

/// `sweep <workload>`: one side over a grid of send rates and send buffer sizes.
///
/// Options: `--rates 16,32,64` (MiB/s; default 16,32,64,100), `--buffers 1024,8192` (KiB;
/// default: the workload's), `--fixed` (set `SendRateMin` to the rate as well, not only
/// `SendRateMax`), `--side S`, `--reps N` (default 2), `--scale F`, `--set Name=value`.
pub(crate) fn sweep(args: &[String]) -> Result<()> {
    const USAGE: &str = "usage: sweep <workload> [--rates MiB,..] [--buffers KiB,..] [--fixed] \
                         [--side S] [--reps N] [--scale F] [--set Name=value]...";
    let [name, rest @ ..] = args else { return Err(USAGE.into()) };
    let workload = Workload::find(name).ok_or_else(|| format!("unknown workload {name:?}"))?;
    const MIB: i32 = 1024 * 1024;
    let (mut rates, mut buffers, mut fixed) =
        (vec![16 * MIB, 32 * MIB, 64 * MIB, GNS_MAX_SEND_RATE], None, false);
    let mut passed = Vec::new();
    let mut args = rest.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rates" => rates = parse_list(args.next().ok_or(Failure::from(USAGE))?, MIB)?,
            "--buffers" => {
                buffers = Some(parse_list(args.next().ok_or(Failure::from(USAGE))?, 1024)?)
            }
            "--fixed" => fixed = true,
            _ => passed.push(arg.clone()),
        }
    }
    let mut options = Options::parse(&passed)?;
    if !passed.iter().any(|a| a == "--reps" || a == "--rounds") {
        options.rounds = 2;
    }
    let side = options.side.unwrap_or(Side::Raw);
    let buffers = buffers.unwrap_or_else(|| {
        let own = workload.settings.iter().find(|(s, _)| *s == Setting::SendBufferSize);
        vec![own.map_or(512 * 1024, |&(_, v)| v)]
    });
    let base = options.sets.clone();
    for &rate in &rates {
        for &buffer in &buffers {
            let mut sets = base.clone();
            if fixed {
                sets.push((Setting::SendRateMin, rate));
            }
            sets.push((Setting::SendRateMax, rate));
            sets.push((Setting::SendBufferSize, buffer));
            let run_options =
                Options { sets: sets.clone(), scale: options.scale, ..Options::parse(&[])? };
            let mut results = Vec::new();
            for _ in 0..options.rounds {
                match run_child(side, workload, &run_options) {
                    Ok(m) => results.push(m),
                    Err(e) => eprintln!("steam-sockets-bench: sweep: {e}"),
                }
            }
            let settings = format_settings(&effective_settings(workload, &sets));
            if results.is_empty() {
                println!("INFO sweep workload={name} side={} {settings} failed", side.name());
                continue;
            }
            let mut msgs: Vec<f64> = results.iter().map(Measurement::msgs_per_sec).collect();
            let mut mb: Vec<f64> = results.iter().map(Measurement::mb_per_sec).collect();
            println!(
                "INFO sweep workload={name} side={} {settings} msgs_per_s={:.0} MB_per_s={:.1} \
                 runs={}/{}",
                side.name(),
                median(&mut msgs),
                median(&mut mb),
                results.len(),
                options.rounds
            );
        }
    }
    Ok(())
}
