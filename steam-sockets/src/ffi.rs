//! Small helpers shared by the modules that talk to the C API.

use std::ffi::{CString, c_char};

use crate::error::{Error, Result};

/// Copies `s` into a C string, refusing interior NULs (C would silently cut the string there).
pub(crate) fn c_string(what: &'static str, s: &str) -> Result<CString> {
    CString::new(s).map_err(|e| Error::InteriorNul { what, position: e.nul_position() })
}

/// Reads a NUL-terminated string out of a fixed C buffer; never reads past the buffer, even if
/// the library left it unterminated.
pub(crate) fn string_from_buf(buf: &[c_char]) -> String {
    // c_char is i8 or u8 depending on the target; the cast reinterprets the byte.
    let bytes: Vec<u8> = buf.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Runs `f` inside a function the library calls, returning `fallback` if `f` panics: a panic
/// must never unwind into C. (These functions run no user code; this is the last line of
/// defence against a bug of ours.)
pub(crate) fn no_unwind<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(fallback)
}
