//! Small helpers of the modules that talk to the C API: C strings in and out, and the panic
//! guard of every function the library calls.

use std::ffi::{CStr, CString, c_char};

use crate::error::{Error, Result};

/// Copies `s` into a C string, refusing interior NULs (C would silently cut the string there).
pub(crate) fn c_string(what: &'static str, s: &str) -> Result<CString> {
    CString::new(s).map_err(|e| Error::InteriorNul { what, position: e.nul_position() })
}

/// Reads a NUL-terminated string out of a fixed C buffer; never reads past the buffer, even if
/// the library left it unterminated.
pub(crate) fn string_from_buf(buf: &[c_char]) -> String {
    // SAFETY: `c_char` is `i8` or `u8`, of the size and alignment of `u8`, and every bit
    // pattern is a valid `u8`: the same memory, read as bytes, for as long as `buf`. (Mapping
    // each `c_char` to a `u8` instead cost a status event a tenth of its instructions.)
    let bytes = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), buf.len()) };
    // The standard library's NUL search is word-at-a-time, a byte loop was not.
    let text = CStr::from_bytes_until_nul(bytes).map_or(bytes, CStr::to_bytes);
    // One allocation at the exact length (none for an empty text), valid UTF-8 copied once;
    // `from_utf8_lossy` is kept for the rare invalid text, as it checks far more slowly.
    match std::str::from_utf8(text) {
        Ok(valid) => valid.to_owned(),
        Err(_) => String::from_utf8_lossy(text).into_owned(),
    }
}

/// Runs `f` inside a function the library calls, returning `fallback` if `f` panics: a panic
/// must never unwind into C. (These functions run no user code; this is the last line of
/// defence against a bug of ours, so the panic is logged, with its message, as an error.)
pub(crate) fn no_unwind<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        log::error!(
            "steam-sockets: a panic in a function the library called was stopped there (a bug \
             of steam-sockets; please report it): {}",
            panic_message(payload.as_ref())
        );
        fallback
    })
}

/// The message a panic carried, if it was a string.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a panic without a message)")
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::{c_char, no_unwind, string_from_buf};

    /// What the test logger saw (the only logger of this test binary).
    static RECORDS: Mutex<Vec<(log::Level, String)>> = Mutex::new(Vec::new());

    struct Capture;

    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }

        fn log(&self, record: &log::Record<'_>) {
            let entry = (record.level(), record.args().to_string());
            RECORDS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(entry);
        }

        fn flush(&self) {}
    }

    #[test]
    fn a_panic_stopped_at_the_boundary_is_logged_with_its_message() {
        static CAPTURE: Capture = Capture;
        log::set_logger(&CAPTURE).expect("no other logger in the crate's unit tests");
        log::set_max_level(log::LevelFilter::Error);
        assert_eq!(no_unwind(7, || 1), 1);
        assert_eq!(no_unwind(7, || panic!("bug number {}", 42)), 7);
        assert_eq!(no_unwind((), || std::panic::panic_any(3u8)), ());
        let records = RECORDS.lock().unwrap().clone();
        assert_eq!(records.len(), 2, "{records:?}");
        assert!(records.iter().all(|(level, _)| *level == log::Level::Error));
        assert!(records[0].1.ends_with("bug number 42"), "{records:?}");
        assert!(records[1].1.ends_with("(a panic without a message)"), "{records:?}");
    }

    #[test]
    fn strings_from_buffers_stop_at_the_nul_or_the_end_and_replace_bad_bytes() {
        let buf = |bytes: &[u8]| bytes.iter().map(|&b| b as c_char).collect::<Vec<_>>();
        assert_eq!(string_from_buf(&buf(b"#12 UDP\0junk")), "#12 UDP");
        assert_eq!(string_from_buf(&buf(b"\0")), "");
        assert_eq!(string_from_buf(&buf(b"no terminator")), "no terminator");
        assert_eq!(string_from_buf(&buf(b"ab\xffc\0")), "ab\u{FFFD}c");
    }
}
