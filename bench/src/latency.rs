//! `rtt-64`: ping-pong of one message between the two ends of a UDP loopback socket pair,
//! shared by the three sides. Each side provides the two ends ([`Echo`]); the driver times
//! every round trip.

use std::time::{Duration, Instant};

use crate::workload::{Measurement, Percentiles, Result, STALL_LIMIT, Workload, timed_section};

/// The two ends of one connection, as the ping-pong driver uses them.
pub(crate) trait Echo {
    /// Sends one reliable message without Nagle delay from end `end` (0 or 1).
    fn send(&mut self, end: usize) -> Result<()>;

    /// Receives what has arrived on end `end`, checks each message's size and content,
    /// releases it and returns how many there were.
    fn receive(&mut self, end: usize) -> Result<usize>;
}

/// A short warm-up, then `round_trips` timed round trips; the measurement counts round trips
/// as its messages and carries the percentiles of their times.
pub(crate) fn ping_pong(
    echo: &mut impl Echo,
    workload: &Workload,
    round_trips: u64,
) -> Result<Measurement> {
    round_trips_timed(echo, (round_trips / 10).max(1), &mut Vec::new())?;
    let mut samples = Vec::with_capacity(usize::try_from(round_trips).unwrap_or(0));
    let (elapsed, cpu) = timed_section(|| round_trips_timed(echo, round_trips, &mut samples));
    Ok(Measurement {
        elapsed: elapsed?,
        messages: round_trips,
        bytes: 2 * round_trips * workload.size as u64,
        rtt: Percentiles::of(&mut samples),
        ..cpu
    })
}

/// `count` round trips (0 -> 1 -> 0), each time pushed to `samples`.
fn round_trips_timed(
    echo: &mut impl Echo,
    count: u64,
    samples: &mut Vec<Duration>,
) -> Result<Duration> {
    let start = Instant::now();
    for _ in 0..count {
        let trip = Instant::now();
        echo.send(0)?;
        await_one(echo, 1)?;
        echo.send(1)?;
        await_one(echo, 0)?;
        samples.push(trip.elapsed());
    }
    Ok(start.elapsed())
}

/// Pause between receive calls while waiting for a reply. Busy-polling (spinning or
/// `yield_now`) keeps taking the library's lock and, on this 2-core machine, starved its
/// service thread: median round trips of 1-2 ms instead of about 0.2 ms, varying from run to
/// run. A short sleep gives the service thread the CPU.
const POLL_SLEEP: Duration = Duration::from_micros(10);

/// Polls `end` until exactly one message has arrived, for at most [`STALL_LIMIT`].
fn await_one(echo: &mut impl Echo, end: usize) -> Result<()> {
    let start = Instant::now();
    loop {
        match echo.receive(end)? {
            0 => {}
            1 => return Ok(()),
            n => return Err(format!("{n} messages arrived, one expected").into()),
        }
        if start.elapsed() > STALL_LIMIT {
            return Err(format!("no reply within {STALL_LIMIT:?}").into());
        }
        std::thread::sleep(POLL_SLEEP);
    }
}
