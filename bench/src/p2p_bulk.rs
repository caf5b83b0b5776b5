//! `p2p-bulk`: `udp-1200-bulk`'s traffic (1200-byte reliable messages, its raised rate and
//! buffers) between two processes in two network namespaces, over an ICE connection and over
//! plain IP across the same veth pair, so that the cost of the P2P path shows beside IP's.
//!
//! The coordinator (root) makes the lab once ([`netlab::Lab`], its own /24 and names,
//! deleted on every way out), and runs each (round, side, network) as two children of this
//! binary: `p2p-sink` in namespace A and `p2p-source` in namespace B (see `ends.rs`). The sink
//! prints the run's `MEASURE` line. Instruction counts run the sink under callgrind over ICE.

mod ends;

use std::path::Path;
use std::time::Duration;

use netlab::{Lab, Layout, finish_pair, start_pair};

use crate::catalog::P2P_BULK;
use crate::instr;
use crate::report::{self, Samples, median};
use crate::workload::{
    Failure, Kind, Measurement, Result, Setting, Side, Workload, effective_settings,
    format_settings,
};

/// The lab: names and a subnet of its own (the P2P suite has 10.77.0.0/24).
const LAYOUT: Layout = Layout {
    namespace_prefix: "ssbulk",
    veth_prefix: "ssbk",
    addresses: ["10.78.0.1/24", "10.78.0.2/24"],
    broadcast: "10.78.0.255",
};

/// Longest a child may run natively (a run takes a few seconds).
const CHILD_LIMIT: Duration = Duration::from_secs(90);

/// Longest a child may run under callgrind.
const CALLGRIND_LIMIT: Duration = Duration::from_secs(180);

/// How long the sink starts before the source (the source waits for it anyway).
const HEAD_START: Duration = Duration::from_millis(300);

/// Why gns-rs has no ICE row.
const PEER_ICE: &str = "unsupported: gns-rs 0.3 has no P2P, identity or signaling API \
                        (no listen_p2p / connect_p2p / custom signaling), so it cannot connect \
                        over ICE";

/// The network of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Net {
    /// `listen_p2p` / `connect_p2p` by identity, signals through steam-sockets' signaling
    /// server in namespace A; the route is ICE with host candidates only.
    Ice,
    /// `listen_ip` / `connect_ip` to namespace A's address.
    Ip,
}

impl Net {
    const ALL: [Net; 2] = [Net::Ice, Net::Ip];

    fn name(self) -> &'static str {
        match self {
            Net::Ice => "ice",
            Net::Ip => "ip",
        }
    }

    fn parse(name: &str) -> Option<Net> {
        Net::ALL.into_iter().find(|n| n.name() == name)
    }
}

/// What the coordinator asks for.
pub(crate) struct Plan<'a> {
    pub(crate) rounds: usize,
    /// Messages of a timed run (scaled).
    pub(crate) messages: u64,
    /// `--set` overrides.
    pub(crate) sets: &'a [(Setting, i32)],
    /// Count instructions (valgrind is there and `--no-instructions` was not given).
    pub(crate) instructions: bool,
}

/// One line describing the workload, for `--list` and `INFO`.
pub(crate) fn describe() -> String {
    format!(
        "two processes in two network namespaces (veth, {} <-> {}), over ICE (listen_p2p / \
         connect_p2p through steam-sockets' signaling, host candidates) and over IP \
         (listen_ip / connect_ip); {}-byte reliable messages, one send call each; raw and \
         wrapper connect through steam-sockets and differ in the data path only; gns-rs over \
         IP only; figure: messages per second over ICE (MB/s on INFO lines)",
        LAYOUT.addresses[0], LAYOUT.addresses[1], P2P_BULK.size
    )
}

/// The benchmark's `p2p-bulk`: prints its lines; returns whether a run failed twice (gns-rs
/// over ICE, unsupported, does not count).
pub(crate) fn bench(plan: &Plan<'_>) -> bool {
    if let Some(why) = netlab::cannot_run() {
        println!("INFO p2p-bulk skipped: {why}");
        return false;
    }
    let settings = effective_settings(&P2P_BULK, plan.sets);
    println!(
        "INFO workload={} messages_per_run={} settings={} :: {}",
        P2P_BULK.name,
        plan.messages,
        format_settings(&settings),
        describe()
    );
    let lab = match make_lab() {
        Ok(lab) => lab,
        Err(e) => {
            println!("INFO p2p-bulk skipped: cannot make the network namespaces: {e}");
            return true;
        }
    };
    // [network][side], sides in `Side::ALL` order.
    let mut samples: [[Samples; 3]; 2] = Default::default();
    for round in 0..plan.rounds {
        let mut line = format!("INFO round={} workload={} MB_per_s", round + 1, P2P_BULK.name);
        for k in 0..Side::ALL.len() {
            let index = (round + k) % Side::ALL.len();
            let side = Side::ALL[index];
            for (n, net) in Net::ALL.into_iter().enumerate() {
                if (side, net) == (Side::Peer, Net::Ice) {
                    continue;
                }
                let what = format!("round {} p2p-bulk {} {}", round + 1, side.name(), net.name());
                let result = crate::coordinator::once_more(&what, || {
                    run_pair(&lab, side, net, plan.messages, &settings, None)
                });
                match result {
                    Ok(m) => {
                        line += &format!(" {}_{}={:.1}", side.name(), net.name(), m.mb_per_sec());
                        samples[n][index].runs.push(m);
                    }
                    Err(e) => {
                        line += &format!(" {}_{}=failed", side.name(), net.name());
                        samples[n][index].failures.push(format!("{what}: {e}"));
                    }
                }
            }
        }
        println!("{line}");
    }
    let failed = samples.iter().flatten().any(|s| !s.failures.is_empty());
    let instructions = count_instructions(&lab, plan, &settings);
    drop(lab);
    let [mut ice, ip] = samples;
    ice[2].failures.push(format!("peer over ICE: {PEER_ICE}"));
    report::summary(&P2P_BULK, &ice, &instructions);
    let mb = |s: &Samples| {
        (!s.runs.is_empty())
            .then(|| median(&mut s.runs.iter().map(Measurement::mb_per_sec).collect::<Vec<_>>()))
    };
    let show = |v: Option<f64>, digits: usize| {
        v.map_or_else(|| "failed".to_string(), |v| format!("{v:.digits$}"))
    };
    let mut line = format!("INFO workload={} payload_MB_per_s", P2P_BULK.name);
    for (index, side) in Side::ALL.into_iter().enumerate() {
        let (on_ice, on_ip) = (mb(&ice[index]), mb(&ip[index]));
        let on_ice_text =
            if side == Side::Peer { "unsupported".to_string() } else { show(on_ice, 1) };
        let ratio = on_ice.zip(on_ip).map(|(a, b)| a / b);
        line += &format!(
            " {}: ice={on_ice_text} ip={} ice/ip={}",
            side.name(),
            show(on_ip, 1),
            if side == Side::Peer { "unsupported".to_string() } else { show(ratio, 3) }
        );
    }
    let over_ip = mb(&ip[1]).zip(mb(&ip[0])).map(|(w, r)| w / r);
    let peer_ip = mb(&ip[1]).zip(mb(&ip[2])).map(|(w, p)| w / p);
    println!(
        "{line} (medians of {} rounds; over IP wrapper/raw={} wrapper/peer={})",
        plan.rounds,
        show(over_ip, 3),
        show(peer_ip, 3)
    );
    failed
}

/// The lab, IPv6 off in both namespaces (as the P2P suite measured: the library skips
/// loopback and link-local candidates anyway).
fn make_lab() -> Result<Lab> {
    let lab = Lab::create(&LAYOUT)?;
    for i in 0..2 {
        lab.exec(i, "sysctl", &["-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"])?;
    }
    Ok(lab)
}

/// Instructions per received message of the sink over ICE, per side (peer: none), from a
/// short run with the sink under callgrind; `None` where not counted (the reason on an
/// `INFO` line).
fn count_instructions(lab: &Lab, plan: &Plan<'_>, settings: &[(Setting, i32)]) -> [Option<f64>; 3] {
    if !plan.instructions {
        return [None; 3];
    }
    let capped = instr::settings(settings);
    let messages = instr::messages(&P2P_BULK);
    Side::ALL.map(|side| {
        if side == Side::Peer {
            return None;
        }
        let out_file = std::env::temp_dir().join(format!(
            "steam-sockets-bench-{}-p2p-bulk-{}.callgrind",
            std::process::id(),
            side.name()
        ));
        let out_file = out_file.to_string_lossy().into_owned();
        let counted = run_pair(lab, side, Net::Ice, messages, &capped, Some(&out_file))
            .and_then(|m| Ok(instr::read(&out_file)? as f64 / m.messages as f64));
        let _ = std::fs::remove_file(&out_file);
        counted
            .inspect_err(|e| {
                println!(
                    "INFO p2p-bulk instructions {} unavailable: the sink under callgrind over \
                     ICE failed: {}",
                    side.name(),
                    e.0.lines().next().unwrap_or("")
                );
            })
            .ok()
    })
}

/// One run of `side` over `net`: the sink in namespace A (under callgrind, writing to
/// `callgrind`, if given), the source in B. Returns the sink's measurement.
fn run_pair(
    lab: &Lab,
    side: Side,
    net: Net,
    messages: u64,
    settings: &[(Setting, i32)],
    callgrind: Option<&str>,
) -> Result<Measurement> {
    let exe = std::env::current_exe().map_err(|e| Failure(format!("current_exe: {e}")))?;
    let exe_text = exe.to_string_lossy().into_owned();
    let child_args = |role: &str| {
        let mut args =
            vec![role.to_string(), side.name().into(), net.name().into(), messages.to_string()];
        args.extend(Setting::args(settings));
        args
    };
    let (sink_args, source_args) = (child_args("p2p-sink"), child_args("p2p-source"));
    let (sink, limit) = match callgrind {
        None => {
            let args: Vec<&str> = sink_args.iter().map(String::as_str).collect();
            (lab.command(0, &[], &exe, &args), CHILD_LIMIT)
        }
        Some(out_file) => {
            let prefix = instr::prefix(Kind::Stream, out_file);
            let mut args: Vec<&str> = prefix[1..].iter().map(String::as_str).collect();
            args.push(&exe_text);
            args.extend(sink_args.iter().map(String::as_str));
            (lab.command(0, &[], Path::new(&prefix[0]), &args), CALLGRIND_LIMIT)
        }
    };
    let args: Vec<&str> = source_args.iter().map(String::as_str).collect();
    let source = lab.command(1, &[], &exe, &args);
    let (sink, source) = finish_pair(start_pair(sink, source, limit, HEAD_START)?);
    let measurement = sink.stdout.lines().find_map(Measurement::parse_line);
    match measurement {
        Some(m) if sink.ok && source.ok => Ok(m),
        _ => Err(Failure(format!(
            "sink (exit ok: {}): {}; source (exit ok: {}): {}",
            sink.ok,
            sink.stderr.trim(),
            source.ok,
            source.stderr.trim()
        ))),
    }
}

/// `p2p-sink|p2p-source <side> <net> <messages> [--set Name=value]...`: one end of a run,
/// inside a namespace.
pub(crate) fn child(role: &str, args: &[String]) -> Result<()> {
    const USAGE: &str =
        "usage: p2p-sink|p2p-source <side> <ice|ip> <messages> [--set Name=value]...";
    let [side, net, messages, rest @ ..] = args else { return Err(USAGE.into()) };
    let side = Side::parse(side).ok_or_else(|| format!("unknown side {side:?}"))?;
    let net = Net::parse(net).ok_or_else(|| format!("unknown network {net:?}"))?;
    let messages = messages.parse().map_err(|e| Failure(format!("{messages:?}: {e}")))?;
    let settings = Setting::parse_sets(rest, USAGE)?;
    if (side, net) == (Side::Peer, Net::Ice) {
        return Err(PEER_ICE.into());
    }
    let workload = Workload { messages, ..P2P_BULK };
    let run = if role == "p2p-sink" { ends::sink } else { ends::source };
    run(side, net, &workload, &settings)
        .map_err(|e| Failure(format!("{role} {} {}: {e}", side.name(), net.name())))
}
