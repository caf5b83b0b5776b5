//! Network identities: who is on the other end of a connection.

use std::net::{Ipv6Addr, SocketAddr};

use steam_sockets_sys as sys;
use sys::ESteamNetworkingIdentityType as Kind;

use crate::address;
use crate::error::{Error, Result};

/// A 64-bit Steam ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SteamId(pub u64);

/// The identity of a host: a Steam ID, an IP address, or an application-defined name.
///
/// Authenticated connections (Steam) carry the peer's Steam ID; unauthenticated IP connections
/// carry the peer's address.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NetworkIdentity {
    /// No identity.
    Invalid,
    /// A Steam user or game server.
    SteamId(SteamId),
    /// An IP address and port.
    Ip(SocketAddr),
    /// This host (`[::1]`, port 0): what an unauthenticated local peer reports.
    LocalHost,
    /// An application-defined string of at most 31 bytes, without NUL.
    GenericString(String),
    /// Application-defined bytes, at most 32.
    GenericBytes(Vec<u8>),
    /// An Xbox pairwise id (1 to 32 bytes).
    XboxPairwise(String),
    /// A Sony PSN id.
    Psn(u64),
    /// A kind this crate does not know, by its raw `ESteamNetworkingIdentityType` value.
    Unknown(i32),
}

/// Longest generic string, excluding the terminating NUL.
const MAX_GENERIC_STRING: usize = sys::k_cchSteamNetworkingIdentityMaxGenericString - 1;
/// Longest Xbox pairwise id, excluding the terminating NUL.
const MAX_XBOX_ID: usize = 32;

impl NetworkIdentity {
    /// Converts to the library's struct.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if a string or byte identity is too long or empty, and
    /// [`Error::InteriorNul`] if a string identity contains NUL.
    pub(crate) fn to_raw(&self) -> Result<sys::SteamNetworkingIdentity> {
        let mut raw =
            sys::SteamNetworkingIdentity { m_eType: Kind::Invalid, m_cbSize: 0, m_data: [0; 128] };
        let (kind, bytes): (Kind, Vec<u8>) = match self {
            NetworkIdentity::Invalid => return Ok(raw),
            NetworkIdentity::SteamId(id) => (Kind::SteamID, id.0.to_ne_bytes().to_vec()),
            NetworkIdentity::Psn(id) => (Kind::SonyPSN, id.to_ne_bytes().to_vec()),
            NetworkIdentity::Ip(addr) => (Kind::IPAddress, ip_bytes(*addr)),
            NetworkIdentity::LocalHost => {
                (Kind::IPAddress, ip_bytes(SocketAddr::new(Ipv6Addr::LOCALHOST.into(), 0)))
            }
            NetworkIdentity::GenericString(s) => {
                (Kind::GenericString, c_bytes("generic string identity", s, 0, MAX_GENERIC_STRING)?)
            }
            NetworkIdentity::XboxPairwise(s) => {
                (Kind::XboxPairwiseID, c_bytes("Xbox pairwise identity", s, 1, MAX_XBOX_ID)?)
            }
            NetworkIdentity::GenericBytes(b) => {
                if b.len() > sys::k_cbSteamNetworkingIdentityMaxGenericBytes {
                    return Err(Error::InvalidArgument(format!(
                        "generic bytes identity of {} bytes; the limit is {}",
                        b.len(),
                        sys::k_cbSteamNetworkingIdentityMaxGenericBytes
                    )));
                }
                (Kind::GenericBytes, b.clone())
            }
            NetworkIdentity::Unknown(kind) => {
                return Err(Error::InvalidArgument(format!(
                    "cannot build an identity of unknown type {kind}"
                )));
            }
        };
        raw.m_eType = kind;
        raw.m_cbSize = bytes.len() as i32; // at most 128: every arm above is bounded
        raw.m_data[..bytes.len()].copy_from_slice(&bytes);
        Ok(raw)
    }

    /// Reads the library's struct. Never reads past the union, whatever `m_cbSize` says.
    pub(crate) fn from_raw(raw: &sys::SteamNetworkingIdentity) -> NetworkIdentity {
        let data = raw.m_data;
        let size = usize::try_from(raw.m_cbSize).unwrap_or(0).min(data.len());
        let u64_at_start = || u64::from_ne_bytes(data[..8].try_into().expect("8 bytes"));
        let c_str = || {
            let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
            String::from_utf8_lossy(&data[..end]).into_owned()
        };
        match raw.m_eType {
            Kind::Invalid => NetworkIdentity::Invalid,
            Kind::SteamID => NetworkIdentity::SteamId(SteamId(u64_at_start())),
            Kind::SonyPSN => NetworkIdentity::Psn(u64_at_start()),
            Kind::IPAddress => {
                let mut ip = [0u8; 16];
                ip.copy_from_slice(&data[..16]);
                let port = u16::from_ne_bytes([data[16], data[17]]);
                let addr =
                    address::from_raw(&sys::SteamNetworkingIPAddr { m_ipv6: ip, m_port: port });
                if addr == SocketAddr::new(Ipv6Addr::LOCALHOST.into(), 0) {
                    NetworkIdentity::LocalHost
                } else {
                    NetworkIdentity::Ip(addr)
                }
            }
            Kind::GenericString => NetworkIdentity::GenericString(c_str()),
            Kind::XboxPairwiseID => NetworkIdentity::XboxPairwise(c_str()),
            Kind::GenericBytes => NetworkIdentity::GenericBytes(data[..size].to_vec()),
            other => NetworkIdentity::Unknown(other.0),
        }
    }
}

fn ip_bytes(addr: SocketAddr) -> Vec<u8> {
    let raw = address::to_raw(addr);
    let port = raw.m_port;
    let mut bytes = raw.m_ipv6.to_vec();
    bytes.extend_from_slice(&port.to_ne_bytes());
    bytes
}

/// `s` plus its terminating NUL, checked against `min..=max` bytes.
fn c_bytes(what: &'static str, s: &str, min: usize, max: usize) -> Result<Vec<u8>> {
    if let Some(position) = s.bytes().position(|b| b == 0) {
        return Err(Error::InteriorNul { what, position });
    }
    if s.len() < min || s.len() > max {
        return Err(Error::InvalidArgument(format!(
            "{what} of {} bytes; it must be {min} to {max} bytes",
            s.len()
        )));
    }
    let mut bytes = s.as_bytes().to_vec();
    bytes.push(0);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(id: NetworkIdentity) {
        let raw = id.to_raw().unwrap();
        assert_eq!(NetworkIdentity::from_raw(&raw), id);
    }

    #[test]
    fn every_kind_round_trips_through_the_raw_struct() {
        round_trip(NetworkIdentity::Invalid);
        round_trip(NetworkIdentity::SteamId(SteamId(76561197960287930)));
        round_trip(NetworkIdentity::Psn(42));
        round_trip(NetworkIdentity::Ip("10.0.0.1:27015".parse().unwrap()));
        round_trip(NetworkIdentity::Ip("[2001:db8::1]:1".parse().unwrap()));
        round_trip(NetworkIdentity::LocalHost);
        round_trip(NetworkIdentity::GenericString("a".repeat(31)));
        round_trip(NetworkIdentity::GenericBytes(vec![0, 1, 2, 255]));
        round_trip(NetworkIdentity::XboxPairwise("x".into()));
    }

    #[test]
    fn raw_layout_matches_the_c_setters() {
        let raw = NetworkIdentity::GenericString("hi".into()).to_raw().unwrap();
        let size = raw.m_cbSize;
        assert_eq!(size, 3, "length includes the NUL, as SetGenericString does");
        assert_eq!(&raw.m_data[..3], b"hi\0");
        let raw = NetworkIdentity::SteamId(SteamId(7)).to_raw().unwrap();
        let size = raw.m_cbSize;
        assert_eq!(size, 8);
    }

    #[test]
    fn oversize_and_nul_strings_are_refused() {
        assert!(matches!(
            NetworkIdentity::GenericString("a".repeat(32)).to_raw(),
            Err(Error::InvalidArgument(_))
        ));
        assert_eq!(
            NetworkIdentity::GenericString("a\0b".into()).to_raw().err(),
            Some(Error::InteriorNul { what: "generic string identity", position: 1 })
        );
        assert!(NetworkIdentity::GenericBytes(vec![0; 33]).to_raw().is_err());
        assert!(NetworkIdentity::XboxPairwise(String::new()).to_raw().is_err());
    }

    #[test]
    fn a_hostile_size_field_cannot_read_past_the_union() {
        let mut raw = NetworkIdentity::GenericBytes(vec![1; 4]).to_raw().unwrap();
        raw.m_cbSize = 10_000;
        assert_eq!(
            NetworkIdentity::from_raw(&raw),
            NetworkIdentity::GenericBytes({
                let mut v = vec![1; 4];
                v.resize(128, 0);
                v
            })
        );
        raw.m_cbSize = -5;
        assert_eq!(NetworkIdentity::from_raw(&raw), NetworkIdentity::GenericBytes(vec![]));
    }
}
