//! What the benchmark needs from the operating system: CPU clocks, the open-file limit, a
//! free loopback port.

use std::time::Duration;

use crate::workload::Result;

/// CPU time consumed so far by the calling thread and by the whole process (zero where
/// the platform has no such clocks).
pub(crate) fn cpu_times() -> (Duration, Duration) {
    #[cfg(unix)]
    {
        let read = |clock| {
            let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
            // SAFETY: `ts` is writable; the clock ids are valid on every unix libc targets.
            if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
                return Duration::ZERO;
            }
            Duration::new(u64::try_from(ts.tv_sec).unwrap_or(0), ts.tv_nsec as u32)
        };
        (read(libc::CLOCK_THREAD_CPUTIME_ID), read(libc::CLOCK_PROCESS_CPUTIME_ID))
    }
    #[cfg(not(unix))]
    {
        (Duration::ZERO, Duration::ZERO)
    }
}

/// Raises the soft limit on open files to the hard limit: every client connection of a
/// `poll-N` workload has a UDP socket of its own, and `poll-5000` needs more than the common
/// default of 1,024. Returns the soft limit before and after (`None` where it cannot be read).
pub(crate) fn raise_open_file_limit() -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: `limit` is writable and RLIMIT_NOFILE is a valid resource.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            return None;
        }
        let before = limit.rlim_cur;
        limit.rlim_cur = limit.rlim_max;
        // SAFETY: as above; raising the soft limit up to the hard one needs no privilege.
        let raised = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } == 0;
        Some((before, if raised { limit.rlim_max } else { before }))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// A free UDP port on 127.0.0.1, found by binding port 0 and letting the socket go.
pub(crate) fn free_loopback_port() -> Result<u16> {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0")
        .map_err(|e| format!("cannot bind a UDP socket on 127.0.0.1: {e}"))?;
    let port = socket.local_addr().map_err(|e| format!("no local address: {e}"))?.port();
    Ok(port)
}
