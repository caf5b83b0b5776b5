//! Conversions between the library's structs and enums and this crate's plain values. The only
//! code that reads or builds a C struct field by field; C enums are matched here and never
//! transmuted (values a newer library adds map to each type's `Unknown`/`Other` case).

use std::ffi::c_int;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use steam_sockets_sys as sys;
use sys::ESteamNetworkingIdentityType as Kind;

use super::ffi::string_from_buf;
use super::routes::Report;
use super::types::{ConnectionHandle, NO_HANDLE};
use crate::address::NetworkAddress;
use crate::connection::info::{
    ConnectionFlags, ConnectionInfo, ConnectionState, EndReason, LaneStatus, RealtimeStatus,
};
use crate::error::Result;
use crate::identity::{NetworkIdentity, StoredKind};
use crate::ids::ListenSocketId;
use crate::status::{Availability, FakeIpResult, FakeIpType, RelayNetworkStatus, ServiceStatus};

// ---------------------------------------------------------------------------------------------
// Addresses and identities
// ---------------------------------------------------------------------------------------------

/// `SocketAddr` to the library's form: IPv4 becomes the mapped address `::ffff:a.b.c.d`.
pub(crate) fn address_to_raw(addr: SocketAddr) -> sys::SteamNetworkingIPAddr {
    let addr = NetworkAddress::from(addr);
    sys::SteamNetworkingIPAddr { m_ipv6: addr.octets(), m_port: addr.port() }
}

/// The library's form to `SocketAddr`; mapped IPv4 addresses come back as IPv4.
pub(crate) fn address_from_raw(raw: &sys::SteamNetworkingIPAddr) -> SocketAddr {
    // Copies out of the packed struct: no reference to an unaligned field is taken.
    let (octets, port) = (raw.m_ipv6, raw.m_port);
    NetworkAddress::from_octets(octets, port).into()
}

/// `None` for the all-zero address the library reports when it has no address.
pub(crate) fn address_from_raw_nonzero(raw: &sys::SteamNetworkingIPAddr) -> Option<SocketAddr> {
    let (octets, port) = (raw.m_ipv6, raw.m_port);
    if octets == [0; 16] && port == 0 { None } else { Some(address_from_raw(raw)) }
}

/// The library's struct for `identity`.
///
/// # Errors
/// As [`NetworkIdentity::to_stored`]: an identity the library cannot hold.
pub(crate) fn identity_to_raw(identity: &NetworkIdentity) -> Result<sys::SteamNetworkingIdentity> {
    let (kind, bytes) = identity.to_stored()?;
    let kind = match kind {
        StoredKind::Invalid => Kind::Invalid,
        StoredKind::SteamId => Kind::SteamID,
        StoredKind::Psn => Kind::SonyPSN,
        StoredKind::Ip => Kind::IPAddress,
        StoredKind::GenericString => Kind::GenericString,
        StoredKind::XboxPairwise => Kind::XboxPairwiseID,
        StoredKind::GenericBytes => Kind::GenericBytes,
        StoredKind::UnknownText => Kind::UnknownType,
        StoredKind::Other(other) => Kind(other),
    };
    let mut raw = sys::SteamNetworkingIdentity { m_eType: kind, m_cbSize: 0, m_data: [0; 128] };
    // At most 128 bytes: `to_stored` bounds every kind.
    let len = bytes.len().min(raw.m_data.len());
    raw.m_cbSize = len as c_int;
    raw.m_data[..len].copy_from_slice(&bytes[..len]);
    Ok(raw)
}

/// Reads the library's struct.
pub(crate) fn identity_from_raw(raw: &sys::SteamNetworkingIdentity) -> NetworkIdentity {
    // The data (alignment 1) is read in place; the packed struct's other fields are copied.
    let (kind, size) = (raw.m_eType, raw.m_cbSize);
    let kind = match kind {
        Kind::Invalid => StoredKind::Invalid,
        Kind::SteamID => StoredKind::SteamId,
        Kind::SonyPSN => StoredKind::Psn,
        Kind::IPAddress => StoredKind::Ip,
        Kind::GenericString => StoredKind::GenericString,
        Kind::XboxPairwiseID => StoredKind::XboxPairwise,
        Kind::GenericBytes => StoredKind::GenericBytes,
        Kind::UnknownType => StoredKind::UnknownText,
        other => StoredKind::Other(other.0),
    };
    NetworkIdentity::from_stored(kind, &raw.m_data, usize::try_from(size).unwrap_or(0))
}

/// The library's struct for an optional identity, and a pointer to it (null for `None`) that
/// is valid while the returned struct lives... so the caller keeps the struct: see
/// [`identity_ptr`].
pub(crate) fn optional_identity(
    identity: Option<&NetworkIdentity>,
) -> Result<Option<sys::SteamNetworkingIdentity>> {
    identity.map(identity_to_raw).transpose()
}

/// A pointer to an optional identity struct, null for `None`.
pub(crate) fn identity_ptr(
    identity: &Option<sys::SteamNetworkingIdentity>,
) -> *const sys::SteamNetworkingIdentity {
    identity.as_ref().map_or(std::ptr::null(), std::ptr::from_ref)
}

// ---------------------------------------------------------------------------------------------
// Connections
// ---------------------------------------------------------------------------------------------

pub(crate) fn connection_state(raw: sys::ESteamNetworkingConnectionState) -> ConnectionState {
    use sys::ESteamNetworkingConnectionState as S;
    match raw {
        S::None => ConnectionState::None,
        S::Connecting => ConnectionState::Connecting,
        S::FindingRoute => ConnectionState::FindingRoute,
        S::Connected => ConnectionState::Connected,
        S::ClosedByPeer => ConnectionState::ClosedByPeer,
        S::ProblemDetectedLocally => ConnectionState::ProblemDetectedLocally,
        S::FinWait => ConnectionState::FinWait,
        S::Linger => ConnectionState::Linger,
        S::Dead => ConnectionState::Dead,
        other => ConnectionState::Unknown(other.0),
    }
}

pub(crate) fn connection_info(raw: &sys::SteamNetConnectionInfo_t) -> ConnectionInfo {
    // Fields of alignment 1 (the identity, the address, the texts) are read in place; the
    // struct is packed, so the others are copied out, and it is never copied whole (it is
    // 696 bytes, and this runs for every status event). An empty text (`end_debug` while
    // the connection is alive) allocates nothing.
    let listen = raw.m_hListenSocket;
    ConnectionInfo {
        state: connection_state(raw.m_eState),
        remote_identity: identity_from_raw(&raw.m_identityRemote),
        remote_addr: address_from_raw_nonzero(&raw.m_addrRemote),
        listen_socket: (listen != NO_HANDLE).then_some(ListenSocketId(listen)),
        user_data: raw.m_nUserData,
        end_reason: EndReason(raw.m_eEndReason),
        end_debug: string_from_buf(&raw.m_szEndDebug),
        description: string_from_buf(&raw.m_szConnectionDescription),
        flags: ConnectionFlags::from_bits_retain(raw.m_nFlags),
    }
}

/// A byte or packet count from the library; negative values (never expected) read as 0.
pub(super) fn count(n: c_int) -> usize {
    usize::try_from(n).unwrap_or(0)
}

/// A queue time from the library, which reports "unknown" as its largest value.
fn queue_time(us: i64) -> Option<Duration> {
    u64::try_from(us).ok().filter(|_| us != i64::MAX).map(Duration::from_micros)
}

fn lane_status(raw: &sys::SteamNetConnectionRealTimeLaneStatus_t) -> LaneStatus {
    LaneStatus {
        pending_unreliable: count(raw.m_cbPendingUnreliable),
        pending_reliable: count(raw.m_cbPendingReliable),
        sent_unacked_reliable: count(raw.m_cbSentUnackedReliable),
        queue_time: queue_time(raw.m_usecQueueTime),
    }
}

pub(crate) fn realtime_status(
    raw: &sys::SteamNetConnectionRealTimeStatus_t,
    lanes: &[sys::SteamNetConnectionRealTimeLaneStatus_t],
) -> RealtimeStatus {
    RealtimeStatus {
        state: connection_state(raw.m_eState),
        ping: u64::try_from(raw.m_nPing).ok().map(Duration::from_millis),
        quality_local: raw.m_flConnectionQualityLocal,
        quality_remote: raw.m_flConnectionQualityRemote,
        out_packets_per_sec: raw.m_flOutPacketsPerSec,
        out_bytes_per_sec: raw.m_flOutBytesPerSec,
        in_packets_per_sec: raw.m_flInPacketsPerSec,
        in_bytes_per_sec: raw.m_flInBytesPerSec,
        send_rate_bytes_per_sec: count(raw.m_nSendRateBytesPerSecond),
        pending_unreliable: count(raw.m_cbPendingUnreliable),
        pending_reliable: count(raw.m_cbPendingReliable),
        sent_unacked_reliable: count(raw.m_cbSentUnackedReliable),
        queue_time: queue_time(raw.m_usecQueueTime),
        max_jitter: u64::try_from(raw.m_usecMaxJitter).ok().map(Duration::from_micros),
        lanes: lanes.iter().map(lane_status).collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Status reports
// ---------------------------------------------------------------------------------------------

pub(crate) fn availability(raw: sys::ESteamNetworkingAvailability) -> Availability {
    use sys::ESteamNetworkingAvailability as A;
    match raw {
        A::CannotTry => Availability::CannotTry,
        A::Failed => Availability::Failed,
        A::Previously => Availability::Previously,
        A::Retrying => Availability::Retrying,
        A::NeverTried => Availability::NeverTried,
        A::Waiting => Availability::Waiting,
        A::Attempting => Availability::Attempting,
        A::Current => Availability::Current,
        A::Unknown => Availability::Unknown,
        other => Availability::Other(other.0),
    }
}

pub(crate) fn authentication_status(raw: &sys::SteamNetAuthenticationStatus_t) -> ServiceStatus {
    let message = raw.m_debugMsg;
    ServiceStatus { availability: availability(raw.m_eAvail), message: string_from_buf(&message) }
}

pub(crate) fn relay_network_status(raw: &sys::SteamRelayNetworkStatus_t) -> RelayNetworkStatus {
    // The struct is packed: copy the array out rather than borrow a field of it.
    let message = raw.m_debugMsg;
    RelayNetworkStatus {
        availability: availability(raw.m_eAvail),
        ping_measurement_in_progress: raw.m_bPingMeasurementInProgress != 0,
        network_config: availability(raw.m_eAvailNetworkConfig),
        any_relay: availability(raw.m_eAvailAnyRelay),
        message: string_from_buf(&message),
    }
}

pub(crate) fn fake_ip_result(raw: &sys::SteamNetworkingFakeIPResult_t) -> FakeIpResult {
    let (identity, ports) = (raw.m_identity, raw.m_unPorts);
    FakeIpResult {
        result: raw.m_eResult,
        identity: identity_from_raw(&identity),
        ip: Ipv4Addr::from(raw.m_unIP),
        ports: ports.into_iter().filter(|&p| p != 0).collect(),
    }
}

#[cfg_attr(not(feature = "steam"), allow(dead_code))] // only the Steam library answers
pub(crate) fn fake_ip_type(raw: sys::ESteamNetworkingFakeIPType) -> FakeIpType {
    use sys::ESteamNetworkingFakeIPType as T;
    match raw {
        T::Invalid => FakeIpType::Invalid,
        T::NotFake => FakeIpType::NotFake,
        T::GlobalIPv4 => FakeIpType::GlobalIpv4,
        T::LocalIPv4 => FakeIpType::LocalIpv4,
        other => FakeIpType::Other(other.0),
    }
}

// ---------------------------------------------------------------------------------------------
// Debug output
// ---------------------------------------------------------------------------------------------

/// The `log` level of a library message. Values this crate does not know are placed by their
/// number (lower is more important), so that nothing is lost.
pub(crate) fn log_level(kind: sys::ESteamNetworkingSocketsDebugOutputType) -> log::Level {
    use sys::ESteamNetworkingSocketsDebugOutputType as T;
    match kind {
        T::Bug | T::Error => log::Level::Error,
        T::Important | T::Warning => log::Level::Warn,
        T::Msg => log::Level::Info,
        T::Verbose => log::Level::Debug,
        T::Debug | T::Everything => log::Level::Trace,
        unknown if unknown < T::Bug => log::Level::Error,
        _ => log::Level::Trace,
    }
}

// ---------------------------------------------------------------------------------------------
// Callbacks
// ---------------------------------------------------------------------------------------------

/// What a [`Report`] says, as plain values.
pub(crate) enum Reported {
    /// A connection moved from `old_state` to `info.state`.
    ConnectionStatus {
        connection: ConnectionHandle,
        old_state: ConnectionState,
        info: ConnectionInfo,
    },
    AuthenticationStatus(ServiceStatus),
    RelayNetworkStatus(RelayNetworkStatus),
    FakeIpResult(FakeIpResult),
    SessionRequest(NetworkIdentity),
    SessionFailed(ConnectionInfo),
}

pub(crate) fn report(report: Report<'_>) -> Reported {
    match report {
        Report::ConnectionStatus(raw) => Reported::ConnectionStatus {
            connection: raw.m_hConn,
            old_state: connection_state(raw.m_eOldState),
            info: connection_info(&raw.m_info),
        },
        Report::AuthenticationStatus(raw) => {
            Reported::AuthenticationStatus(authentication_status(raw))
        }
        Report::RelayNetworkStatus(raw) => Reported::RelayNetworkStatus(relay_network_status(raw)),
        Report::FakeIpResult(raw) => Reported::FakeIpResult(fake_ip_result(raw)),
        Report::SessionRequest(raw) => {
            let identity = raw.m_identityRemote;
            Reported::SessionRequest(identity_from_raw(&identity))
        }
        Report::SessionFailed(raw) => {
            // Packed to 1, so the info is copied out (a rare event; status events are not).
            let info = raw.m_info;
            Reported::SessionFailed(connection_info(&info))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use sys::ESteamNetworkingSocketsDebugOutputType as T;

    #[test]
    fn fake_ip_types_convert_with_a_fallback() {
        use sys::ESteamNetworkingFakeIPType as F;
        assert_eq!(fake_ip_type(F::Invalid), FakeIpType::Invalid);
        assert_eq!(fake_ip_type(F::NotFake), FakeIpType::NotFake);
        assert_eq!(fake_ip_type(F::GlobalIPv4), FakeIpType::GlobalIpv4);
        assert_eq!(fake_ip_type(F::LocalIPv4), FakeIpType::LocalIpv4);
        assert_eq!(fake_ip_type(F(99)), FakeIpType::Other(99));
    }

    #[test]
    fn debug_output_levels_map_to_log_levels() {
        use log::Level;
        let expected = [
            (T::Bug, Level::Error),
            (T::Error, Level::Error),
            (T::Important, Level::Warn),
            (T::Warning, Level::Warn),
            (T::Msg, Level::Info),
            (T::Verbose, Level::Debug),
            (T::Debug, Level::Trace),
            (T::Everything, Level::Trace),
            // Unknown values, by number.
            (T::None, Level::Error),
            (T(-5), Level::Error),
            (T(9), Level::Trace),
            (T(i32::MAX), Level::Trace),
        ];
        for (kind, level) in expected {
            assert_eq!(log_level(kind), level, "{kind:?}");
        }
    }

    #[test]
    fn debug_output_levels_are_the_library_values() {
        use crate::config::modes::DebugOutputLevel as L;
        let expected = [
            (L::None, T::None),
            (L::Bug, T::Bug),
            (L::Error, T::Error),
            (L::Important, T::Important),
            (L::Warning, T::Warning),
            (L::Msg, T::Msg),
            (L::Verbose, T::Verbose),
            (L::Debug, T::Debug),
            (L::Everything, T::Everything),
        ];
        for (level, raw) in expected {
            assert_eq!(level.to_int(), raw.0, "{level:?}");
            assert_eq!(L::from_int(raw.0), Some(level));
        }
        assert_eq!(L::from_int(9), None);
        assert_eq!(L::from_int(-1), None);
    }
}
