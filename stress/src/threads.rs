//! Threads: 8 sender threads share two connections (four on each), one thread receives from
//! a poll group, another runs the callbacks and drains the events. Every message arrives
//! once, intact, and in the order its thread sent it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use steam_sockets::{ConnectionState, Error, Event, SendFlags};

use crate::common::{self, DEADLINE, Report, Tracker};
use crate::runner::Size;

const SENDERS: u32 = 8;

/// Runs the scenario.
pub fn run(size: Size) -> Report {
    let per_thread = size.pick(20_000u32, 2_000);
    Report::of("threads", |report| threads(report, per_thread))
}

fn threads(report: &mut Report, per_thread: u32) -> Result<(), String> {
    let sockets = common::init()?;
    let options = common::fast_options();
    let a = common::connect_pair(&sockets, &options)?;
    let b = common::connect_pair(&sockets, &options)?;
    let group = sockets.create_poll_group().map_err(|e| e.to_string())?;
    a.server.set_poll_group(Some(&group)).map_err(|e| e.to_string())?;
    b.server.set_poll_group(Some(&group)).map_err(|e| e.to_string())?;
    let clients = [Arc::new(a.client), Arc::new(b.client)];
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let total = u64::from(SENDERS) * u64::from(per_thread);

    // The events thread: callbacks and every event; any state change is a failure.
    let events_thread = {
        let (sockets, stop) = (sockets.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let events = sockets.events();
            let mut unexpected = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                sockets.run_callbacks();
                for event in events.try_iter() {
                    if let Event::ConnectionStatus(change) = event {
                        if change.info.state != ConnectionState::Connected {
                            unexpected.push(format!("{:?}", change.info.state));
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            unexpected
        })
    };
    // The receiver thread: one stream per sender thread, each in order.
    let receiver = std::thread::spawn(move || {
        let mut tracker = Tracker::default();
        let mut inbox = Vec::new();
        let start = Instant::now();
        while tracker.reliable + tracker.out_of_order + tracker.corrupted < total {
            inbox.clear();
            if let Err(e) = group.receive(&mut inbox, 1024) {
                return Err(format!("receive: {e}"));
            }
            inbox.iter().for_each(|m| tracker.take(m));
            if inbox.is_empty() {
                std::thread::sleep(Duration::from_micros(200));
            }
            if start.elapsed() > DEADLINE {
                break;
            }
        }
        Ok(tracker)
    });
    // The senders: thread `t` sends stream `t` on connection `t % 2`, retrying when full.
    let senders: Vec<_> = (0..SENDERS)
        .map(|t| {
            let conn = Arc::clone(&clients[(t % 2) as usize]);
            std::thread::spawn(move || -> Result<u64, String> {
                let mut full = 0;
                for seq in 0..per_thread {
                    let data = common::payload(t, seq, 16 + (seq as usize % 200));
                    loop {
                        match conn.send(&data, SendFlags::RELIABLE) {
                            Ok(_) => break,
                            Err(Error::SendBufferFull { .. }) => {
                                full += 1;
                                std::thread::sleep(Duration::from_micros(100));
                            }
                            Err(e) => return Err(format!("thread {t}: {e}")),
                        }
                    }
                }
                Ok(full)
            })
        })
        .collect();
    let mut full = 0;
    for sender in senders {
        full += sender.join().map_err(|_| "a sender thread panicked")??;
    }
    let tracker = receiver.join().map_err(|_| "the receiver thread panicked")??;
    stop.store(true, Ordering::Relaxed);
    let unexpected = events_thread.join().map_err(|_| "the events thread panicked")?;
    report.detail(format!(
        "{SENDERS} sender threads on 2 shared connections, {per_thread} messages each \
         ({full} SendBufferFull retries), 1 receiver thread, 1 events thread: {:.1} s",
        start.elapsed().as_secs_f64()
    ));
    report.check(unexpected.is_empty(), || format!("state changes: {unexpected:?}"));
    report.check(tracker.corrupted == 0, || format!("{} corrupted", tracker.corrupted));
    report.check((0..SENDERS).all(|t| tracker.received_on(t) == per_thread), || {
        "a thread's stream is incomplete".into()
    });
    report.sent += total;
    report.received += tracker.reliable;
    report.reliable_lost += total - tracker.reliable.min(total);
    report.out_of_order += tracker.out_of_order;
    drop((a.listener, a.server, b.listener, b.server));
    Ok(())
}
