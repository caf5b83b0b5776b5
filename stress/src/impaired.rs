//! An impairment proxy: the client reaches the server through a UDP relay of our own (not the
//! library's simulator) that drops, duplicates, reorders, delays and corrupts 10% of the
//! datagrams each, and flips one bit in 1 in 100, in both directions and from the first
//! handshake packet on. Every reliable message still arrives once, intact and in order, no
//! corrupted payload surfaces, and the unreliable losses are counted.

use std::time::{Duration, Instant};

use steam_sockets::ConfigValue;

use crate::common::{self, Pair, Report};
use crate::relay::{Impairment, Relay};
use crate::runner::Size;

/// What the relay does to each datagram.
const IMPAIRMENT: Impairment = Impairment {
    drop: 10,
    duplicate: 10,
    reorder: 10,
    delay: 10,
    corrupt: 10,
    bit_flip_per_mille: 10,
};

/// Runs the scenario.
pub fn run(size: Size) -> Report {
    let count = size.pick(10_000, 1_000);
    Report::of("impairment-proxy", |report| impaired(report, count))
}

fn impaired(report: &mut Report, count: u32) -> Result<(), String> {
    let sockets = common::init()?;
    let mut options = common::fast_options();
    // Loss and corruption slow the handshake and the queues: be patient.
    options.push(ConfigValue::TimeoutConnected(Duration::from_secs(30)));
    let listener = common::listen(&sockets, &options)?;
    let server_addr = listener.local_addr().map_err(|e| e.to_string())?;
    let relay = Relay::start(server_addr, IMPAIRMENT, 0x1badf00d)?;
    let began = Instant::now();
    let (server, client) = common::connect_to(&sockets, relay.front(), &options)?;
    report.detail(format!("connected through the relay in {:.2} s", began.elapsed().as_secs_f64()));
    let pair = Pair { listener, server, client };
    crate::lossy::exchange(&sockets, &pair, report, "impairment proxy", count, 21);
    let stats = relay.stop();
    report.detail(format!("relay: {stats}"));
    // The figures must show that the relay really did each thing to this traffic.
    let each = [
        stats.dropped,
        stats.duplicated,
        stats.reordered,
        stats.delayed,
        stats.corrupted,
        stats.bit_flipped,
    ];
    report.check(each.iter().all(|&n| n > 0), || format!("the relay left something out: {stats}"));
    Ok(())
}
