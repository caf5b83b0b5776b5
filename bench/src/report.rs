//! The summary of a benchmark run: the `RESULT`, `PEER` and `INFO` lines of each workload,
//! and the data of the `--plot` chart.

use crate::plot;
use crate::workload::{Kind, Measurement, Side, Transport, Workload};

pub(crate) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

/// The samples of one side of one workload.
#[derive(Default)]
pub(crate) struct Samples {
    pub(crate) runs: Vec<Measurement>,
    /// What each run that failed twice said.
    pub(crate) failures: Vec<String>,
}

impl Samples {
    fn median_of(&self, f: impl Fn(&Measurement) -> f64) -> f64 {
        median(&mut self.runs.iter().map(f).collect::<Vec<_>>())
    }

    fn figure(&self, kind: Kind) -> f64 {
        self.median_of(|m| kind.figure(m))
    }

    /// The best run's figure.
    fn best(&self, kind: Kind) -> f64 {
        let values = self.runs.iter().map(|m| kind.figure(m));
        if kind.higher_is_better() {
            values.fold(f64::MIN, f64::max)
        } else {
            values.fold(f64::MAX, f64::min)
        }
    }

    /// (max - min) / median of the figure, in percent.
    fn spread(&self, kind: Kind) -> f64 {
        let (min, max) = self
            .runs
            .iter()
            .map(|m| kind.figure(m))
            .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
        (max - min) / self.figure(kind) * 100.0
    }
}

fn fmt(value: Option<f64>, digits: usize) -> String {
    value.filter(|v| v.is_finite()).map_or_else(|| "failed".into(), |v| format!("{v:.digits$}"))
}

/// Prints one workload's lines; returns whether any run failed. `instructions` are per
/// counted unit, per side (raw, wrapper, peer), `None` where not counted.
pub(crate) fn summary(
    w: &Workload,
    [raw, wrapper, peer]: &[Samples; 3],
    instructions: &[Option<f64>; 3],
) -> bool {
    let kind = w.kind;
    let failures = raw.failures.len() + wrapper.failures.len() + peer.failures.len();
    let figure = |s: &Samples| (!s.runs.is_empty()).then(|| s.figure(kind));
    let (r, o, p) = (figure(raw), figure(wrapper), figure(peer));
    let ratio = |ours: Option<f64>, theirs: Option<f64>| Some(kind.ratio(ours?, theirs?));
    let digits = if kind == Kind::PingPong { 1 } else { 0 };
    let [ir, io, ip] = *instructions;
    // Instructions: fewer is better, so raw/wrapper (and peer/ours) is "higher is better".
    let instr_ratio = |ours: Option<f64>, theirs: Option<f64>| Some(theirs? / ours?);
    let mut result = format!(
        "RESULT workload={} wrapper={} raw={} ratio={} instr_ratio={}",
        w.name,
        fmt(o, digits),
        fmt(r, digits),
        fmt(ratio(o, r), 3),
        fmt(instr_ratio(io, ir), 3)
    );
    if kind == Kind::PingPong {
        for (name, s) in [("wrapper", wrapper), ("raw", raw)] {
            let us = |f: fn(&Measurement) -> u64| {
                (!s.runs.is_empty()).then(|| s.median_of(|m| f(m) as f64 / 1e3))
            };
            result += &format!(
                " {name}_p50_us={} {name}_p99_us={} {name}_p999_us={}",
                fmt(us(|m| m.rtt.p50), 1),
                fmt(us(|m| m.rtt.p99), 1),
                fmt(us(|m| m.rtt.p999), 1)
            );
        }
    }
    println!("{result}");
    println!(
        "PEER workload={} peer=gns-rs msgs={} ratio={} instr_ratio={}",
        w.name,
        fmt(p, digits),
        fmt(ratio(o, p), 3),
        fmt(instr_ratio(io, ip), 3)
    );
    println!(
        "INFO workload={} instructions_per_{} raw={} wrapper={} peer={} (callgrind, short run)",
        w.name,
        kind.per(),
        fmt(ir, 0),
        fmt(io, 0),
        fmt(ip, 0)
    );
    for failure in raw.failures.iter().chain(&wrapper.failures).chain(&peer.failures) {
        println!("INFO workload={} failed: {failure}", w.name);
    }
    if raw.runs.is_empty() || wrapper.runs.is_empty() || peer.runs.is_empty() {
        return failures > 0;
    }
    let sides = [raw, wrapper, peer];
    let per_side = |f: &dyn Fn(&Samples) -> String| {
        Side::ALL
            .iter()
            .zip(sides)
            .map(|(side, s)| format!("{}={}", side.name(), f(s)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "INFO workload={} payload_MB_per_s {} best_{} {} spread_pct {} runs {} failed_runs={failures}",
        w.name,
        per_side(&|s| format!("{:.1}", s.median_of(Measurement::mb_per_sec))),
        kind.unit(),
        per_side(&|s| format!("{:.1}", s.best(kind))),
        per_side(&|s| format!("{:.1}", s.spread(kind))),
        per_side(&|s| s.runs.len().to_string()),
    );
    let (rt, ot) = (
        raw.median_of(Measurement::thread_ns_per_msg),
        wrapper.median_of(Measurement::thread_ns_per_msg),
    );
    println!(
        "INFO workload={} cpu_ns_per_{} app_thread {} (wrapper/raw {:.3}) process {}",
        w.name,
        kind.per(),
        per_side(&|s| format!("{:.0}", s.median_of(Measurement::thread_ns_per_msg))),
        ot / rt,
        per_side(&|s| format!("{:.0}", s.median_of(Measurement::process_ns_per_msg))),
    );
    if let Kind::Storm(_) = kind {
        println!(
            "INFO workload={} rss_bytes_per_connection {} (wrapper - raw = {:.0})",
            w.name,
            per_side(&|s| format!(
                "{:.0}",
                s.median_of(|m| m.rss_bytes as f64 / m.messages as f64)
            )),
            wrapper.median_of(|m| m.rss_bytes as f64 / m.messages as f64)
                - raw.median_of(|m| m.rss_bytes as f64 / m.messages as f64),
        );
    }
    failures > 0
}

/// Draws the `poll-N` chart from the medians of the stream workloads over a poll group.
pub(crate) fn plot(
    workloads: &[&Workload],
    samples: &[[Samples; 3]],
) -> crate::workload::Result<String> {
    let mut series: Vec<(Side, plot::Series)> =
        Side::ALL.iter().map(|&s| (s, Vec::new())).collect();
    for (w, per_side) in workloads.iter().zip(samples) {
        let (Kind::Stream, Transport::PollGroup(n)) = (w.kind, w.transport) else { continue };
        for ((_, points), s) in series.iter_mut().zip(per_side) {
            if !s.runs.is_empty() {
                points.push((
                    n,
                    s.figure(Kind::Stream),
                    s.median_of(Measurement::thread_ns_per_msg),
                ));
            }
        }
    }
    if series.iter().all(|(_, points)| points.len() < 2) {
        return Err("needs at least two poll-N workloads with results".into());
    }
    plot::poll_n(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), &series)
}
