//! The library's debug output reaches the `log` crate (GNS backend).
//!
//! A `log` logger is process-global, and so is the library's debug output setting: these tests
//! live in a binary of their own, and run one at a time.
#![cfg(feature = "gns")]

use std::sync::{Mutex, MutexGuard, Once, PoisonError};
use std::time::{Duration, Instant};

use steam_sockets::{DEBUG_OUTPUT_LOG_TARGET, DebugOutputLevel, Error, Sockets};
use steam_sockets_tests::{DEADLINE, Pair, listen};

/// One record the capturing logger saw.
#[derive(Debug, Clone)]
struct Captured {
    level: log::Level,
    target: String,
    text: String,
    thread: Option<String>,
}

/// Every record logged in this process, in order.
static CAPTURED: Mutex<Vec<Captured>> = Mutex::new(Vec::new());

struct CapturingLogger;

impl log::Log for CapturingLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let captured = Captured {
            level: record.level(),
            target: record.target().to_owned(),
            text: record.args().to_string(),
            thread: std::thread::current().name().map(str::to_owned),
        };
        CAPTURED.lock().unwrap_or_else(PoisonError::into_inner).push(captured);
    }

    fn flush(&self) {}
}

static LOGGER: CapturingLogger = CapturingLogger;

/// Installs the capturing logger (once) and takes the lock that runs these tests one at a time.
fn setup() -> MutexGuard<'static, ()> {
    static INSTALL: Once = Once::new();
    static SERIAL: Mutex<()> = Mutex::new(());
    INSTALL.call_once(|| {
        log::set_logger(&LOGGER).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The library's records captured so far.
fn library_records() -> Vec<Captured> {
    let captured = CAPTURED.lock().unwrap_or_else(PoisonError::into_inner);
    captured.iter().filter(|record| record.target == DEBUG_OUTPUT_LOG_TARGET).cloned().collect()
}

/// Waits until a library record after the first `skip` matches `wanted`; returns its index.
fn wait_for_record(skip: usize, wanted: impl Fn(&Captured) -> bool) -> (usize, Captured) {
    let start = Instant::now();
    loop {
        let records = library_records();
        if let Some(found) = records.iter().enumerate().skip(skip).find(|(_, r)| wanted(r)) {
            return (found.0, found.1.clone());
        }
        assert!(start.elapsed() < DEADLINE, "no matching record within {DEADLINE:?}: {records:#?}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// What GNS logs, at level Error, when it cannot create a listen socket.
fn is_listen_failure(record: &Captured) -> bool {
    record.text.contains("Cannot create listen socket")
}

#[test]
fn library_errors_reach_the_logger_from_the_forwarding_thread() {
    let _serial = setup();
    let sockets = Sockets::init_gns().unwrap();
    sockets.set_debug_output(DebugOutputLevel::Warning).unwrap();
    let skip = library_records().len();

    // Listening twice on one port makes the library log an error, on this thread, while it
    // holds its own lock.
    let listener = listen(&sockets, &[]);
    let addr = listener.local_addr().unwrap();
    let second = sockets.listen_ip(addr, &[]);
    assert_eq!(second.unwrap_err(), Error::Failed { function: "CreateListenSocketIP" });

    let (_, record) = wait_for_record(skip, is_listen_failure);
    assert_eq!(record.level, log::Level::Error);
    assert_eq!(record.target, "steam_sockets::library");
    assert_eq!(record.thread.as_deref(), Some("steam-sockets-log"));
    assert_eq!(record.text, record.text.trim_end(), "no trailing newline");
    sockets.set_debug_output(DebugOutputLevel::None).unwrap();
}

#[test]
fn level_none_turns_debug_output_off() {
    let _serial = setup();
    let sockets = Sockets::init_gns().unwrap();
    let listener = listen(&sockets, &[]);
    let addr = listener.local_addr().unwrap();

    // On: a port in use is logged.
    sockets.set_debug_output(DebugOutputLevel::Warning).unwrap();
    let skip = library_records().len();
    sockets.listen_ip(addr, &[]).unwrap_err();
    let (in_use_index, in_use) = wait_for_record(skip, is_listen_failure);

    // Off: the same failure is not.
    sockets.set_debug_output(DebugOutputLevel::None).unwrap();
    sockets.listen_ip(addr, &[]).unwrap_err();

    // On again: a different failure (an address this host does not have, TEST-NET-1). Records
    // are forwarded in order, so once it is logged, anything logged while off would be too.
    sockets.set_debug_output(DebugOutputLevel::Warning).unwrap();
    sockets.listen_ip((std::net::Ipv4Addr::new(192, 0, 2, 1), addr.port()), &[]).unwrap_err();
    let (not_here_index, not_here) =
        wait_for_record(in_use_index + 1, |r| is_listen_failure(r) && r.text != in_use.text);
    sockets.set_debug_output(DebugOutputLevel::None).unwrap();

    let records = library_records();
    let between = &records[in_use_index + 1..not_here_index];
    assert!(
        !between.iter().any(|r| r.text == in_use.text),
        "logged while off: {between:#?} (then {not_here:?})"
    );
}

#[test]
fn verbose_output_reaches_the_lower_log_levels() {
    let _serial = setup();
    let sockets = Sockets::init_gns().unwrap();
    sockets.set_debug_output(DebugOutputLevel::Verbose).unwrap();
    let skip = library_records().len();
    let pair = Pair::connect(&[]);
    let (_, record) =
        wait_for_record(skip, |r| matches!(r.level, log::Level::Info | log::Level::Debug));
    sockets.set_debug_output(DebugOutputLevel::None).unwrap();
    drop(pair);
    assert_eq!(record.thread.as_deref(), Some("steam-sockets-log"));
}

/// Set in the child process of `the_callback_backlog_assertion_is_counted_and_logged_once`.
const BACKLOG_CHILD: &str = "STEAM_SOCKETS_TEST_BACKLOG_CHILD";

#[test]
fn the_callback_backlog_assertion_is_counted_and_logged_once() {
    let _serial = setup();
    let name = "the_callback_backlog_assertion_is_counted_and_logged_once";
    if std::env::var_os(BACKLOG_CHILD).is_some() {
        // The child: the library asserts once for every callback queued while 100 or more
        // wait (here, the ends of 60 socket pairs, 120 callbacks, not yet pumped). The crate
        // counts those instead of copying each to standard error, and the drain that follows
        // logs one warning with the count.
        let sockets = Sockets::init_gns().unwrap();
        sockets.set_debug_output(DebugOutputLevel::Bug).unwrap();
        let skip = library_records().len();
        let pairs: Vec<_> = (0..60)
            .map(|_| {
                sockets.create_socket_pair(steam_sockets::PairTransport::InProcess, None).unwrap()
            })
            .collect();
        // Closing them queues one callback each (their end, reported as `None`).
        drop(pairs);
        sockets.run_callbacks();
        let (index, record) = wait_for_record(skip, |r| {
            r.text.starts_with("the library's callback queue backed up: ")
        });
        assert_eq!(record.level, log::Level::Warn);
        let count = record.text.strip_prefix("the library's callback queue backed up: ");
        let count: u64 = count.and_then(|rest| rest.split(' ').next()?.parse().ok()).unwrap();
        // One per callback past the hundredth: the 120 ends at least (180 here: the library
        // also reports one end of each pair connecting).
        assert!(count >= 20, "{record:?}");
        sockets.run_callbacks();
        std::thread::sleep(Duration::from_millis(200));
        let later = library_records().into_iter().skip(index + 1);
        assert!(later.filter(|r| r.text.contains("backed up")).count() == 0, "one warning only");
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(BACKLOG_CHILD, "1")
        .output()
        .unwrap();
    assert!(output.status.success(), "child: {output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("Callbacks backing up"), "stderr: {stderr}");
}
