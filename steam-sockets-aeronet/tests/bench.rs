//! Figures for the README, over UDP on 127.0.0.1 (GNS backend): a server `App` and a client
//! `App` updated in turn on one thread, as fast as they go. Not run by default:
//!
//! ```sh
//! cargo test -p steam-sockets-aeronet --release --no-default-features --features gns --test bench -- --ignored --nocapture --test-threads 1
//! ```
#![cfg(feature = "gns")]

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{connected, send, take_received};
use steam_sockets::ConfigValue;

/// Round trips timed (after 100 that warm up).
const ROUND_TRIPS: usize = 2000;
/// How long the throughput run lasts.
const RUN: Duration = Duration::from_secs(3);
/// Packets the server queues per update while flooding, of 64 bytes each.
const FLOOD_PER_UPDATE: usize = 200;

/// The library's rate limiter would otherwise be what is measured (256 MB/s: its highest).
fn options() -> Vec<ConfigValue> {
    vec![ConfigValue::SendRateMin(256 << 20), ConfigValue::SendRateMax(256 << 20)]
}

#[test]
#[ignore = "a measurement: run with --release --ignored --nocapture"]
fn round_trip() {
    let (mut server, mut clients, child) = connected(options());
    let client = &mut clients[0];
    let mut times = Vec::with_capacity(ROUND_TRIPS);
    for n in 0..ROUND_TRIPS + 100 {
        let sent = Instant::now();
        send(&mut client.app, client.entity, [Bytes::from(vec![n as u8; 16])]);
        loop {
            client.app.update();
            server.app.update();
            let got = take_received(&mut server.app, child);
            send(&mut server.app, child, got);
            if !take_received(&mut client.app, client.entity).is_empty() {
                break;
            }
            assert!(sent.elapsed() < common::DEADLINE, "no echo");
        }
        if n >= 100 {
            times.push(sent.elapsed());
        }
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "aeronet session echo round trip over steam-sockets-aeronet (GNS, loopback, both apps on one thread), \
         {ROUND_TRIPS} trips: mean {mean:?}, median {:?}, p99 {:?}",
        times[times.len() / 2],
        times[times.len() * 99 / 100]
    );
}

#[test]
#[ignore = "a measurement: run with --release --ignored --nocapture"]
fn throughput() {
    let (mut server, mut clients, child) = connected(options());
    let client = &mut clients[0];
    let payload = Bytes::from(vec![7u8; 64]);
    let (mut sent, mut received) = (0usize, 0usize);
    let start = Instant::now();
    while start.elapsed() < RUN {
        send(&mut server.app, child, std::iter::repeat_n(payload.clone(), FLOOD_PER_UPDATE));
        sent += FLOOD_PER_UPDATE;
        server.app.update();
        client.app.update();
        received += take_received(&mut client.app, client.entity).len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "aeronet unreliable 64-byte packets, server to client (GNS, loopback, SendRateMax 256 MB/s, \
         {FLOOD_PER_UPDATE} per server update): sent {:.0}/s, received {:.0}/s ({:.1} MB/s of payload)",
        sent as f64 / secs,
        received as f64 / secs,
        received as f64 * 64.0 / secs / 1e6
    );
}
