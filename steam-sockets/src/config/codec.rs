//! How each configuration value is represented in the library: its data type, range and unit.

use std::ffi::{CString, c_void};
use std::time::Duration;

use super::modes::{
    DebugOutputLevel, DualWifiMode, IceCandidatePolicy, IceCandidates, IceImplementation,
    UnencryptedPolicy,
};

/// The library's data types that this crate uses (never `Ptr`: no function pointers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataType {
    Int32,
    Int64,
    Float,
    String,
}

impl DataType {
    /// Size of a fixed-size value; 0 for strings.
    pub(crate) fn fixed_size(self) -> usize {
        match self {
            DataType::Int32 => size_of::<i32>(),
            DataType::Int64 => size_of::<i64>(),
            DataType::Float => size_of::<f32>(),
            DataType::String => 0,
        }
    }
}

/// A value in the library's representation, owning its string.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawValue {
    Int32(i32),
    Int64(i64),
    Float(f32),
    String(CString),
}

impl RawValue {
    pub(crate) fn data_type(&self) -> DataType {
        match self {
            RawValue::Int32(_) => DataType::Int32,
            RawValue::Int64(_) => DataType::Int64,
            RawValue::Float(_) => DataType::Float,
            RawValue::String(_) => DataType::String,
        }
    }

    /// The `pArg` of `SetConfigValue`: the C string itself for strings, a pointer to the
    /// number otherwise. Valid while `self` lives.
    pub(crate) fn as_arg(&self) -> *const c_void {
        match self {
            RawValue::Int32(v) => std::ptr::from_ref(v).cast(),
            RawValue::Int64(v) => std::ptr::from_ref(v).cast(),
            RawValue::Float(v) => std::ptr::from_ref(v).cast(),
            RawValue::String(s) => s.as_ptr().cast(),
        }
    }

    fn int32(self) -> Result<i32, String> {
        match self {
            RawValue::Int32(v) => Ok(v),
            other => Err(format!("expected an int32, got {other:?}")),
        }
    }
}

/// Why a value cannot be given to the library (`scope.rs` and `options.rs` turn it into an
/// [`Error`](crate::Error) naming the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Outside what the library's type holds: why.
    OutOfRange(String),
    /// A string with a NUL byte at this offset.
    InteriorNul(usize),
}

/// How one Rust value type is represented in the library: its data type, range and unit.
pub(crate) trait Codec {
    type Value;
    const DATA_TYPE: DataType;
    /// Converts for the library; refuses what the library type cannot hold.
    fn encode(value: &Self::Value) -> Result<RawValue, Refusal>;
    /// Converts what the library returned; the error says what was wrong with it.
    fn decode(raw: RawValue) -> Result<Self::Value, String>;
}

fn invalid(why: impl std::fmt::Display) -> Refusal {
    Refusal::OutOfRange(why.to_string())
}

/// A time in whole milliseconds (int32), truncated.
pub(crate) enum Millis {}

impl Codec for Millis {
    type Value = Duration;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(d: &Duration) -> Result<RawValue, Refusal> {
        let ms = i32::try_from(d.as_millis());
        ms.map(RawValue::Int32).map_err(|_| invalid(format!("{d:?} exceeds i32 milliseconds")))
    }
    fn decode(raw: RawValue) -> Result<Duration, String> {
        let ms = raw.int32()?;
        u64::try_from(ms).map(Duration::from_millis).map_err(|_| format!("{ms} ms is negative"))
    }
}

/// A time in whole microseconds (int32), truncated.
pub(crate) enum Micros {}

impl Codec for Micros {
    type Value = Duration;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(d: &Duration) -> Result<RawValue, Refusal> {
        let us = i32::try_from(d.as_micros());
        us.map(RawValue::Int32).map_err(|_| invalid(format!("{d:?} exceeds i32 microseconds")))
    }
    fn decode(raw: RawValue) -> Result<Duration, String> {
        let us = raw.int32()?;
        u64::try_from(us).map(Duration::from_micros).map_err(|_| format!("{us} µs is negative"))
    }
}

/// A time in (fractional) milliseconds, as a float.
pub(crate) enum FloatMillis {}

impl Codec for FloatMillis {
    type Value = Duration;
    const DATA_TYPE: DataType = DataType::Float;
    fn encode(d: &Duration) -> Result<RawValue, Refusal> {
        // f64 keeps sub-microsecond precision for any duration an f32 can hold.
        let ms = (d.as_secs_f64() * 1000.0) as f32;
        if ms.is_finite() {
            Ok(RawValue::Float(ms))
        } else {
            Err(invalid(format!("{d:?} exceeds f32 milliseconds")))
        }
    }
    fn decode(raw: RawValue) -> Result<Duration, String> {
        let RawValue::Float(ms) = raw else { return Err(format!("expected a float, got {raw:?}")) };
        Duration::try_from_secs_f64(f64::from(ms) / 1000.0)
            .map_err(|_| format!("{ms} ms is not a duration"))
    }
}

/// A count or size: non-negative int32.
pub(crate) enum Count {}

impl Codec for Count {
    type Value = u32;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(n: &u32) -> Result<RawValue, Refusal> {
        let n = i32::try_from(*n).map_err(|_| invalid(format!("{n} exceeds i32::MAX")))?;
        Ok(RawValue::Int32(n))
    }
    fn decode(raw: RawValue) -> Result<u32, String> {
        let n = raw.int32()?;
        u32::try_from(n).map_err(|_| format!("{n} is negative"))
    }
}

/// A switch: int32 0 or 1.
pub(crate) enum Flag {}

impl Codec for Flag {
    type Value = bool;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(on: &bool) -> Result<RawValue, Refusal> {
        Ok(RawValue::Int32(i32::from(*on)))
    }
    fn decode(raw: RawValue) -> Result<bool, String> {
        match raw.int32()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(format!("{other} is not 0 or 1")),
        }
    }
}

/// `IP_AllowWithoutAuth` levels 0 to 2, as a bool: 0 refuses, 1 and 2 allow.
pub(crate) enum AuthLevel {}

impl Codec for AuthLevel {
    type Value = bool;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(allow: &bool) -> Result<RawValue, Refusal> {
        Ok(RawValue::Int32(i32::from(*allow)))
    }
    fn decode(raw: RawValue) -> Result<bool, String> {
        match raw.int32()? {
            0 => Ok(false),
            1 | 2 => Ok(true),
            other => Err(format!("{other} is not an authentication level (0 to 2)")),
        }
    }
}

/// A virtual port, or -1 for none.
pub(crate) enum VirtualPort {}

impl Codec for VirtualPort {
    type Value = i32;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(port: &i32) -> Result<RawValue, Refusal> {
        if *port >= -1 {
            Ok(RawValue::Int32(*port))
        } else {
            Err(invalid(format!("{port} is not a virtual port (-1 or more)")))
        }
    }
    fn decode(raw: RawValue) -> Result<i32, String> {
        let port = raw.int32()?;
        if port >= -1 { Ok(port) } else { Err(format!("{port} is not a virtual port")) }
    }
}

/// An int64, any value.
pub(crate) enum Int64 {}

impl Codec for Int64 {
    type Value = i64;
    const DATA_TYPE: DataType = DataType::Int64;
    fn encode(v: &i64) -> Result<RawValue, Refusal> {
        Ok(RawValue::Int64(*v))
    }
    fn decode(raw: RawValue) -> Result<i64, String> {
        match raw {
            RawValue::Int64(v) => Ok(v),
            other => Err(format!("expected an int64, got {other:?}")),
        }
    }
}

/// A percentage: float, 0 to 100.
pub(crate) enum Percent {}

impl Codec for Percent {
    type Value = f32;
    const DATA_TYPE: DataType = DataType::Float;
    fn encode(p: &f32) -> Result<RawValue, Refusal> {
        // `contains` is false for NaN.
        if (0.0..=100.0).contains(p) {
            Ok(RawValue::Float(*p))
        } else {
            Err(invalid(format!("{p} is not a percentage between 0 and 100")))
        }
    }
    fn decode(raw: RawValue) -> Result<f32, String> {
        match raw {
            RawValue::Float(p) if (0.0..=100.0).contains(&p) => Ok(p),
            other => Err(format!("expected a percentage, got {other:?}")),
        }
    }
}

/// A string without NUL bytes, which the library copies.
pub(crate) enum Text {}

impl Codec for Text {
    type Value = String;
    const DATA_TYPE: DataType = DataType::String;
    fn encode(s: &String) -> Result<RawValue, Refusal> {
        CString::new(s.as_str())
            .map(RawValue::String)
            .map_err(|e| Refusal::InteriorNul(e.nul_position()))
    }
    fn decode(raw: RawValue) -> Result<String, String> {
        match raw {
            RawValue::String(s) => s.into_string().map_err(|e| format!("not UTF-8: {e}")),
            other => Err(format!("expected a string, got {other:?}")),
        }
    }
}

/// A switch with an automatic setting: int32 -1 (`None`), 0 or 1.
pub(crate) enum Auto {}

impl Codec for Auto {
    type Value = Option<bool>;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(v: &Option<bool>) -> Result<RawValue, Refusal> {
        Ok(RawValue::Int32(v.map_or(-1, i32::from)))
    }
    fn decode(raw: RawValue) -> Result<Option<bool>, String> {
        match raw.int32()? {
            -1 => Ok(None),
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            other => Err(format!("{other} is not -1, 0 or 1")),
        }
    }
}

/// A byte count, or -1 (`None`) for off.
pub(crate) enum TraceBytes {}

impl Codec for TraceBytes {
    type Value = Option<u32>;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(v: &Option<u32>) -> Result<RawValue, Refusal> {
        match *v {
            None => Ok(RawValue::Int32(-1)),
            Some(n) => Count::encode(&n),
        }
    }
    fn decode(raw: RawValue) -> Result<Option<u32>, String> {
        match raw.int32()? {
            -1 => Ok(None),
            n => u32::try_from(n).map(Some).map_err(|_| format!("{n} is not -1 or a size")),
        }
    }
}

/// An ECN codepoint 0 to 2, or -1 (`None`) for automatic.
pub(crate) enum EcnCodepoint {}

impl Codec for EcnCodepoint {
    type Value = Option<u8>;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(v: &Option<u8>) -> Result<RawValue, Refusal> {
        match *v {
            None => Ok(RawValue::Int32(-1)),
            Some(codepoint @ 0..=2) => Ok(RawValue::Int32(i32::from(codepoint))),
            Some(other) => Err(invalid(format!("{other} is not an ECN codepoint (0 to 2)"))),
        }
    }
    fn decode(raw: RawValue) -> Result<Option<u8>, String> {
        match raw.int32()? {
            -1 => Ok(None),
            n @ 0..=2 => u8::try_from(n).map(Some).map_err(|e| e.to_string()),
            other => Err(format!("{other} is not -1 or an ECN codepoint")),
        }
    }
}

/// Typed modes stored as an int32: each type lists its values, and a value the crate does not
/// know is reported rather than guessed.
trait IntMode: Sized {
    fn to_int(self) -> Result<i32, String>;
    fn from_int(raw: i32) -> Option<Self>;
}

macro_rules! mode_codecs {
    ($($mode:ty),* $(,)?) => {$(
        impl Codec for $mode {
            type Value = $mode;
            const DATA_TYPE: DataType = DataType::Int32;
            fn encode(mode: &$mode) -> Result<RawValue, Refusal> {
                <$mode as IntMode>::to_int(*mode).map(RawValue::Int32).map_err(invalid)
            }
            fn decode(raw: RawValue) -> Result<$mode, String> {
                let raw = raw.int32()?;
                <$mode as IntMode>::from_int(raw)
                    .ok_or_else(|| format!("{raw} is not a known {}", stringify!($mode)))
            }
        }
    )*};
}

mode_codecs!(
    UnencryptedPolicy,
    DualWifiMode,
    IceCandidatePolicy,
    IceImplementation,
    DebugOutputLevel
);

impl IntMode for UnencryptedPolicy {
    fn to_int(self) -> Result<i32, String> {
        Ok(match self {
            UnencryptedPolicy::Never => 0,
            UnencryptedPolicy::Allowed => 1,
            UnencryptedPolicy::Preferred => 2,
            UnencryptedPolicy::Required => 3,
        })
    }
    fn from_int(raw: i32) -> Option<Self> {
        Some(match raw {
            0 => UnencryptedPolicy::Never,
            1 => UnencryptedPolicy::Allowed,
            2 => UnencryptedPolicy::Preferred,
            3 => UnencryptedPolicy::Required,
            _ => return None,
        })
    }
}

impl IntMode for DualWifiMode {
    fn to_int(self) -> Result<i32, String> {
        Ok(match self {
            DualWifiMode::Disabled => 0,
            DualWifiMode::Enabled => 1,
            DualWifiMode::Simulated => 2,
        })
    }
    fn from_int(raw: i32) -> Option<Self> {
        Some(match raw {
            0 => DualWifiMode::Disabled,
            1 => DualWifiMode::Enabled,
            2 => DualWifiMode::Simulated,
            _ => return None,
        })
    }
}

impl IntMode for IceCandidatePolicy {
    fn to_int(self) -> Result<i32, String> {
        match self {
            IceCandidatePolicy::PlatformDefault if cfg!(feature = "gns") => {
                Err("GameNetworkingSockets has no platform default and would disable ICE; \
                 name the candidate kinds"
                    .into())
            }
            IceCandidatePolicy::PlatformDefault => Ok(-1),
            // Every flag is non-negative, so the library reads it as a bitmask.
            IceCandidatePolicy::Share(kinds) => Ok(kinds.bits()),
        }
    }
    fn from_int(raw: i32) -> Option<Self> {
        match raw {
            -1 => Some(IceCandidatePolicy::PlatformDefault),
            // Unknown bits are kept: ALL includes kinds this crate does not name.
            0.. => Some(IceCandidatePolicy::Share(IceCandidates::from_bits_retain(raw))),
            _ => None,
        }
    }
}

impl IntMode for IceImplementation {
    fn to_int(self) -> Result<i32, String> {
        Ok(match self {
            IceImplementation::Default => 0,
            IceImplementation::Native => 1,
            IceImplementation::WebRtc => 2,
        })
    }
    fn from_int(raw: i32) -> Option<Self> {
        Some(match raw {
            0 => IceImplementation::Default,
            1 => IceImplementation::Native,
            2 => IceImplementation::WebRtc,
            _ => return None,
        })
    }
}

impl IntMode for DebugOutputLevel {
    fn to_int(self) -> Result<i32, String> {
        Ok(DebugOutputLevel::to_int(self))
    }
    fn from_int(raw: i32) -> Option<Self> {
        DebugOutputLevel::from_int(raw)
    }
}
