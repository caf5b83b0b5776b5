//! Valve data centres (relay points of presence) and their codes.

use std::fmt;
use std::str::FromStr;

/// A Valve data center (relay point of presence), named by a short code such as `iad`
/// (Washington, DC) or `sto2`.
///
/// The `u32` is Valve's packing of the code (`SteamNetworkingPOPID`). [`Display`](fmt::Display)
/// and [`FromStr`] convert to and from the code; they round-trip for every value:
///
/// * a code of 3 or 4 lowercase ASCII letters or digits is written as itself;
/// * any other value (0, for example, which the library uses for "no data center") is written
///   as `0x` and 8 hexadecimal digits, a form that no code can take.
///
/// ```
/// use steam_sockets::PopId;
///
/// let iad: PopId = "iad".parse().unwrap();
/// assert_eq!(iad.to_string(), "iad");
/// assert_eq!(PopId(0).to_string().parse::<PopId>().unwrap(), PopId(0));
/// assert!("IAD".parse::<PopId>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PopId(pub u32);

impl PopId {
    /// `dev`: the data center Valve uses in non-production environments.
    pub const DEV: PopId = PopId(u32::from_be_bytes([0, b'd', b'e', b'v']));

    /// The code's characters, if the value is a 3- or 4-character code.
    ///
    /// Valve packs a code `abc` as the bytes `0 a b c` (most significant first) and, to stay
    /// compatible with that, a 4-character code `abcd` as `d a b c`: the fourth character goes
    /// in the most significant byte.
    fn code(self) -> Option<([u8; 4], usize)> {
        let [fourth, first, second, third] = self.0.to_be_bytes();
        let (chars, len) = if fourth == 0 {
            ([first, second, third, 0], 3)
        } else {
            ([first, second, third, fourth], 4)
        };
        chars[..len].iter().all(|&c| is_code_char(c)).then_some((chars, len))
    }
}

/// The characters Valve uses in data center codes.
fn is_code_char(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

impl fmt::Display for PopId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code() {
            Some((chars, len)) => {
                let code: String = chars[..len].iter().map(|&c| char::from(c)).collect();
                f.pad(&code)
            }
            None => write!(f, "{:#010x}", self.0),
        }
    }
}

impl fmt::Debug for PopId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PopId").field(&format_args!("{self}")).finish()
    }
}

/// Why a string is not a [`PopId`].
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParsePopIdError {
    /// A data center code has 3 or 4 characters.
    #[error("a data center code has 3 or 4 characters, not {length}")]
    Length {
        /// The number of characters in the input.
        length: usize,
    },
    /// A character that data center codes do not use.
    #[error("{character:?} at position {position} is not a lowercase ASCII letter or digit")]
    Character {
        /// The offending character.
        character: char,
        /// Its index, in characters.
        position: usize,
    },
    /// A string starting with `0x` that is not `0x` and exactly 8 hexadecimal digits.
    #[error("{input:?} is not 0x followed by 8 hexadecimal digits")]
    Hex {
        /// The rejected input.
        input: String,
    },
}

impl FromStr for PopId {
    type Err = ParsePopIdError;

    fn from_str(input: &str) -> Result<PopId, ParsePopIdError> {
        let length = input.chars().count();
        // No code is longer than 4 characters, so the longer `0x` form is unambiguous.
        if length > 4 && input.starts_with("0x") {
            let digits = &input[2..];
            let bad_hex = || ParsePopIdError::Hex { input: input.to_owned() };
            // `from_str_radix` alone would also accept a sign.
            if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad_hex());
            }
            return u32::from_str_radix(digits, 16).map(PopId).map_err(|_| bad_hex());
        }
        if let Some((position, character)) =
            input.chars().enumerate().find(|&(_, c)| !u8::try_from(c).is_ok_and(is_code_char))
        {
            return Err(ParsePopIdError::Character { character, position });
        }
        // All characters are ASCII now, so bytes are characters.
        match *input.as_bytes() {
            [first, second, third] => Ok(PopId(u32::from_be_bytes([0, first, second, third]))),
            [first, second, third, fourth] => {
                Ok(PopId(u32::from_be_bytes([fourth, first, second, third])))
            }
            _ => Err(ParsePopIdError::Length { length }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pop_ids_round_trip_known_codes() {
        // Valve's packing: "abc" is 0x00aabbcc; "abcd" is 0xddaabbcc.
        let iad = u32::from(b'i') << 16 | u32::from(b'a') << 8 | u32::from(b'd');
        assert_eq!("iad".parse::<PopId>(), Ok(PopId(iad)));
        assert_eq!(PopId(iad).to_string(), "iad");
        let sto2 =
            u32::from(b'2') << 24 | u32::from(b's') << 16 | u32::from(b't') << 8 | u32::from(b'o');
        assert_eq!("sto2".parse::<PopId>(), Ok(PopId(sto2)));
        assert_eq!(PopId(sto2).to_string(), "sto2");
        assert_eq!("dev".parse::<PopId>(), Ok(PopId::DEV));
        for code in ["ams", "fra", "sea", "lax", "tyo2", "canm", "000", "a1b2"] {
            let id: PopId = code.parse().unwrap();
            assert_eq!(id.to_string(), code);
            assert_eq!(format!("{id:?}"), format!("PopId({code})"));
        }
    }

    #[test]
    fn pop_ids_that_are_not_codes_round_trip_as_hex() {
        for raw in [0, 1, 0x0041_4243, 0x0069_6100, 0xffff_ffff, 0x0069_6164 | 0x8000_0000] {
            let id = PopId(raw);
            let text = id.to_string();
            assert_eq!(text.len(), 10, "{text}");
            assert_eq!(text.parse::<PopId>(), Ok(id), "{text}");
        }
        assert_eq!(PopId(0).to_string(), "0x00000000");
        assert_eq!("0x00696164".parse::<PopId>().unwrap().to_string(), "iad");
        assert_eq!("0xABCDEF01".parse::<PopId>(), Ok(PopId(0xabcd_ef01)));
        // Short strings starting with 0x are codes.
        assert_eq!("0x1".parse::<PopId>().unwrap().to_string(), "0x1");
        assert_eq!("0x1a".parse::<PopId>().unwrap().to_string(), "0x1a");
    }

    #[test]
    fn every_pop_id_round_trips() {
        // A spread of values, including every byte in every position (under Miri, which
        // interprets every step, every 17th byte: 0, 17, ..., 255).
        let step = if cfg!(miri) { 17 } else { 1 };
        for shift in [0, 8, 16, 24] {
            for byte in (0..=255u32).step_by(step) {
                for base in [0, 0x0069_6164, 0x3273_746f] {
                    let id = PopId(base ^ (byte << shift));
                    assert_eq!(id.to_string().parse::<PopId>(), Ok(id), "{:#x}", id.0);
                }
            }
        }
    }

    #[test]
    fn bad_pop_id_strings_give_typed_errors() {
        let length = |length| Err(ParsePopIdError::Length { length });
        let character =
            |character, position| Err(ParsePopIdError::Character { character, position });
        assert_eq!("".parse::<PopId>(), length(0));
        assert_eq!("ia".parse::<PopId>(), length(2));
        assert_eq!("iadxy".parse::<PopId>(), length(5));
        assert_eq!("IAD".parse::<PopId>(), character('I', 0));
        assert_eq!("ia d".parse::<PopId>(), character(' ', 2));
        assert_eq!("ia\0".parse::<PopId>(), character('\0', 2));
        assert_eq!("iaé".parse::<PopId>(), character('é', 2));
        assert_eq!("ééééé".parse::<PopId>(), character('é', 0));
        for hex in ["0x123", "0x1234567", "0x123456789", "0x+1234567", "0x1234567g", "0x1234567é"]
        {
            assert_eq!(hex.parse::<PopId>(), Err(ParsePopIdError::Hex { input: hex.into() }));
        }
        let error: crate::error::Error = "IAD".parse::<PopId>().unwrap_err().into();
        assert_eq!(
            error,
            crate::error::Error::PopIdParse(ParsePopIdError::Character {
                character: 'I',
                position: 0
            })
        );
    }
}
