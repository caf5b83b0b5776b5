//! Figures for the README, over UDP on 127.0.0.1 (GNS backend), server and client each on a
//! thread of its own, ticking as fast as they can. Not run by default:
//!
//! ```sh
//! cargo test -p steam-sockets-renet --release --no-default-features --features gns --test bench -- --ignored --nocapture --test-threads 1
//! ```

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use renet::{ConnectionConfig, DefaultChannel, RenetClient, RenetServer};
use steam_sockets::{ConfigValue, Sockets};
use steam_sockets_renet::{ClientTransport, ServerConfig, ServerTransport};

/// Round trips timed.
const ROUND_TRIPS: usize = 2000;
/// How long the throughput run lasts.
const RUN: Duration = Duration::from_secs(3);
/// Size of each throughput message.
const MESSAGE: usize = 64;
/// Messages the server queues per tick while flooding (renet's default budget, 60 kB a tick,
/// would take 833; more than the library's 256 MB/s cap here, or the loop, can carry).
const FLOOD_PER_TICK: usize = 300;

/// The library's rate limiter would otherwise be what is measured (256 MB/s: its highest).
fn options() -> [ConfigValue; 2] {
    [ConfigValue::SendRateMin(256 << 20), ConfigValue::SendRateMax(256 << 20)]
}

/// Starts a server on its own thread: it echoes ReliableOrdered messages and, while `flood`
/// is set, sends `MESSAGE`-byte messages on Unreliable as fast as renet lets it. Returns the
/// address, the stop flag and the thread.
fn serve(flood: bool) -> (std::net::SocketAddr, Arc<AtomicBool>, std::thread::JoinHandle<()>) {
    let stop = Arc::new(AtomicBool::new(false));
    let mut transport =
        ServerTransport::new(Sockets::init_gns().unwrap(), ServerConfig::new(8)).unwrap();
    let addr = transport.listen_ip("127.0.0.1:0", &options()).unwrap();
    let thread_stop = Arc::clone(&stop);
    let thread = std::thread::spawn(move || {
        let mut server = RenetServer::new(ConnectionConfig::default());
        let payload = renet::Bytes::from(vec![7u8; MESSAGE]);
        let mut last = Instant::now();
        let start = Instant::now();
        while !thread_stop.load(Ordering::Relaxed) && start.elapsed() < common::DEADLINE {
            let now = Instant::now();
            server.update(now - last);
            last = now;
            transport.update(&mut server);
            for id in server.clients_id() {
                while let Some(m) = server.receive_message(id, DefaultChannel::ReliableOrdered) {
                    server.send_message(id, DefaultChannel::ReliableOrdered, m);
                }
                if flood {
                    for _ in 0..FLOOD_PER_TICK {
                        server.send_message(id, DefaultChannel::Unreliable, payload.clone());
                    }
                }
            }
            transport.send_packets(&mut server);
            std::thread::yield_now();
        }
    });
    (addr, stop, thread)
}

fn connect(addr: std::net::SocketAddr) -> (RenetClient, ClientTransport) {
    let mut client = RenetClient::new(ConnectionConfig::default());
    let mut transport =
        ClientTransport::connect_ip(Sockets::init_gns().unwrap(), addr, &options()).unwrap();
    let start = Instant::now();
    while !transport.is_connected() {
        client.update(Duration::from_millis(1));
        transport.update(&mut client);
        assert!(start.elapsed() < common::DEADLINE, "not connected");
        std::thread::sleep(Duration::from_millis(1));
    }
    (client, transport)
}

#[test]
#[ignore = "a measurement: run with --release --ignored --nocapture"]
fn round_trip() {
    let (addr, stop, server) = serve(false);
    let (mut client, mut transport) = connect(addr);
    let mut times = Vec::with_capacity(ROUND_TRIPS);
    let mut last = Instant::now();
    for n in 0..ROUND_TRIPS + 100 {
        let sent = Instant::now();
        client.send_message(DefaultChannel::ReliableOrdered, vec![n as u8; 16]);
        loop {
            let now = Instant::now();
            client.update(now - last);
            last = now;
            transport.update(&mut client);
            if client.receive_message(DefaultChannel::ReliableOrdered).is_some() {
                break;
            }
            transport.send_packets(&mut client).unwrap();
            assert!(sent.elapsed() < common::DEADLINE, "no echo");
            std::thread::yield_now();
        }
        if n >= 100 {
            times.push(sent.elapsed()); // the first 100 warm up
        }
    }
    stop.store(true, Ordering::Relaxed);
    server.join().unwrap();
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "renet ReliableOrdered echo round trip over steam-sockets-renet (GNS, loopback), {ROUND_TRIPS} trips: \
         mean {mean:?}, median {:?}, p99 {:?}",
        times[times.len() / 2],
        times[times.len() * 99 / 100]
    );
}

#[test]
#[ignore = "a measurement: run with --release --ignored --nocapture"]
fn unreliable_messages_per_second() {
    let (addr, stop, server) = serve(true);
    let (mut client, mut transport) = connect(addr);
    let mut last = Instant::now();
    let began_waiting = last;
    let mut received = 0u64;
    let mut first = None; // the first message: counting starts half a second later
    let mut start = None;
    loop {
        let now = Instant::now();
        client.update(now - last);
        last = now;
        transport.update(&mut client);
        let mut got = 0;
        while let Some(m) = client.receive_message(DefaultChannel::Unreliable) {
            assert_eq!(m.len(), MESSAGE);
            got += 1;
        }
        if got > 0 && first.is_none() {
            first = Some(now);
        }
        assert!(first.is_some() || now - began_waiting < common::DEADLINE, "no flood");
        if first.is_some_and(|first| now - first >= Duration::from_millis(500)) {
            let began = *start.get_or_insert(now);
            received += got;
            if now - began >= RUN {
                break;
            }
        }
        transport.send_packets(&mut client).unwrap();
        std::thread::yield_now();
    }
    let took = start.unwrap().elapsed();
    stop.store(true, Ordering::Relaxed);
    server.join().unwrap();
    let rate = received as f64 / took.as_secs_f64();
    println!(
        "renet Unreliable {MESSAGE}-byte messages received per second over steam-sockets-renet (GNS, loopback): \
         {rate:.0} ({:.1} MB/s of payload) over {took:.1?}",
        rate * MESSAGE as f64 / 1e6
    );
}
