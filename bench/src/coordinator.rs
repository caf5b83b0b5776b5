//! The parent process: runs every (round, workload, side) in a child process, collects the
//! measurements and prints the report; and the child's side of it (`worker`, `probe-init`).

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::catalog::{GNS_MAX_SEND_RATE, P2P_BULK, WORKLOADS};
use crate::instr;
use crate::os::raise_open_file_limit;
use crate::report::{self, Samples, median};
use crate::workload::{
    Failure, Kind, Measurement, Result, Setting, Side, Transport, Workload, effective_settings,
    format_settings,
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
    /// `--clients N`: at most N client connections (instruction-count runs).
    clients: Option<usize>,
    /// `--delivered-first`: a poll-N server receives only once everything has arrived
    /// (instruction-count runs; see `clients.rs`).
    delivered_first: bool,
    /// `--plot`: write the poll-N chart.
    plot: bool,
    /// Count instructions per message (off with `--no-instructions`).
    instructions: bool,
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
            plot: false,
            delivered_first: false,
            instructions: true,
            clients: None,
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
                    if let Some(bad) =
                        names.iter().find(|n| Workload::find(n).is_none() && *n != P2P_BULK.name)
                    {
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
                "--delivered-first" => options.delivered_first = true,
                "--plot" => options.plot = true,
                "--clients" => {
                    options.clients = Some(
                        value(arg)?
                            .parse()
                            .ok()
                            .filter(|&n| n > 0)
                            .ok_or(Failure::from("--clients needs a positive number"))?,
                    );
                }
                "--no-instructions" => options.instructions = false,
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

    /// Whether `p2p-bulk` runs (it is not in `WORKLOADS`: see `p2p_bulk.rs`).
    fn p2p_bulk(&self) -> bool {
        self.only.as_ref().is_none_or(|only| only.iter().any(|n| n == P2P_BULK.name))
    }

    /// Messages of a run of `workload`, scaled (connect workloads: the client count, which
    /// `--scale` does not change).
    fn messages(&self, workload: &Workload) -> u64 {
        if let Kind::Storm(_) = workload.kind {
            return workload.messages;
        }
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
    let mut workload = *workload;
    if let (Transport::PollGroup(n), Some(most)) = (workload.transport, options.clients) {
        workload.transport = Transport::PollGroup(n.min(most));
    }
    let workload = &workload;
    let settings = effective_settings(workload, &options.sets);
    let messages = options.messages(workload);
    if options.delivered_first {
        crate::clients::receive_when_delivered();
    }
    raise_open_file_limit();
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

/// Runs this binary with `args` (under the command `prefix`, if any: e.g. valgrind), waits
/// (with a time limit) and returns its output.
fn run_self(
    prefix: &[String],
    args: &[String],
    capture_stderr: bool,
) -> Result<(bool, String, String)> {
    let exe = std::env::current_exe().map_err(|e| Failure(format!("current_exe: {e}")))?;
    let mut command = match prefix {
        [program, rest @ ..] => {
            let mut command = Command::new(program);
            command.args(rest).arg(exe);
            command
        }
        [] => Command::new(exe),
    };
    let mut child = command
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
    args.extend(Setting::args(&options.sets));
    let (ok, stdout, detail) = run_self(&[], &args, false)?;
    if !ok {
        return Err(format!("child failed: {}", detail.trim()).into());
    }
    stdout
        .lines()
        .find_map(Measurement::parse_line)
        .ok_or_else(|| Failure(format!("no measurement in the child's output: {stdout:?}")))
}

/// Runs `run`, once more if it fails (`what` names the run in the messages): on a busy
/// machine a run can fail for the machine's sake (the library times a connection out).
pub(crate) fn once_more<T>(what: &str, run: impl Fn() -> Result<T>) -> Result<T> {
    run().or_else(|e| {
        eprintln!("steam-sockets-bench: {what}: {e}; running it once more");
        run().inspect_err(|e| eprintln!("steam-sockets-bench: {what}: failed again: {e}"))
    })
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
        if options.p2p_bulk() {
            println!(
                "{}: {}; {} messages per run; settings: {}",
                P2P_BULK.name,
                crate::p2p_bulk::describe(),
                options.messages(&P2P_BULK),
                format_settings(&effective_settings(&P2P_BULK, &options.sets))
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
    match raise_open_file_limit() {
        Some((before, after)) if after > before => println!(
            "INFO open_files soft limit raised from {before} to {after} (the hard limit): \
             each poll-N client connection has a UDP socket of its own (the clients' \
             process raises its limit too)"
        ),
        Some((before, _)) => {
            println!("INFO open_files soft limit {before} (already the hard limit)")
        }
        None => println!("INFO open_files limit unknown"),
    }
    let instr_method = instr::method();
    match (&instr_method, options.instructions) {
        (_, false) => println!("INFO instructions not counted (--no-instructions)"),
        (Some(method), true) => println!("INFO instructions {method}"),
        (None, true) => println!("INFO instructions not counted: no valgrind and no perf counters"),
    }
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
            let mut line =
                format!("INFO round={} workload={} {}", round + 1, w.name, w.kind.unit());
            for k in 0..Side::ALL.len() {
                let index = (round + k) % Side::ALL.len();
                let side = Side::ALL[index];
                let what = format!("round {} {} {}", round + 1, w.name, side.name());
                match once_more(&what, || run_child(side, w, &options)) {
                    Ok(m) => {
                        line += &format!(" {}={:.1}", side.name(), w.kind.figure(&m));
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
    for (w, per_side) in workloads.iter().zip(&samples) {
        let instructions = if options.instructions && instr_method.is_some() {
            Side::ALL.map(|side| {
                run_instructions(side, w, &options.sets).inspect_err(|e| {
                    eprintln!("steam-sockets-bench: {} {} instructions: {e}", w.name, side.name())
                })
            })
        } else {
            Side::ALL.map(|_| Err(Failure::from("not counted")))
        };
        failed |= report::summary(w, per_side, &instructions.map(Result::ok));
    }
    if options.p2p_bulk() {
        failed |= crate::p2p_bulk::bench(&crate::p2p_bulk::Plan {
            rounds: options.rounds,
            messages: options.messages(&P2P_BULK),
            sets: &options.sets,
            instructions: options.instructions && instr_method.is_some(),
        });
    }
    if options.plot {
        match report::plot(&workloads, &samples) {
            Ok(path) => println!("INFO plot poll-N written to {path}"),
            Err(e) => println!("INFO plot failed: {e}"),
        }
    }
    if failed { Err("some runs failed twice (see above)".into()) } else { Ok(()) }
}

/// Instructions per counted unit of one short run of `workload` on `side` under callgrind.
fn run_instructions(side: Side, workload: &Workload, sets: &[(Setting, i32)]) -> Result<f64> {
    let out_file = std::env::temp_dir().join(format!(
        "steam-sockets-bench-{}-{}-{}.callgrind",
        std::process::id(),
        workload.name,
        side.name()
    ));
    let out_file = out_file.to_string_lossy().into_owned();
    let scale = instr::messages(workload) as f64 / workload.messages as f64;
    let mut args: Vec<String> =
        ["worker", side.name(), workload.name, "--scale", &scale.to_string()]
            .map(String::from)
            .into();
    match (workload.kind, workload.transport) {
        // Both ends under callgrind (the poll-N clients are a native child process).
        (Kind::Storm(_), _) => args.extend(["--clients".to_string(), instr::CLIENTS.to_string()]),
        // No receive call that finds nothing is counted (see `clients.rs`).
        (_, Transport::PollGroup(_)) => args.push("--delivered-first".to_string()),
        _ => {}
    }
    args.extend(Setting::args(&instr::settings(&effective_settings(workload, sets))));
    let (ok, stdout, detail) = run_self(&instr::prefix(workload.kind, &out_file), &args, true)?;
    if !ok {
        let _ = std::fs::remove_file(&out_file);
        return Err(format!("callgrind run failed: {}", detail.trim()).into());
    }
    let measurement = stdout
        .lines()
        .find_map(Measurement::parse_line)
        .ok_or_else(|| Failure(format!("no measurement under callgrind: {stdout:?}")))?;
    Ok(instr::read(&out_file)? as f64 / measurement.messages as f64)
}

/// Whether steam-sockets and gns-rs can both initialise GNS in one process.
fn probe_report() -> String {
    match run_self(&[], &["probe-init".to_string()], true) {
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
