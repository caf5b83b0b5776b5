//! Typed configuration values, passed when a listen socket or connection is created.

use std::time::Duration;

use steam_sockets_sys as sys;
use sys::ESteamNetworkingConfigValue as Key;

use crate::error::{Error, Result};

/// One configuration option.
///
/// Pass a slice of these when creating a listen socket or connection; connections accepted on a
/// listen socket inherit its options. Values are checked before they reach the library: an
/// out-of-range value gives [`Error::InvalidArgument`].
///
/// ```
/// use std::time::Duration;
/// use steam_sockets::ConfigValue;
///
/// let options = [
///     ConfigValue::TimeoutConnected(Duration::from_secs(5)),
///     ConfigValue::SendRateMax(1024 * 1024),
/// ];
/// # let _ = options;
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    /// Time to wait for a connection to be established (millisecond resolution).
    TimeoutInitial(Duration),
    /// Time without any reply from a connected peer before the connection is considered dead
    /// (millisecond resolution).
    TimeoutConnected(Duration),
    /// Upper limit of buffered pending bytes to be sent; beyond it sends fail with
    /// [`Error::SendBufferFull`].
    SendBufferSize(u32),
    /// Upper limit of buffered received bytes not yet read by the application.
    RecvBufferSize(u32),
    /// Upper limit of buffered received messages not yet read by the application.
    RecvBufferMessages(u32),
    /// Largest message the peer may send us; bigger ones close the connection.
    RecvMaxMessageSize(u32),
    /// Minimum send rate in bytes per second.
    SendRateMin(u32),
    /// Maximum send rate in bytes per second.
    SendRateMax(u32),
    /// Nagle delay: how long to wait for more small messages before sending a packet
    /// (microsecond resolution).
    NagleTime(Duration),
    /// UDP packet size, IP and UDP headers included.
    MtuPacketSize(u32),
    /// Accept unauthenticated IP connections (necessary without Steam: GNS cannot obtain a
    /// certificate). The default on GNS already allows them.
    IpAllowWithoutAuth(bool),
    /// Accept unauthenticated connections from localhost even when other IP connections must
    /// authenticate.
    IpLocalHostAllowWithoutAuth(bool),
    /// Symmetric connect mode (P2P): two hosts connecting to each other get one connection.
    SymmetricConnect(bool),
    /// The local virtual port of a P2P connection.
    LocalVirtualPort(i32),
    /// User data the connection starts with, reported in [`ConnectionInfo::user_data`](crate::ConnectionInfo::user_data)
    /// and [`Message::connection_user_data`](crate::Message::connection_user_data).
    ConnectionUserData(i64),
    /// Simulated loss of outgoing packets, in percent (0 to 100).
    FakePacketLossSend(f32),
    /// Simulated loss of incoming packets, in percent (0 to 100).
    FakePacketLossRecv(f32),
    /// Simulated latency of outgoing packets (millisecond resolution).
    FakePacketLagSend(Duration),
    /// Simulated latency of incoming packets (millisecond resolution).
    FakePacketLagRecv(Duration),
    /// Simulated reordering of outgoing packets, in percent (0 to 100).
    FakePacketReorderSend(f32),
    /// Simulated reordering of incoming packets, in percent (0 to 100).
    FakePacketReorderRecv(f32),
    /// Extra delay of reordered packets (millisecond resolution).
    FakePacketReorderTime(Duration),
    /// Simulated duplication of outgoing packets, in percent (0 to 100).
    FakePacketDupSend(f32),
    /// Simulated duplication of incoming packets, in percent (0 to 100).
    FakePacketDupRecv(f32),
    /// Largest delay of a duplicated packet (millisecond resolution).
    FakePacketDupTimeMax(Duration),
}

impl ConfigValue {
    /// Converts to the library's struct, checking ranges.
    pub(crate) fn to_raw(&self) -> Result<sys::SteamNetworkingConfigValue_t> {
        use ConfigValue as C;
        Ok(match *self {
            C::TimeoutInitial(d) => int32(Key::TimeoutInitial, millis(d)?),
            C::TimeoutConnected(d) => int32(Key::TimeoutConnected, millis(d)?),
            C::SendBufferSize(n) => int32(Key::SendBufferSize, positive(n)?),
            C::RecvBufferSize(n) => int32(Key::RecvBufferSize, positive(n)?),
            C::RecvBufferMessages(n) => int32(Key::RecvBufferMessages, positive(n)?),
            C::RecvMaxMessageSize(n) => int32(Key::RecvMaxMessageSize, positive(n)?),
            C::SendRateMin(n) => int32(Key::SendRateMin, positive(n)?),
            C::SendRateMax(n) => int32(Key::SendRateMax, positive(n)?),
            C::NagleTime(d) => int32(Key::NagleTime, micros(d)?),
            C::MtuPacketSize(n) => int32(Key::MTU_PacketSize, positive(n)?),
            C::IpAllowWithoutAuth(b) => int32(Key::IP_AllowWithoutAuth, b.into()),
            C::IpLocalHostAllowWithoutAuth(b) => int32(Key::IPLocalHost_AllowWithoutAuth, b.into()),
            C::SymmetricConnect(b) => int32(Key::SymmetricConnect, b.into()),
            C::LocalVirtualPort(p) => int32(Key::LocalVirtualPort, p),
            C::ConnectionUserData(v) => int64(Key::ConnectionUserData, v),
            C::FakePacketLossSend(p) => float(Key::FakePacketLoss_Send, percent(p)?),
            C::FakePacketLossRecv(p) => float(Key::FakePacketLoss_Recv, percent(p)?),
            C::FakePacketLagSend(d) => int32(Key::FakePacketLag_Send, millis(d)?),
            C::FakePacketLagRecv(d) => int32(Key::FakePacketLag_Recv, millis(d)?),
            C::FakePacketReorderSend(p) => float(Key::FakePacketReorder_Send, percent(p)?),
            C::FakePacketReorderRecv(p) => float(Key::FakePacketReorder_Recv, percent(p)?),
            C::FakePacketReorderTime(d) => int32(Key::FakePacketReorder_Time, millis(d)?),
            C::FakePacketDupSend(p) => float(Key::FakePacketDup_Send, percent(p)?),
            C::FakePacketDupRecv(p) => float(Key::FakePacketDup_Recv, percent(p)?),
            C::FakePacketDupTimeMax(d) => int32(Key::FakePacketDup_TimeMax, millis(d)?),
        })
    }
}

/// Converts options for a creation call.
pub(crate) fn to_raw_options(options: &[ConfigValue]) -> Result<RawOptions> {
    Ok(RawOptions { raw: options.iter().map(ConfigValue::to_raw).collect::<Result<_>>()? })
}

/// Options converted for a creation call. Owns everything the raw structs point to (strings),
/// so keep it alive until the call returns.
pub(crate) struct RawOptions {
    raw: Vec<sys::SteamNetworkingConfigValue_t>,
}

impl RawOptions {
    /// Number of options, as the C API takes it.
    pub(crate) fn len(&self) -> std::ffi::c_int {
        // Saturating: no caller passes anywhere near i32::MAX options.
        std::ffi::c_int::try_from(self.raw.len()).unwrap_or(std::ffi::c_int::MAX)
    }

    /// Pointer to the first option (valid while `self` lives).
    pub(crate) fn as_ptr(&self) -> *const sys::SteamNetworkingConfigValue_t {
        self.raw.as_ptr()
    }
}

fn value(
    key: Key,
    kind: sys::ESteamNetworkingConfigDataType,
    val: sys::SteamNetworkingConfigValue_t_Value,
) -> sys::SteamNetworkingConfigValue_t {
    sys::SteamNetworkingConfigValue_t { m_eValue: key, m_eDataType: kind, m_val: val }
}

fn int32(key: Key, v: i32) -> sys::SteamNetworkingConfigValue_t {
    let val = sys::SteamNetworkingConfigValue_t_Value { m_int32: v };
    value(key, sys::ESteamNetworkingConfigDataType::Int32, val)
}

fn int64(key: Key, v: i64) -> sys::SteamNetworkingConfigValue_t {
    let val = sys::SteamNetworkingConfigValue_t_Value { m_int64: v };
    value(key, sys::ESteamNetworkingConfigDataType::Int64, val)
}

fn float(key: Key, v: f32) -> sys::SteamNetworkingConfigValue_t {
    let val = sys::SteamNetworkingConfigValue_t_Value { m_float: v };
    value(key, sys::ESteamNetworkingConfigDataType::Float, val)
}

fn out_of_range(what: String) -> Error {
    Error::InvalidArgument(what)
}

fn millis(d: Duration) -> Result<i32> {
    i32::try_from(d.as_millis())
        .map_err(|_| out_of_range(format!("{d:?} exceeds i32 milliseconds")))
}

fn micros(d: Duration) -> Result<i32> {
    i32::try_from(d.as_micros())
        .map_err(|_| out_of_range(format!("{d:?} exceeds i32 microseconds")))
}

fn positive(n: u32) -> Result<i32> {
    i32::try_from(n).map_err(|_| out_of_range(format!("{n} exceeds i32::MAX")))
}

fn percent(p: f32) -> Result<f32> {
    if (0.0..=100.0).contains(&p) {
        Ok(p)
    } else {
        Err(out_of_range(format!("{p} is not a percentage between 0 and 100")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_carry_their_key_type_and_unit() {
        let raw = ConfigValue::TimeoutConnected(Duration::from_millis(1500)).to_raw().unwrap();
        assert_eq!(raw.m_eValue, Key::TimeoutConnected);
        assert_eq!(raw.m_eDataType, sys::ESteamNetworkingConfigDataType::Int32);
        // SAFETY: the data type says the int32 member is the one set.
        assert_eq!(unsafe { raw.m_val.m_int32 }, 1500);

        let raw = ConfigValue::NagleTime(Duration::from_millis(2)).to_raw().unwrap();
        // SAFETY: as above.
        assert_eq!(unsafe { raw.m_val.m_int32 }, 2000, "Nagle time is in microseconds");

        let raw = ConfigValue::ConnectionUserData(-7).to_raw().unwrap();
        assert_eq!(raw.m_eDataType, sys::ESteamNetworkingConfigDataType::Int64);
        // SAFETY: the data type says the int64 member is the one set.
        assert_eq!(unsafe { raw.m_val.m_int64 }, -7);
    }

    #[test]
    fn out_of_range_values_are_refused() {
        assert!(ConfigValue::SendBufferSize(u32::MAX).to_raw().is_err());
        assert!(ConfigValue::FakePacketLossSend(101.0).to_raw().is_err());
        assert!(ConfigValue::FakePacketLossSend(f32::NAN).to_raw().is_err());
        assert!(ConfigValue::TimeoutInitial(Duration::from_secs(u64::MAX)).to_raw().is_err());
    }
}
