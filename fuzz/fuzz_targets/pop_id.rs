//! `PopId` parsing and writing. What the crate promises (`relay/pop.rs`):
//!
//! * `Display` and `FromStr` round-trip for every `u32` (the first four bytes of the input);
//! * whatever parses writes back to text that parses to the same value, and a 3- or
//!   4-character code writes back as itself;
//! * errors describe the input: its length in characters, or the offending character at its
//!   position, or the rejected `0x` text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use steam_sockets::{ParsePopIdError, PopId};

fuzz_target!(|data: &[u8]| {
    if let Some(raw) = data.first_chunk::<4>() {
        let id = PopId(u32::from_le_bytes(*raw));
        assert_eq!(id.to_string().parse::<PopId>(), Ok(id), "{:#x}", id.0);
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    match text.parse::<PopId>() {
        Ok(id) => {
            let written = id.to_string();
            assert_eq!(written.parse::<PopId>(), Ok(id), "{text:?} -> {written:?}");
            if !text.starts_with("0x") || text.len() <= 4 {
                assert_eq!(written, text, "a code writes back as itself");
            }
        }
        Err(ParsePopIdError::Length { length }) => {
            assert_eq!(length, text.chars().count(), "{text:?}");
            assert!(length != 3 && length != 4, "{text:?}");
        }
        Err(ParsePopIdError::Character { character, position }) => {
            assert_eq!(text.chars().nth(position), Some(character), "{text:?}");
        }
        Err(ParsePopIdError::Hex { input }) => {
            assert_eq!(input, text);
            assert!(text.starts_with("0x") && text.chars().count() > 4, "{text:?}");
        }
        Err(other) => panic!("{text:?}: an error of a new kind: {other:?}"),
    }
});
