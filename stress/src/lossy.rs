//! Lossy links: the library's network simulation (set through the crate's typed global
//! config) drops, delays, reorders and duplicates packets; every reliable message still
//! arrives once, intact, in order per lane, and unreliable ones are lost but never corrupted.

use std::time::{Duration, Instant};

use steam_sockets::{ConfigValue, Lane, SendFlags, Sockets};

use crate::common::{self, DEADLINE, Report, Rng, Tracker};
use crate::runner::Size;

/// Lanes used: each is its own reliable stream.
const LANES: u16 = 3;

/// Runs the scenario: three simulated networks, one after the other.
pub fn run(size: Size) -> Report {
    let mut report = Report::new("lossy");
    let Some(sockets) = report.ok("init", common::init()) else { return report };
    let count = size.pick(10_000, 1_000);
    let ms = Duration::from_millis;
    let profiles: [(&str, Vec<ConfigValue>); 3] = [
        (
            "10% loss + 50 ms lag + 2% reorder",
            vec![
                ConfigValue::FakePacketLossSend(10.0),
                ConfigValue::FakePacketLagSend(ms(50)),
                ConfigValue::FakePacketReorderSend(2.0),
                ConfigValue::FakePacketReorderTime(ms(15)),
            ],
        ),
        (
            "20% loss + 100 ms lag",
            vec![ConfigValue::FakePacketLossSend(20.0), ConfigValue::FakePacketLagSend(ms(100))],
        ),
        (
            "30% duplication",
            vec![ConfigValue::FakePacketDupSend(30.0), ConfigValue::FakePacketDupTimeMax(ms(20))],
        ),
    ];
    for (seed, (label, simulation)) in profiles.iter().enumerate() {
        one_profile(&sockets, &mut report, label, simulation, count, seed as u64 + 1);
    }
    report
}

fn one_profile(
    sockets: &Sockets,
    report: &mut Report,
    label: &str,
    simulation: &[ConfigValue],
    count: u32,
    seed: u64,
) {
    // Connect first on a clean network, then turn the simulation on for the transfer.
    let mut options = common::fast_options();
    // Lag and loss make the handshake and the queues slower: be patient.
    options.push(ConfigValue::TimeoutConnected(Duration::from_secs(30)));
    let Some(pair) = report.ok("connect", common::connect_pair(sockets, &options)) else { return };
    for value in simulation {
        if report.ok("simulation", sockets.set_global_config(value)).is_none() {
            return;
        }
    }
    exchange(sockets, &pair, report, label, count, seed);
    for value in simulation {
        report.ok("reset simulation", sockets.reset_global_config(value.key()));
    }
}

/// Sends `count` messages (70% reliable, on [`LANES`] lanes, up to 10 KB) from the client to the
/// server of `pair` and checks that every reliable one arrives once, intact and in order per
/// lane, and that no unreliable one arrives corrupted or twice; adds the figures to `report`.
pub fn exchange(
    sockets: &Sockets,
    pair: &common::Pair,
    report: &mut Report,
    label: &str,
    count: u32,
    seed: u64,
) {
    let lanes = vec![Lane { priority: 0, weight: 1 }; usize::from(LANES)];
    if report.ok("configure lanes", pair.client.configure_lanes(&lanes)).is_none() {
        return;
    }
    // Streams: one per lane for reliable messages, `LANES + lane` for unreliable ones.
    let mut rng = Rng::new(seed);
    let mut next = [0u32; 2 * LANES as usize];
    let (mut reliable_sent, mut unreliable_sent) = (0u64, 0u64);
    let mut tracker = Tracker::default();
    let mut inbox = Vec::new();
    let start = Instant::now();
    let mut sent = 0;
    let mut last_reliable = None;
    while sent < count || tracker.reliable < reliable_sent {
        if sent < count {
            let lane = rng.below(u64::from(LANES)) as u16;
            let reliable = rng.chance(70);
            let len = if reliable && rng.chance(10) {
                rng.below(10_000) as usize + 1
            } else {
                rng.below(1_000) as usize + 1
            };
            let stream = if reliable { lane } else { LANES + lane };
            let seq = next[usize::from(stream)];
            let flags = if reliable { SendFlags::RELIABLE } else { SendFlags::UNRELIABLE };
            let data = common::payload(u32::from(stream), seq, len);
            match pair.client.send(&data, flags.on_lane(lane)) {
                Ok(_) => {
                    next[usize::from(stream)] += 1;
                    sent += 1;
                    if reliable {
                        reliable_sent += 1;
                    } else {
                        unreliable_sent += 1;
                    }
                }
                Err(steam_sockets::Error::SendBufferFull { .. }) => {}
                Err(e) => return report.fail(format!("{label}: send: {e}")),
            }
        } else if last_reliable.is_none() {
            last_reliable = Some(Instant::now());
        }
        sockets.run_callbacks();
        let _ = sockets.events().try_iter().count();
        inbox.clear();
        if let Err(e) = pair.server.receive(&mut inbox, 1024) {
            return report.fail(format!("{label}: receive: {e}"));
        }
        for message in &inbox {
            tracker.take(message);
        }
        if sent >= count {
            std::thread::sleep(Duration::from_millis(1));
        }
        if start.elapsed() > DEADLINE {
            report.fail(format!(
                "{label}: only {} of {reliable_sent} reliable messages arrived",
                tracker.reliable
            ));
            break;
        }
    }
    // Unreliable messages still in flight arrive within the lag; collect them too.
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_millis(300) {
        sockets.run_callbacks();
        inbox.clear();
        let _ = pair.server.receive(&mut inbox, 1024);
        inbox.iter().for_each(|m| tracker.take(m));
        std::thread::sleep(Duration::from_millis(2));
    }
    let per_lane_ok =
        (0..LANES).all(|lane| tracker.received_on(u32::from(lane)) == next[usize::from(lane)]);
    report.check(per_lane_ok, || format!("{label}: a lane's reliable stream is incomplete"));
    report.check(tracker.corrupted == 0, || format!("{label}: {} corrupted", tracker.corrupted));
    report.check(tracker.unreliable_duplicates == 0, || {
        format!("{label}: {} unreliable messages arrived twice", tracker.unreliable_duplicates)
    });
    let status = pair.client.realtime_status().ok();
    report.detail(format!(
        "{label}: {reliable_sent} reliable (up to 10 KB, {LANES} lanes) all in order, \
         {}/{unreliable_sent} unreliable arrived ({:.1}% lost), {:.1} s{}",
        tracker.unreliable,
        100.0 * (unreliable_sent - tracker.unreliable.min(unreliable_sent)) as f64
            / unreliable_sent.max(1) as f64,
        start.elapsed().as_secs_f64(),
        status.map_or(String::new(), |s| format!(", ping {:?}", s.ping)),
    ));
    report.sent += reliable_sent + unreliable_sent;
    report.received += tracker.reliable + tracker.unreliable;
    report.reliable_lost += reliable_sent - tracker.reliable.min(reliable_sent);
    report.out_of_order += tracker.out_of_order;
}
