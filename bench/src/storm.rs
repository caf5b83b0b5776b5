//! `connect-1000`, `events` and `memory`: many clients connect to one listen socket and are
//! accepted through the side's status events. One connect run gives all three figures; each
//! workload reports one of them.

use std::time::{Duration, Instant};

use crate::workload::{Measurement, Result, StormMetric, timed_section};

/// What a side's connect loop records about delivering status events.
#[derive(Debug, Default)]
pub(crate) struct Dispatch {
    /// Status events the application received.
    pub(crate) events: u64,
    /// Time spent delivering them: running the callbacks and taking the events.
    pub(crate) time: Duration,
}

impl Dispatch {
    /// Runs `deliver` (run the callbacks, take the events: returns them) and counts its time
    /// and the `len` of what it returned. For `events`, callgrind counts the instructions
    /// inside this function only (see `instr.rs`), so its name must not change.
    #[inline(never)]
    pub(crate) fn deliver<T>(
        &mut self,
        deliver: impl FnOnce() -> T,
        len: impl Fn(&T) -> usize,
    ) -> T {
        let start = Instant::now();
        let events = deliver();
        self.time += start.elapsed();
        self.events += len(&events) as u64;
        events
    }
}

/// The process's resident set size, bytes (`/proc/self/statm`).
pub(crate) fn resident_bytes() -> Result<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm")
        .map_err(|e| format!("cannot read /proc/self/statm: {e}"))?;
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("unexpected /proc/self/statm: {statm:?}"))?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Ok(pages * u64::try_from(page).map_err(|_| "no page size")?)
}

/// Connects `clients` clients through `connect` (which returns the side's connections, kept
/// until the memory has been read) and measures the run for `metric`. Fails unless every
/// connection produced its events (at least one on each end).
pub(crate) fn storm<S>(
    metric: StormMetric,
    clients: usize,
    connect: impl FnOnce(&mut Dispatch) -> Result<S>,
) -> Result<(Measurement, S)> {
    let mut dispatch = Dispatch::default();
    let before = resident_bytes()?;
    let ((setup, elapsed), cpu) = timed_section(|| {
        let start = Instant::now();
        let setup = connect(&mut dispatch);
        (setup, start.elapsed())
    });
    let setup = setup?;
    let after = resident_bytes()?;
    let expected = 2 * clients as u64;
    if dispatch.events < expected {
        return Err(format!(
            "{} status events for {clients} connections, expected at least {expected}",
            dispatch.events
        )
        .into());
    }
    let (messages, elapsed) = match metric {
        StormMetric::Connections | StormMetric::Memory => (clients as u64, elapsed),
        StormMetric::Events => (dispatch.events, dispatch.time),
    };
    let measurement =
        Measurement { elapsed, messages, rss_bytes: after.saturating_sub(before), ..cpu };
    Ok((measurement, setup))
}
