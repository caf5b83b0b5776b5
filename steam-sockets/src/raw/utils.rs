//! `ISteamNetworkingUtils` on both backends: the clock, message allocation, configuration
//! values and the debug output function. (Its Steam-only functions, the relay network, pings
//! and FakeIP queries, are in `steam_only/`.)

use std::ffi::{CStr, c_void};

use steam_sockets_sys as sys;
use sys::ESteamNetworkingGetConfigValueResult as GetResult;

use super::api::Api;
use super::types::{ConnectionHandle, ListenSocketHandle};
use crate::config::ConfigKey;
use crate::config::codec::{DataType, RawValue};
use crate::config::modes::DebugOutputLevel;

/// The library's clock, in microseconds.
pub(crate) fn local_timestamp(api: Api) -> i64 {
    // SAFETY: live interface; no arguments.
    unsafe { sys::SteamAPI_ISteamNetworkingUtils_GetLocalTimestamp(api.utils()) }
}

// ---------------------------------------------------------------------------------------------
// Configuration values
// ---------------------------------------------------------------------------------------------

/// The object a value is set on or read from (`ESteamNetworkingConfigScope` and its object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Global,
    ListenSocket(ListenSocketHandle),
    Connection(ConnectionHandle),
}

impl Scope {
    fn to_raw(self) -> (sys::ESteamNetworkingConfigScope, isize) {
        use sys::ESteamNetworkingConfigScope as S;
        // The library takes the handle as `intptr_t` and converts it back to the 32-bit handle
        // type, so keeping the bit pattern is what it expects.
        match self {
            Scope::Global => (S::Global, 0),
            Scope::ListenSocket(handle) => (S::ListenSocket, handle as isize),
            Scope::Connection(handle) => (S::Connection, handle as isize),
        }
    }
}

fn data_type_to_raw(data_type: DataType) -> sys::ESteamNetworkingConfigDataType {
    use sys::ESteamNetworkingConfigDataType as T;
    match data_type {
        DataType::Int32 => T::Int32,
        DataType::Int64 => T::Int64,
        DataType::Float => T::Float,
        DataType::String => T::String,
    }
}

/// `SetConfigValue`: sets `value` at `scope`, or with `None` removes the setting there (at
/// global scope: restores the default). Whether the library took it: it says no alike for an
/// unknown key, a wrong scope, a dead object and a refused value.
pub(crate) fn set_config_value(
    api: Api,
    key: ConfigKey,
    scope: Scope,
    value: Option<&RawValue>,
) -> bool {
    let (scope_type, scope_object) = scope.to_raw();
    let (data_type, arg) = match value {
        Some(value) => (value.data_type(), value.as_arg()),
        None => (key.data_type(), std::ptr::null()),
    };
    // SAFETY: live interface. `value` outlives the call, and `as_arg` points to data of the
    // type passed with it: a C string for strings, the number itself otherwise, as
    // `SetConfigValue` expects (it copies the value, strings into its own storage, before
    // returning). A null argument is documented to remove the setting; the one case GNS
    // mishandles (ConnectionUserData on a connection) is refused by the caller.
    unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_SetConfigValue(
            api.utils(),
            key.to_raw(),
            scope_type,
            scope_object,
            data_type_to_raw(data_type),
            arg,
        )
    }
}

/// Gives a connection created without creation options (a socket pair's end) `callback` as
/// its connection-status handler. Whether the library took it.
pub(crate) fn set_connection_status_callback(
    api: Api,
    connection: ConnectionHandle,
    callback: *mut c_void,
) -> bool {
    let (scope_type, scope_object) = Scope::Connection(connection).to_raw();
    // SAFETY: live interface; a `Ptr` value is read through a pointer to the pointer, and the
    // caller passes a function of the signature the key expects.
    unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_SetConfigValue(
            api.utils(),
            sys::ESteamNetworkingConfigValue::Callback_ConnectionStatusChanged,
            scope_type,
            scope_object,
            sys::ESteamNetworkingConfigDataType::Ptr,
            (&raw const callback).cast(),
        )
    }
}

/// What `GetConfigValue` said about a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// Set on the object queried.
    Explicit,
    /// Inherited from a wider scope.
    Inherited,
    /// The library does not have this key.
    BadValue,
    /// No such object, or the key is of another scope.
    BadScopeObject,
}

/// Reads `key` at `scope` as `expected`. `Err` is what was unexpected about the library's
/// answer; `Ok((found, None))` when there is no value (`found` says why).
pub(crate) fn get_config_value(
    api: Api,
    key: ConfigKey,
    scope: Scope,
    expected: DataType,
) -> Result<(Found, Option<RawValue>), String> {
    match expected {
        DataType::String => get_string(api, key, scope),
        fixed => get_fixed(api, key, scope, fixed),
    }
}

fn found(result: GetResult) -> Result<Found, String> {
    match result {
        GetResult::OK => Ok(Found::Explicit),
        GetResult::OKInherited => Ok(Found::Inherited),
        GetResult::BadValue => Ok(Found::BadValue),
        GetResult::BadScopeObj => Ok(Found::BadScopeObject),
        other => Err(format!("GetConfigValue returned {other}")),
    }
}

/// Reads an int32, int64 or float value.
fn get_fixed(
    api: Api,
    key: ConfigKey,
    scope: Scope,
    expected: DataType,
) -> Result<(Found, Option<RawValue>), String> {
    let (scope_type, scope_object) = scope.to_raw();
    // The union is 8-byte aligned and 8 bytes long: room for any fixed-size value, aligned as
    // the library's typed store into it needs.
    let mut out = sys::SteamNetworkingConfigValue_t_Value { m_int64: 0 };
    let mut size = expected.fixed_size();
    // Preset to the expected type: GNS does not write it for MTU_DataSize (computed, int32).
    let expected_raw = data_type_to_raw(expected);
    let mut data_type = expected_raw;
    // SAFETY: live interface; `out` is writable for `size` bytes (at most 8) and suitably
    // aligned; `data_type` and `size` are writable.
    let result = unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_GetConfigValue(
            api.utils(),
            key.to_raw(),
            scope_type,
            scope_object,
            &mut data_type,
            (&raw mut out).cast::<c_void>(),
            &mut size,
        )
    };
    let found = found(result)?;
    if !matches!(found, Found::Explicit | Found::Inherited) {
        return Ok((found, None));
    }
    if data_type != expected_raw || size != expected.fixed_size() {
        return Err(format!(
            "expected {expected:?} ({} bytes), the library returned {data_type} ({size} bytes)",
            expected.fixed_size()
        ));
    }
    let value = match expected {
        // SAFETY: the whole union was initialised (as int64), and the library stored an int32
        // at its start (type and size checked above).
        DataType::Int32 => RawValue::Int32(unsafe { out.m_int32 }),
        // SAFETY: as above, an int64.
        DataType::Int64 => RawValue::Int64(unsafe { out.m_int64 }),
        // SAFETY: as above, a float.
        DataType::Float => RawValue::Float(unsafe { out.m_float }),
        // `get_config_value` reads strings with `get_string`; never guess at the union here.
        DataType::String => return Err("a string read as a number".to_owned()),
    };
    Ok((found, Some(value)))
}

/// Reads a string value, growing the buffer to the size the library asks for.
fn get_string(api: Api, key: ConfigKey, scope: Scope) -> Result<(Found, Option<RawValue>), String> {
    /// Room for typical values (server lists, cluster codes) in one call.
    const INITIAL_CAPACITY: usize = 256;
    /// Another thread may lengthen the value between calls; give up rather than loop forever.
    const ATTEMPTS: usize = 8;

    let (scope_type, scope_object) = scope.to_raw();
    let mut buf = vec![0u8; INITIAL_CAPACITY];
    for _ in 0..ATTEMPTS {
        let mut size = buf.len();
        let mut data_type = sys::ESteamNetworkingConfigDataType::String;
        // SAFETY: live interface; `buf` is writable for `size` bytes; `data_type` and `size`
        // are writable.
        let result = unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_GetConfigValue(
                api.utils(),
                key.to_raw(),
                scope_type,
                scope_object,
                &mut data_type,
                buf.as_mut_ptr().cast::<c_void>(),
                &mut size,
            )
        };
        if result == GetResult::BufferTooSmall {
            if size <= buf.len() {
                return Err(format!(
                    "the library asked for a {size}-byte buffer after refusing {} bytes",
                    buf.len()
                ));
            }
            buf.resize(size, 0);
            continue;
        }
        let found = found(result)?;
        if !matches!(found, Found::Explicit | Found::Inherited) {
            return Ok((found, None));
        }
        if data_type != sys::ESteamNetworkingConfigDataType::String {
            return Err(format!("expected a string, the library returned {data_type}"));
        }
        // `size` is what the library wrote, terminator included; never trust it past `buf`.
        let written = &buf[..size.min(buf.len())];
        let text = CStr::from_bytes_until_nul(written).map_err(|_| "an unterminated string")?;
        return Ok((found, Some(RawValue::String(text.to_owned()))));
    }
    Err(format!("the value kept growing over {ATTEMPTS} reads"))
}

/// Whether the library registered `key` as a global value; `None` if it does not have it.
pub(crate) fn config_key_is_global(api: Api, key: ConfigKey) -> Option<bool> {
    // MTU_DataSize is computed from MTU_PacketSize, and GNS does not register it on its own.
    let registered = if key == ConfigKey::MtuDataSize { ConfigKey::MtuPacketSize } else { key };
    let (_, scope) = config_value_info(api, registered)?;
    Some(scope == sys::ESteamNetworkingConfigScope::Global)
}

/// The data type and scope the library registered `key` with, or `None` if it lacks it.
fn config_value_info(
    api: Api,
    key: ConfigKey,
) -> Option<(sys::ESteamNetworkingConfigDataType, sys::ESteamNetworkingConfigScope)> {
    let mut data_type = sys::ESteamNetworkingConfigDataType::default();
    let mut scope = sys::ESteamNetworkingConfigScope::default();
    // SAFETY: live interface; both outputs are writable. The returned name is a static string
    // we only compare with null.
    let name = unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_GetConfigValueInfo(
            api.utils(),
            key.to_raw(),
            &mut data_type,
            &mut scope,
        )
    };
    (!name.is_null()).then_some((data_type, scope))
}

/// Whether the library no longer knows the scope's object.
pub(crate) fn config_object_is_gone(api: Api, key: ConfigKey, scope: Scope) -> bool {
    let (scope_type, scope_object) = scope.to_raw();
    let mut size = 0usize;
    // SAFETY: live interface; a null result with size 0 only asks for the size, which the
    // library writes to `size`; the data type output may be null.
    let result = unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_GetConfigValue(
            api.utils(),
            key.to_raw(),
            scope_type,
            scope_object,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut size,
        )
    };
    result == GetResult::BadScopeObj
}

/// The name the library gives `key`, for errors about keys it lacks.
pub(crate) fn config_key_name(key: ConfigKey) -> &'static str {
    key.to_raw().name().unwrap_or("this configuration value")
}

/// Options converted for a creation call. Owns everything the raw structs point to (strings),
/// so keep it alive until the call returns.
pub(crate) struct RawOptions {
    raw: Vec<sys::SteamNetworkingConfigValue_t>,
    /// The values `raw` points into (strings); only held, never touched, so the pointers stay
    /// valid.
    _values: Vec<RawValue>,
}

impl RawOptions {
    /// Options from checked values, plus the connection-status handler `status_callback`,
    /// which every object this crate creates carries.
    pub(crate) fn new(values: Vec<(ConfigKey, RawValue)>, status_callback: *mut c_void) -> Self {
        let mut raw = Vec::with_capacity(values.len() + 1);
        let mut kept = Vec::with_capacity(values.len());
        for (key, value) in values {
            let val = match &value {
                RawValue::Int32(v) => sys::SteamNetworkingConfigValue_t_Value { m_int32: *v },
                RawValue::Int64(v) => sys::SteamNetworkingConfigValue_t_Value { m_int64: *v },
                RawValue::Float(v) => sys::SteamNetworkingConfigValue_t_Value { m_float: *v },
                // Moving the CString into `kept` moves only its handle: the pointer still
                // points to the same heap bytes, which live as long as `RawOptions`.
                RawValue::String(s) => {
                    sys::SteamNetworkingConfigValue_t_Value { m_string: s.as_ptr() }
                }
            };
            raw.push(sys::SteamNetworkingConfigValue_t {
                m_eValue: key.to_raw(),
                m_eDataType: data_type_to_raw(value.data_type()),
                m_val: val,
            });
            kept.push(value);
        }
        raw.push(sys::SteamNetworkingConfigValue_t {
            m_eValue: sys::ESteamNetworkingConfigValue::Callback_ConnectionStatusChanged,
            m_eDataType: sys::ESteamNetworkingConfigDataType::Ptr,
            m_val: sys::SteamNetworkingConfigValue_t_Value { m_ptr: status_callback },
        });
        RawOptions { raw, _values: kept }
    }

    /// Number of options, as the C API takes it.
    pub(super) fn len(&self) -> std::ffi::c_int {
        // Saturating: no caller passes anywhere near i32::MAX options.
        std::ffi::c_int::try_from(self.raw.len()).unwrap_or(std::ffi::c_int::MAX)
    }

    /// Pointer to the first option (valid while `self` lives).
    pub(super) fn as_ptr(&self) -> *const sys::SteamNetworkingConfigValue_t {
        self.raw.as_ptr()
    }
}

// ---------------------------------------------------------------------------------------------
// Debug output
// ---------------------------------------------------------------------------------------------

/// Sets the library's debug output function, up to `level` (`None`: off).
pub(crate) fn set_debug_output_function(api: Api, level: DebugOutputLevel, on: bool) {
    let function: sys::FSteamNetworkingSocketsDebugOutput =
        if on { Some(super::callbacks::on_debug_output) } else { None };
    // SAFETY: live utils interface; the function (if any) is `on_debug_output`, which has the
    // signature the library expects, is valid for the whole process, tolerates calls from any
    // thread and a null message, and lets no panic escape.
    unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_SetDebugOutputFunction(
            api.utils(),
            sys::ESteamNetworkingSocketsDebugOutputType(level.to_int()),
            function,
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigValue;

    #[test]
    fn config_creation_options_own_their_strings() {
        let options = {
            let temporary = String::from("stun1.example.org,stun2.example.org");
            RawOptions::new(
                [
                    ConfigValue::SendBufferSize(4096),
                    ConfigValue::P2PStunServerList(temporary.clone()),
                    ConfigValue::P2PTurnUserList(temporary),
                ]
                .iter()
                .map(|v| (v.key(), v.to_raw_value().unwrap()))
                .collect(),
                std::ptr::null_mut(),
            )
        };
        // Churn the allocator so a dangling pointer would likely see other bytes.
        let churn: Vec<String> = (0..64).map(|i| format!("{i:0>64}")).collect();
        // The three options and the connection-status handler.
        assert_eq!(options.len(), 4);
        // SAFETY: `as_ptr` points to `len` initialised structs while `options` lives.
        let raw = unsafe { std::slice::from_raw_parts(options.as_ptr(), 4) };
        for entry in &raw[1..3] {
            assert_eq!(entry.m_eDataType, sys::ESteamNetworkingConfigDataType::String);
            // SAFETY: the data type says the string member is the one set.
            let ptr = unsafe { entry.m_val.m_string };
            // SAFETY: `options` owns the NUL-terminated string `ptr` points to.
            let text = unsafe { CStr::from_ptr(ptr) };
            assert_eq!(text.to_str().unwrap(), "stun1.example.org,stun2.example.org");
        }
        drop(churn);
    }

    /// Checks this crate's table against the library's own registry: same data type, same
    /// scope, for every key the backend has.
    #[cfg(feature = "gns")]
    #[test]
    fn config_table_matches_the_library() {
        let api = crate::Sockets::init_gns().unwrap().api();
        let mut known = 0;
        for &key in ConfigKey::ALL {
            let Some((data_type, scope)) = config_value_info(api, key) else { continue };
            known += 1;
            assert_eq!(data_type, data_type_to_raw(key.data_type()), "{key:?}");
            let global = scope == sys::ESteamNetworkingConfigScope::Global;
            assert_eq!(global, key.is_global_only(), "{key:?}");
        }
        assert!(known > 40, "only {known} keys known to the library");
    }
}
