//! The library's debug output, forwarded to the `log` crate.

use std::ffi::CStr;
use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use crossbeam_channel::{Receiver, Sender};

use crate::config::modes::DebugOutputLevel;
use crate::error::{Error, Result};
use crate::raw::{callbacks, utils};
use crate::sockets::Sockets;

/// The `log` target of the library's debug output.
pub const DEBUG_OUTPUT_LOG_TARGET: &str = "steam_sockets::library";

// Forwarding design. The library calls the output function from any of its threads, possibly
// while holding its global lock, and its header asks for a function that is thread-safe, fast
// and makes no library calls. A `log::Log` implementation is user code: it may block on I/O,
// take locks, or call back into this crate (deadlock on the library's lock), and it may panic.
// So the callback only copies the message and offers it to a bounded queue without blocking
// (counting what does not fit); a dedicated thread drains the queue and calls `log`, outside
// any library lock.

/// Messages the callback can hold before it starts dropping (and counting) them.
const DEBUG_OUTPUT_QUEUE_CAPACITY: usize = 1024;

/// One message, copied out of the library's buffer.
struct LibraryMessage {
    level: log::Level,
    text: String,
}

/// The queue to the forwarding thread; set once, when output is first turned on. The sender
/// lives in a static, so the thread never sees the channel close and runs for the rest of the
/// process, blocked on the queue when idle.
static DEBUG_OUTPUT_QUEUE: OnceLock<Sender<LibraryMessage>> = OnceLock::new();
/// Whether messages are forwarded. The library reads its function pointer without a lock, so
/// it may still call the callback just after output is turned off: this flag makes "off" exact.
static DEBUG_OUTPUT_ON: AtomicBool = AtomicBool::new(false);
/// Messages dropped because the queue was full, not yet reported.
static DEBUG_OUTPUT_DROPPED: AtomicU64 = AtomicU64::new(0);
/// The library's assertion that its callback queue holds 100 callbacks or more
/// (`InternalQueueCallback` in GameNetworkingSockets). It is not fatal and the queue keeps
/// growing, so nothing is lost; but it comes once per callback queued beyond 100, which after
/// a long stall of the application is thousands of identical lines. They are counted instead,
/// and summarised once per drain ([`report_callback_backlog`]).
const CALLBACK_BACKLOG_ASSERTION: &[u8] = b"Callbacks backing up";
/// Callback backlog assertions since the last drain.
static CALLBACK_BACKLOG: AtomicU64 = AtomicU64::new(0);
/// Serialises `set_debug_output`, so that the flag and the library's setting agree.
static DEBUG_OUTPUT_SETTING: Mutex<()> = Mutex::new(());

/// The queue, starting the forwarding thread on first use.
fn debug_output_queue() -> Result<&'static Sender<LibraryMessage>> {
    if let Some(queue) = DEBUG_OUTPUT_QUEUE.get() {
        return Ok(queue);
    }
    // Only `set_debug_output` gets here, with `DEBUG_OUTPUT_SETTING` held: one thread at most.
    let (queue, messages) = crossbeam_channel::bounded(DEBUG_OUTPUT_QUEUE_CAPACITY);
    std::thread::Builder::new()
        .name("steam-sockets-log".into())
        .spawn(move || forward_debug_output(&messages))
        .map_err(|e| Error::Thread { thread: "log", message: e.to_string() })?;
    Ok(DEBUG_OUTPUT_QUEUE.get_or_init(|| queue))
}

/// The forwarding thread: hands each message to `log`, reporting drops first.
fn forward_debug_output(messages: &Receiver<LibraryMessage>) {
    for message in messages {
        let dropped = DEBUG_OUTPUT_DROPPED.swap(0, Ordering::Relaxed);
        // A panicking logger must not stop the forwarding of later messages.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            if dropped > 0 {
                log::warn!(
                    target: DEBUG_OUTPUT_LOG_TARGET,
                    "{dropped} library debug message(s) dropped: the log thread fell behind"
                );
            }
            log::log!(target: DEBUG_OUTPUT_LOG_TARGET, message.level, "{}", message.text);
        }));
    }
}

/// Copies the library's message.
fn copy_message(message: Option<&CStr>) -> String {
    match message {
        // Some library messages end in a newline, which `log` adds itself.
        Some(text) => text.to_string_lossy().trim_end().to_owned(),
        None => String::from("(the library passed no message)"),
    }
}

/// Where the library's debug output function hands each message (see `raw/callbacks.rs`).
/// Runs no user code and never blocks.
fn on_debug_output(level: log::Level, bug: bool, message: Option<&CStr>) {
    // `log::max_level` is a plain atomic (not the user's logger): skip the copy of messages
    // that `log` would discard anyway.
    if !DEBUG_OUTPUT_ON.load(Ordering::Relaxed) || level > log::max_level() {
        return;
    }
    if bug && message.is_some_and(is_callback_backlog) {
        CALLBACK_BACKLOG.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let text = copy_message(message);
    if bug {
        // Assertions come at this level, and after a fatal one the library ends the process
        // at once (exit status 1), before the forwarding thread can log anything: standard
        // error gets the message now as well. A failed write has nowhere to go.
        let _ = writeln!(std::io::stderr(), "steam-sockets: library assertion: {text}");
    }
    // The queue exists whenever output is on; `try_send` fails only when it is full.
    let queued = DEBUG_OUTPUT_QUEUE
        .get()
        .is_some_and(|queue| queue.try_send(LibraryMessage { level, text }).is_ok());
    if !queued {
        DEBUG_OUTPUT_DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Whether `message` is the library's callback backlog assertion.
fn is_callback_backlog(message: &CStr) -> bool {
    let needle = CALLBACK_BACKLOG_ASSERTION;
    message.to_bytes().windows(needle.len()).any(|window| window == needle)
}

/// After the library's callback queue was drained: one warning for the backlog assertions the
/// library made since the last drain, if it made any (see [`CALLBACK_BACKLOG_ASSERTION`]).
fn report_callback_backlog() {
    if CALLBACK_BACKLOG.load(Ordering::Relaxed) == 0 {
        return;
    }
    let backlog = CALLBACK_BACKLOG.swap(0, Ordering::Relaxed);
    let text = format!(
        "the library's callback queue backed up: {backlog} callbacks queued beyond its 100 \
         before this drain (none lost). Call run_callbacks more often, or let \
         Sockets::spawn_callback_thread drain it"
    );
    let queued = DEBUG_OUTPUT_QUEUE.get().is_some_and(|queue| {
        queue.try_send(LibraryMessage { level: log::Level::Warn, text }).is_ok()
    });
    if !queued {
        DEBUG_OUTPUT_DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// The library's debug output.
impl Sockets {
    /// Forwards the library's debug output, up to `level` of detail, to the [`log`] crate,
    /// with target [`DEBUG_OUTPUT_LOG_TARGET`]; [`DebugOutputLevel::None`] turns it off. See
    /// [`DebugOutputLevel`] for the `log` level of each message. The setting is process-wide
    /// (the library has one output function), whichever `Sockets` sets it.
    ///
    /// Valve recommends [`Msg`](DebugOutputLevel::Msg) or
    /// [`Warning`](DebugOutputLevel::Warning) outside debugging: the library formats every
    /// message up to the chosen level even if `log` then discards it. The per-subsystem
    /// `LogLevel_*` configuration values can raise the detail of single subsystems.
    ///
    /// Messages reach your logger from a thread named `steam-sockets-log`, not from the thread
    /// that caused them. The library may emit output from any of its threads while holding
    /// its own lock, so the output function only copies each message into a bounded queue;
    /// the thread calls the logger, which can then take its time, take locks or call this
    /// crate without stalling or deadlocking the library. If the logger falls more than 1024
    /// messages behind, further messages are dropped and their number is logged as a warning.
    /// A logger that panics loses the message it panicked on, not the later ones.
    ///
    /// Messages at [`Bug`](DebugOutputLevel::Bug) level (the library's failed assertions) are
    /// also written to standard error at once: after a fatal one the library ends the process
    /// (exit status 1) before the thread could log it. One is not: GameNetworkingSockets
    /// asserts "Callbacks backing up" for every callback it queues while 100 or more wait for
    /// [`run_callbacks`](Sockets::run_callbacks). Its queue grows and loses nothing, so those
    /// are counted instead, and each drain that follows a backlog logs one warning with the
    /// count.
    ///
    /// ```no_run
    /// # fn main() -> steam_sockets::Result<()> {
    /// let sockets = steam_sockets::Sockets::init_gns()?;
    /// // With any `log` implementation installed (env_logger, tracing-log, ...):
    /// sockets.set_debug_output(steam_sockets::DebugOutputLevel::Warning)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Thread`](crate::Error::Thread) if the operating system cannot start the forwarding
    /// thread (the first time output is turned on).
    pub fn set_debug_output(&self, level: DebugOutputLevel) -> Result<()> {
        let _setting = DEBUG_OUTPUT_SETTING.lock().unwrap_or_else(PoisonError::into_inner);
        let on = level != DebugOutputLevel::None;
        if on {
            // Start the thread before the library can call the function.
            debug_output_queue()?;
            callbacks::set_debug_sink(on_debug_output);
            callbacks::set_drain_hook(report_callback_backlog);
        }
        DEBUG_OUTPUT_ON.store(on, Ordering::Relaxed);
        utils::set_debug_output_function(self.api(), level, on);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_messages_are_copied_safely() {
        assert!(!copy_message(None).is_empty());
        let bytes = c"bad \xff byte\n";
        assert_eq!(copy_message(Some(bytes)), "bad \u{fffd} byte");
        // The sink survives a null message whether or not output is on.
        on_debug_output(log::Level::Error, false, None);
    }

    #[test]
    fn the_callback_backlog_assertion_is_recognised_and_its_count_reset_by_a_drain() {
        // GameNetworkingSockets' text (`InternalQueueCallback`).
        let valve =
            c"Callbacks backing up and not being checked.  Need to check them more frequently!";
        assert!(is_callback_backlog(valve));
        assert!(!is_callback_backlog(c"Assertion Failed: m_nRefCount > 0"));
        CALLBACK_BACKLOG.fetch_add(3, Ordering::Relaxed);
        report_callback_backlog();
        assert_eq!(CALLBACK_BACKLOG.load(Ordering::Relaxed), 0);
    }
}
