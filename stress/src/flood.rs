//! Flood and back-pressure: a sender pushes reliable messages as fast as it can; when the send
//! buffer is full it gets [`Error::SendBufferFull`], keeps the message and resends it later;
//! every message arrives once, intact and in order, and the process never aborts.

use steam_sockets::{ConfigKey, ConfigValue, Error, Message, Outgoing, SendFlags, Sockets};

use crate::common::{self, Pair, Progress, Report, Tracker};
use crate::runner::Size;

/// Runs the scenario.
pub fn run(size: Size) -> Report {
    let mut report = Report::new("flood");
    let Some(sockets) = report.ok("init", common::init()) else { return report };
    let count = size.pick(300_000, 30_000);
    // 1 KiB messages queue ten times faster than the wire drains them, even in a slow build:
    // back-pressure is certain.
    let label = "default buffer, 1 KiB messages";
    let kib = size.pick(30_000, 8_000);
    flood(&sockets, &mut report, Case { label, buffer: None, count: kib, len: 1024 });
    // Small messages: whether the sender outruns the wire depends on the machine.
    let label = "default buffer, 64 B messages";
    flood(&sockets, &mut report, Case { label, buffer: None, count, len: 64 });
    flood(
        &sockets,
        &mut report,
        Case { label: "64 MiB buffer", buffer: Some(64 << 20), count, len: 64 },
    );
    if size.short {
        report.detail("largest buffer: skipped in the short form (it moves 256 MiB)");
    } else {
        // The largest value the crate accepts is i32::MAX; the library clamps it to its own
        // maximum, which is what applies.
        let buffer = largest_buffer(&sockets, &mut report);
        // 64 KiB messages: enough of them to fill that buffer and then some.
        let len = 64 * 1024;
        let count = buffer.map_or(0, |b| (b as usize / len + 512) as u32);
        flood(&sockets, &mut report, Case { label: "largest buffer", buffer, count, len });
    }
    report
}

/// Empty reliable messages, flooded with a send buffer of only 64 KiB. Before the crate
/// limited each connection's reliable backlog (`RELIABLE_BACKLOG_LIMIT`), this put more than
/// 65,535 reliable segments in flight and GameNetworkingSockets ended the process
/// (`CUtlLinkedList overflow!`, `AssertFatal` in `SNP_SerializeSegmentArray`) in 5 runs of 5:
/// the send buffer counts bytes waiting to be sent, not segments awaiting acknowledgement. Now
/// the sender meets back-pressure and everything arrives.
pub fn run_tiny(size: Size) -> Report {
    let mut report = Report::new("flood-tiny");
    let Some(sockets) = report.ok("init", common::init()) else { return report };
    let mut options = common::fast_options();
    options.push(ConfigValue::SendBufferSize(64 * 1024));
    let Some(pair) = report.ok("connect", common::connect_pair(&sockets, &options)) else {
        return report;
    };
    let count = size.pick(300_000u64, 300_000);
    let (mut sent, mut received, mut refused, mut inbox) = (0u64, 0u64, 0u64, Vec::new());
    let mut progress = Progress::start();
    while received < count {
        if let Err(e) = progress.check(|| format!("{received} of {count} arrived")) {
            report.fail(e);
            break;
        }
        while sent < count {
            match pair.client.send(b"", SendFlags::RELIABLE) {
                Ok(_) => sent += 1,
                Err(Error::SendBufferFull { .. }) => {
                    refused += 1;
                    break;
                }
                Err(e) => {
                    report.fail(format!("send: {e}"));
                    return report;
                }
            }
        }
        match pump_and_receive(&sockets, &pair, &mut inbox) {
            Ok(()) => {
                let arrived = inbox.iter().filter(|m| m.data().is_empty()).count() as u64;
                received += arrived;
                progress.advance(arrived);
            }
            Err(e) => {
                report.fail(e);
                return report;
            }
        }
    }
    report.detail(format!(
        "{received} of {count} empty reliable messages in {:.2} s, {refused} SendBufferFull \
         refusals (the reliable backlog limit)",
        progress.seconds()
    ));
    settle(report, sent, received)
}

/// Runs callbacks (dropping the events) and receives what has arrived at the server end into
/// `inbox`, emptied first.
fn pump_and_receive(
    sockets: &Sockets,
    pair: &Pair,
    inbox: &mut Vec<Message>,
) -> Result<(), String> {
    sockets.run_callbacks();
    let _ = sockets.events().try_iter().count();
    inbox.clear();
    pair.server.receive(inbox, 4096).map(drop).map_err(|e| format!("receive: {e}"))
}

/// Puts the counts of a flood in its report: what was not received is lost.
fn settle(mut report: Report, sent: u64, received: u64) -> Report {
    report.sent = sent;
    report.received = received;
    report.reliable_lost = sent - received.min(sent);
    report
}

/// The same library abort as [`run_tiny`] with ordinary 64-byte messages and the *default*
/// send buffer, once the send rate is forced up (`SendRateMin` = `SendRateMax` = 64 MiB/s, as a
/// benchmark would) and messages are queued in batches of 64: the receiver falls behind,
/// acknowledgements lag, and more than 65,535 reliable segments could be in flight. Without the
/// backlog limit it aborted in about one run of three; send buffers of 512 KiB, 4 MiB and
/// 64 MiB all aborted. Run only with `--only flood-fast`: at this forced rate the library may
/// also drop the connection (it never slows down for losses), so delivery is not promised; the
/// process no longer aborts.
pub fn run_fast(size: Size) -> Report {
    let mut report = Report::new("flood-fast");
    let Some(sockets) = report.ok("init", common::init()) else { return report };
    let rate = 64 << 20;
    let options = [ConfigValue::SendRateMin(rate), ConfigValue::SendRateMax(rate)];
    let Some(pair) = report.ok("connect", common::connect_pair(&sockets, &options)) else {
        return report;
    };
    let count = size.pick(300_000u32, 60_000);
    // One constant payload: the point is the rate at which the library is fed.
    let data = [7u8; 64];
    let (mut sent, mut received, mut inbox) = (0u32, 0u64, Vec::new());
    let mut progress = Progress::start();
    while received < u64::from(count) {
        if let Err(e) = progress.check(|| format!("{received} of {count} arrived")) {
            report.fail(e);
            break;
        }
        // Batches of 64 through `send_messages`, until the library pushes back.
        let mut refused = None;
        while sent < count && refused.is_none() {
            let outgoing = (sent..count.min(sent + 64)).map(|_| Outgoing {
                connection: &pair.client,
                data: (&data).into(),
                flags: SendFlags::RELIABLE,
                lane: 0,
            });
            sockets.send_messages(outgoing, |_, result| match result {
                Ok(_) if refused.is_none() => sent += 1,
                Ok(_) => {}
                Err(e) => refused = Some(e),
            });
        }
        match refused {
            None | Some(Error::SendBufferFull { .. } | Error::NotAttempted { .. }) => {}
            Some(e) => {
                report.fail(format!("send: {e}"));
                return report;
            }
        }
        match pump_and_receive(&sockets, &pair, &mut inbox) {
            Ok(()) => {
                received += inbox.len() as u64;
                progress.advance(inbox.len() as u64);
            }
            Err(e) => {
                report.fail(e);
                return report;
            }
        }
    }
    settle(report, u64::from(sent), received)
}

/// The send buffer size that applies when the largest value the crate accepts is set.
fn largest_buffer(sockets: &Sockets, report: &mut Report) -> Option<u32> {
    let set = sockets.set_global_config(&ConfigValue::SendBufferSize(i32::MAX as u32));
    report.ok("set SendBufferSize(i32::MAX)", set)?;
    let value = report.ok("read SendBufferSize", sockets.global_config(ConfigKey::SendBufferSize));
    report.ok("reset SendBufferSize", sockets.reset_global_config(ConfigKey::SendBufferSize));
    match value? {
        ConfigValue::SendBufferSize(bytes) => {
            report.detail(format!("largest send buffer (as clamped by the library): {bytes} B"));
            Some(bytes)
        }
        other => {
            report.fail(format!("SendBufferSize read back as {other:?}"));
            None
        }
    }
}

/// One flood: `count` reliable messages of `len` bytes with the send buffer at `buffer`
/// bytes (the library default if `None`).
#[derive(Debug, Clone, Copy)]
struct Case {
    label: &'static str,
    buffer: Option<u32>,
    count: u32,
    len: usize,
}

fn flood(sockets: &Sockets, report: &mut Report, case: Case) {
    let Case { label, buffer, count, len, .. } = case;
    if count == 0 {
        return;
    }
    let mut options = common::fast_options();
    options.extend(buffer.map(ConfigValue::SendBufferSize));
    let Some(pair) = report.ok("connect", common::connect_pair(sockets, &options)) else { return };
    let mut progress = Progress::start();
    let mut next = 0u32;
    let mut full = 0u64;
    let mut tracker = Tracker::default();
    let mut inbox = Vec::new();
    let events = sockets.events();
    while tracker.reliable < u64::from(count) {
        // Send until the library pushes back; the refused message is sent again next round.
        while next < count {
            match pair.client.send(&common::payload(0, next, len), SendFlags::RELIABLE) {
                Ok(_) => next += 1,
                Err(Error::SendBufferFull { .. }) => {
                    full += 1;
                    break;
                }
                Err(e) => return report.fail(format!("{label}: send {next}: {e}")),
            }
        }
        sockets.run_callbacks();
        for event in events.try_iter() {
            if let steam_sockets::Event::ConnectionStatus(change) = event {
                report.fail(format!("{label}: connection changed to {:?}", change.info.state));
            }
        }
        inbox.clear();
        if let Err(e) = pair.server.receive(&mut inbox, 4096) {
            return report.fail(format!("{label}: receive: {e}"));
        }
        inbox.iter().for_each(|m| tracker.take(m));
        progress.advance(inbox.len() as u64);
        if let Err(e) =
            progress.check(|| format!("{label}: {} of {count} arrived", tracker.reliable))
        {
            report.fail(e);
            break;
        }
    }
    let secs = progress.seconds();
    report.detail(format!(
        "{label}: {count} x {len} B reliable, send buffer {}: {full} SendBufferFull refusals, \
         all resent; {:.0} msg/s, {:.1} MB/s",
        buffer.map_or("default (512 KiB)".into(), |b| format!("{b} B")),
        f64::from(count) / secs,
        f64::from(count) * len as f64 / secs / 1e6,
    ));
    // Back-pressure must have happened where the sender certainly outruns the wire and the
    // flood outgrows the buffer.
    let certain =
        len >= 1024 && buffer.is_none_or(|b| u64::from(count) * len as u64 > u64::from(b));
    report.check(full > 0 || !certain, || format!("{label}: the sender never got SendBufferFull"));
    report.sent += u64::from(count);
    report.received += tracker.reliable;
    report.reliable_lost += u64::from(count) - tracker.reliable.min(u64::from(count));
    report.out_of_order += tracker.out_of_order;
    report.check(tracker.corrupted == 0, || format!("{label}: {} corrupted", tracker.corrupted));
}
