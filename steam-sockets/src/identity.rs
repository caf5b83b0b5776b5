//! Network identities: who is on the other end of a connection.

use std::fmt;
use std::net::{Ipv6Addr, SocketAddr};
use std::str::FromStr;

use crate::address::NetworkAddress;
use crate::error::{Error, Result};

/// A 64-bit Steam ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SteamId(pub u64);

impl SteamId {
    /// Whether the library considers this a well-formed Steam ID (`CSteamID::IsValid`): a known
    /// account type (1 to 10) and universe (1 to 4); individual accounts with a non-zero account
    /// number and instance 1; clans with a non-zero account number and instance 0; game servers
    /// with a non-zero account number. Only valid IDs parse from text (see [`NetworkIdentity`]).
    pub const fn is_valid(self) -> bool {
        // Bit fields of the 64-bit ID, low to high: account number (32 bits), instance (20),
        // account type (4), universe (8).
        const INDIVIDUAL: u64 = 1;
        const GAME_SERVER: u64 = 3;
        const CLAN: u64 = 7;
        let account_number = self.0 & 0xffff_ffff;
        let instance = (self.0 >> 32) & 0xf_ffff;
        let account_type = (self.0 >> 52) & 0xf;
        let universe = self.0 >> 56;
        if account_type < 1 || account_type > 10 || universe < 1 || universe > 4 {
            return false;
        }
        match account_type {
            INDIVIDUAL => account_number != 0 && instance == 1,
            CLAN => account_number != 0 && instance == 0,
            GAME_SERVER => account_number != 0,
            _ => true,
        }
    }
}

/// The identity of a host: a Steam ID, an IP address, or an application-defined name.
///
/// Authenticated connections (Steam) carry the peer's Steam ID; unauthenticated IP connections
/// carry the peer's address.
///
/// # Text form
/// `Display` writes exactly what the library's `SteamNetworkingIdentity::ToString` writes, and
/// `FromStr` reads it back:
///
/// | Variant | Text |
/// |---|---|
/// | `Invalid` | `invalid` |
/// | `SteamId` | `steamid:76561197960287930` |
/// | `Psn` | `psn:1234` |
/// | `Ip` | `ip:10.0.0.1:27015`, `ip:[2001:db8::1]:27015`; port 0: `ip:10.0.0.1`, `ip:2001:db8::1`|
/// | `LocalHost` | `ip:::1` |
/// | `GenericString` | `str:` and the string: `str:server-7` |
/// | `GenericBytes` | `gen:` and lowercase hex (uppercase is read too): `gen:00ff7e` |
/// | `XboxPairwise` | `xboxpwid:` and the id |
/// | `UnknownText` | the text as it is: `future_kind:abc` |
/// | `Unknown(n)` | `bad_type:n` |
///
/// An IP identity is `ip:` and the [`NetworkAddress`] text, except that, as the library does,
/// port 0 is left out, and IPv6 is then written without brackets.
///
/// `FromStr` is stricter than the library's `sscanf`-based `ParseString`: no whitespace, signs
/// or text after a number, no NUL, and addresses as strict as [`NetworkAddress`]'s. Every
/// identity it returns displays as text that parses back to it. Checked against
/// GameNetworkingSockets: every string it accepts, the library reads as the same identity, and
/// it reads all the text the library writes and reads back itself.
///
/// What does not read back as itself follows the library, which refuses to parse:
/// * `invalid`, on purpose, so that a successful parse always yields a usable identity;
/// * a Steam ID that fails [`SteamId::is_valid`];
/// * empty generic bytes (`gen:`);
/// * `bad_type:n`, which, like any `prefix:data` text of an unknown kind, reads back as
///   [`UnknownText`](Self::UnknownText);
/// * identities the library cannot hold at all (strings too long or containing NUL, an empty
///   Xbox id).
///
/// Some IP identities have a canonical twin: `Ip([::1]:0)` reads back as `LocalHost`, an
/// IPv4-mapped IPv6 address as IPv4, and a [`SocketAddrV6`](std::net::SocketAddrV6)'s flow
/// info and scope id are dropped.
///
/// ```
/// use steam_sockets::{NetworkIdentity, SteamId};
///
/// let player: NetworkIdentity = "steamid:76561197960287930".parse()?;
/// assert_eq!(player, NetworkIdentity::SteamId(SteamId(76561197960287930)));
/// let host = NetworkIdentity::Ip("[2001:db8::1]:27015".parse().unwrap());
/// assert_eq!(host.to_string(), "ip:[2001:db8::1]:27015");
/// assert_eq!(host.to_string().parse::<NetworkIdentity>()?, host);
/// assert!("invalid".parse::<NetworkIdentity>().is_err());
/// # Ok::<(), steam_sockets::Error>(())
/// ```
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
    /// Text of a kind this library version does not know, kept as it is, as the library keeps
    /// it (`k_ESteamNetworkingIdentityType_UnknownType`): for example from a peer running a
    /// newer version. It has the form `prefix:data`: a prefix of 1 to 16 characters from
    /// `a-z`, `0-9` and `_` that is none of the known ones, then anything without NUL; at most
    /// 127 bytes in all.
    UnknownText(String),
    /// A kind this crate does not know, by its raw `ESteamNetworkingIdentityType` value.
    Unknown(i32),
}

use crate::raw::types::identity_limits::{MAX_GENERIC_BYTES, MAX_GENERIC_STRING};
/// Longest Xbox pairwise id, excluding the terminating NUL.
const MAX_XBOX_ID: usize = 32;
/// Longest unknown-kind text, excluding the terminating NUL.
const MAX_UNKNOWN_TEXT: usize = crate::raw::types::identity_limits::MAX_TEXT;
/// Longest prefix of unknown-kind text.
const MAX_UNKNOWN_PREFIX: usize = 16;

/// The text prefixes of the kinds the library knows, without their `:`.
mod prefix {
    pub(super) const STEAM_ID: &str = "steamid";
    pub(super) const XBOX_PAIRWISE: &str = "xboxpwid";
    pub(super) const PSN: &str = "psn";
    pub(super) const IP: &str = "ip";
    pub(super) const GENERIC_STRING: &str = "str";
    pub(super) const GENERIC_BYTES: &str = "gen";
}

/// How the library stores an identity: a kind (mapped to `ESteamNetworkingIdentityType` in
/// `raw/convert.rs`) and up to 128 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoredKind {
    Invalid,
    SteamId,
    Psn,
    Ip,
    GenericString,
    XboxPairwise,
    GenericBytes,
    UnknownText,
    Other(i32),
}

impl NetworkIdentity {
    /// The kind and bytes the library stores.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] if a string or byte identity is too long or empty, or unknown
    /// text is not of the form the library keeps, or the kind is unknown;
    /// [`Error::InteriorNul`] if a string identity contains NUL.
    pub(crate) fn to_stored(&self) -> Result<(StoredKind, Vec<u8>)> {
        Ok(match self {
            NetworkIdentity::Invalid => (StoredKind::Invalid, Vec::new()),
            NetworkIdentity::SteamId(id) => (StoredKind::SteamId, id.0.to_ne_bytes().to_vec()),
            NetworkIdentity::Psn(id) => (StoredKind::Psn, id.to_ne_bytes().to_vec()),
            NetworkIdentity::Ip(addr) => (StoredKind::Ip, ip_bytes((*addr).into())),
            NetworkIdentity::LocalHost => {
                (StoredKind::Ip, ip_bytes(NetworkAddress::new(Ipv6Addr::LOCALHOST.into(), 0)))
            }
            NetworkIdentity::GenericString(s) => (
                StoredKind::GenericString,
                c_bytes("generic string identity", s, 0, MAX_GENERIC_STRING)?,
            ),
            NetworkIdentity::XboxPairwise(s) => {
                (StoredKind::XboxPairwise, c_bytes("Xbox pairwise identity", s, 1, MAX_XBOX_ID)?)
            }
            NetworkIdentity::GenericBytes(b) => {
                if b.len() > MAX_GENERIC_BYTES {
                    return Err(Error::OutOfRange {
                        what: "generic bytes identity",
                        detail: format!("{} bytes; the limit is {MAX_GENERIC_BYTES}", b.len()),
                    });
                }
                (StoredKind::GenericBytes, b.clone())
            }
            NetworkIdentity::UnknownText(text) => {
                let bytes = c_bytes("unknown identity text", text, 0, MAX_UNKNOWN_TEXT)?;
                if !is_unknown_kind_text(text) {
                    return Err(Error::OutOfRange {
                        what: "unknown identity text",
                        detail: format!(
                            "{text:?} is not `prefix:data` with an unknown prefix of 1 to \
                             {MAX_UNKNOWN_PREFIX} characters from a-z, 0-9 and _"
                        ),
                    });
                }
                (StoredKind::UnknownText, bytes)
            }
            NetworkIdentity::Unknown(kind) => {
                return Err(Error::OutOfRange {
                    what: "identity",
                    detail: format!("cannot build an identity of unknown type {kind}"),
                });
            }
        })
    }

    /// Reads what the library stores. Never reads past `data`, whatever `size` says.
    pub(crate) fn from_stored(kind: StoredKind, data: &[u8; 128], size: usize) -> NetworkIdentity {
        let size = size.min(data.len());
        let u64_at_start = || u64::from_ne_bytes(data[..8].try_into().expect("8 bytes"));
        let c_str = || {
            let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
            String::from_utf8_lossy(&data[..end]).into_owned()
        };
        match kind {
            StoredKind::Invalid => NetworkIdentity::Invalid,
            StoredKind::SteamId => NetworkIdentity::SteamId(SteamId(u64_at_start())),
            StoredKind::Psn => NetworkIdentity::Psn(u64_at_start()),
            StoredKind::Ip => {
                let mut ip = [0u8; 16];
                ip.copy_from_slice(&data[..16]);
                let port = u16::from_ne_bytes([data[16], data[17]]);
                NetworkIdentity::from_address(NetworkAddress::from_octets(ip, port))
            }
            StoredKind::GenericString => NetworkIdentity::GenericString(c_str()),
            StoredKind::XboxPairwise => NetworkIdentity::XboxPairwise(c_str()),
            StoredKind::GenericBytes => NetworkIdentity::GenericBytes(data[..size].to_vec()),
            StoredKind::UnknownText => NetworkIdentity::UnknownText(c_str()),
            StoredKind::Other(other) => NetworkIdentity::Unknown(other),
        }
    }

    /// An IP identity, with `[::1]:0` as [`NetworkIdentity::LocalHost`] (the library's
    /// `SetLocalHost`).
    fn from_address(addr: NetworkAddress) -> NetworkIdentity {
        if addr == NetworkAddress::new(Ipv6Addr::LOCALHOST.into(), 0) {
            NetworkIdentity::LocalHost
        } else {
            NetworkIdentity::Ip(addr.into())
        }
    }
}

fn ip_bytes(addr: NetworkAddress) -> Vec<u8> {
    let mut bytes = addr.octets().to_vec();
    bytes.extend_from_slice(&addr.port().to_ne_bytes());
    bytes
}

/// `s` plus its terminating NUL, checked against `min..=max` bytes.
fn c_bytes(what: &'static str, s: &str, min: usize, max: usize) -> Result<Vec<u8>> {
    if let Some(position) = s.bytes().position(|b| b == 0) {
        return Err(Error::InteriorNul { what, position });
    }
    if s.len() < min || s.len() > max {
        return Err(Error::OutOfRange {
            what,
            detail: format!("{} bytes; it must be {min} to {max} bytes", s.len()),
        });
    }
    let mut bytes = s.as_bytes().to_vec();
    bytes.push(0);
    Ok(bytes)
}

/// Whether the library would keep `text` as an identity of unknown kind: `prefix:data` with a
/// prefix it does not know, of 1 to 16 characters from `a-z`, `0-9`, `_` (lowercase only: the
/// library compares identities as bytes), at most 127 bytes, no NUL.
fn is_unknown_kind_text(text: &str) -> bool {
    let Some((prefix, _)) = text.split_once(':') else { return false };
    let known = [
        prefix::STEAM_ID,
        prefix::XBOX_PAIRWISE,
        prefix::PSN,
        prefix::IP,
        prefix::GENERIC_STRING,
        prefix::GENERIC_BYTES,
    ];
    (1..=MAX_UNKNOWN_PREFIX).contains(&prefix.len())
        && prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !known.contains(&prefix)
        && text.len() <= MAX_UNKNOWN_TEXT
        && !text.contains('\0')
}

impl fmt::Display for NetworkIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetworkIdentity::Invalid => f.write_str("invalid"),
            NetworkIdentity::SteamId(id) => write!(f, "{}:{}", prefix::STEAM_ID, id.0),
            NetworkIdentity::Psn(id) => write!(f, "{}:{id}", prefix::PSN),
            NetworkIdentity::Ip(addr) => write_ip(f, NetworkAddress::from(*addr)),
            NetworkIdentity::LocalHost => {
                write_ip(f, NetworkAddress::new(Ipv6Addr::LOCALHOST.into(), 0))
            }
            NetworkIdentity::GenericString(s) => write!(f, "{}:{s}", prefix::GENERIC_STRING),
            NetworkIdentity::XboxPairwise(s) => write!(f, "{}:{s}", prefix::XBOX_PAIRWISE),
            NetworkIdentity::GenericBytes(bytes) => {
                write!(f, "{}:", prefix::GENERIC_BYTES)?;
                bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
            NetworkIdentity::UnknownText(text) => f.write_str(text),
            NetworkIdentity::Unknown(kind) => write!(f, "bad_type:{kind}"),
        }
    }
}

/// `ip:` and the address; the library leaves out port 0, and IPv6's brackets with it.
fn write_ip(f: &mut fmt::Formatter<'_>, addr: NetworkAddress) -> fmt::Result {
    write!(f, "{}:", prefix::IP)?;
    addr.write_text(f, addr.port() != 0)
}

impl FromStr for NetworkIdentity {
    type Err = Error;

    /// Parses the text form described on [`NetworkIdentity`].
    ///
    /// # Errors
    /// [`Error::IdentityParse`] if `text` is not an identity the library would accept in that
    /// form (including `invalid`, which the library refuses on purpose).
    fn from_str(text: &str) -> Result<NetworkIdentity> {
        parse_identity(text).ok_or_else(|| Error::IdentityParse { input: text.to_owned() })
    }
}

fn parse_identity(text: &str) -> Option<NetworkIdentity> {
    // The library reads C strings, which end at the first NUL: text with one cannot be an
    // identity it wrote, and could mean two things.
    if text.contains('\0') {
        return None;
    }
    let (kind, data) = text.split_once(':')?;
    let identity = match kind {
        prefix::STEAM_ID => {
            let id = SteamId(parse_decimal_u64(data)?);
            if !id.is_valid() {
                return None;
            }
            NetworkIdentity::SteamId(id)
        }
        prefix::PSN => NetworkIdentity::Psn(parse_decimal_u64(data)?),
        prefix::IP => NetworkIdentity::from_address(data.parse().ok()?),
        prefix::GENERIC_STRING if data.len() <= MAX_GENERIC_STRING => {
            NetworkIdentity::GenericString(data.to_owned())
        }
        prefix::XBOX_PAIRWISE if (1..=MAX_XBOX_ID).contains(&data.len()) => {
            NetworkIdentity::XboxPairwise(data.to_owned())
        }
        prefix::GENERIC_BYTES => NetworkIdentity::GenericBytes(parse_hex(data)?),
        _ if is_unknown_kind_text(text) => NetworkIdentity::UnknownText(text.to_owned()),
        _ => return None,
    };
    Some(identity)
}

/// Decimal digits only (`u64::from_str` would also take a `+`), fitting in 64 bits.
fn parse_decimal_u64(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// 1 to 32 bytes as pairs of hex digits (either case, as the library's `%2x` reads them).
fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    let byte_count = digits.len() / 2;
    if digits.len() % 2 != 0 || !(1..=MAX_GENERIC_BYTES).contains(&byte_count) {
        return None;
    }
    let digit = |b: u8| char::from(b).to_digit(16);
    digits
        .chunks_exact(2)
        .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::hostile_text;
    use crate::raw::convert::{identity_from_raw, identity_to_raw};
    use steam_sockets_sys as sys;
    use sys::ESteamNetworkingIdentityType as Kind;

    /// The library's struct, as the raw layer builds it.
    pub(super) trait ToRaw {
        fn to_raw(&self) -> Result<sys::SteamNetworkingIdentity>;
    }

    impl ToRaw for NetworkIdentity {
        fn to_raw(&self) -> Result<sys::SteamNetworkingIdentity> {
            identity_to_raw(self)
        }
    }

    /// A valid individual Steam ID (universe 1, type 1, instance 1).
    const PLAYER: SteamId = SteamId(76561197960287930);

    fn parse(text: &str) -> Result<NetworkIdentity> {
        text.parse()
    }

    fn round_trip(id: NetworkIdentity) {
        let raw = id.to_raw().unwrap();
        assert_eq!(identity_from_raw(&raw), id);
    }

    #[test]
    fn every_kind_round_trips_through_the_raw_struct() {
        round_trip(NetworkIdentity::Invalid);
        round_trip(NetworkIdentity::SteamId(PLAYER));
        round_trip(NetworkIdentity::Psn(42));
        round_trip(NetworkIdentity::Ip("10.0.0.1:27015".parse().unwrap()));
        round_trip(NetworkIdentity::Ip("[2001:db8::1]:1".parse().unwrap()));
        round_trip(NetworkIdentity::LocalHost);
        round_trip(NetworkIdentity::GenericString("a".repeat(31)));
        round_trip(NetworkIdentity::GenericBytes(vec![0, 1, 2, 255]));
        round_trip(NetworkIdentity::XboxPairwise("x".into()));
        round_trip(NetworkIdentity::UnknownText("future_kind:data".into()));
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
        let raw = NetworkIdentity::UnknownText("k:v".into()).to_raw().unwrap();
        let (kind, size) = (raw.m_eType, raw.m_cbSize);
        assert_eq!((kind, size), (Kind::UnknownType, 4), "as ParseString stores unknown text");
    }

    #[test]
    fn oversize_and_nul_strings_are_refused() {
        assert!(matches!(
            NetworkIdentity::GenericString("a".repeat(32)).to_raw(),
            Err(Error::OutOfRange { .. })
        ));
        assert_eq!(
            NetworkIdentity::GenericString("a\0b".into()).to_raw().err(),
            Some(Error::InteriorNul { what: "generic string identity", position: 1 })
        );
        assert!(NetworkIdentity::GenericBytes(vec![0; 33]).to_raw().is_err());
        assert!(NetworkIdentity::XboxPairwise(String::new()).to_raw().is_err());
        for bad in
            ["no_colon", "Upper:x", ":x", "str:known prefix", &format!("k:{}", "x".repeat(126))]
        {
            assert!(
                matches!(
                    NetworkIdentity::UnknownText(bad.into()).to_raw(),
                    Err(Error::OutOfRange { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_hostile_size_field_cannot_read_past_the_union() {
        let mut raw = NetworkIdentity::GenericBytes(vec![1; 4]).to_raw().unwrap();
        raw.m_cbSize = 10_000;
        assert_eq!(
            identity_from_raw(&raw),
            NetworkIdentity::GenericBytes({
                let mut v = vec![1; 4];
                v.resize(128, 0);
                v
            })
        );
        raw.m_cbSize = -5;
        assert_eq!(identity_from_raw(&raw), NetworkIdentity::GenericBytes(vec![]));
    }

    #[test]
    fn steam_id_validity_follows_the_library() {
        let id = |universe: u64, kind: u64, instance: u64, account: u64| {
            SteamId(universe << 56 | kind << 52 | instance << 32 | account)
        };
        assert!(PLAYER.is_valid());
        assert_eq!(PLAYER, id(1, 1, 1, 22202));
        assert!(!SteamId(0).is_valid());
        assert!(!SteamId(u64::MAX).is_valid());
        assert!(!id(0, 1, 1, 5).is_valid(), "universe 0 is invalid");
        assert!(!id(5, 1, 1, 5).is_valid(), "universe 5 is past the last");
        assert!(id(4, 1, 1, 5).is_valid());
        assert!(!id(1, 0, 0, 5).is_valid(), "type 0 is invalid");
        assert!(!id(1, 11, 0, 5).is_valid(), "type 11 is past the last");
        assert!(!id(1, 1, 0, 5).is_valid(), "individuals have instance 1");
        assert!(!id(1, 1, 1, 0).is_valid(), "individuals have an account number");
        assert!(id(1, 3, 77, 5).is_valid(), "game servers may have any instance");
        assert!(!id(1, 3, 0, 0).is_valid());
        assert!(id(1, 4, 0, 0).is_valid(), "anonymous game servers need no account number");
        assert!(id(1, 7, 0, 9).is_valid());
        assert!(!id(1, 7, 1, 9).is_valid(), "clans have instance 0");
        assert!(id(1, 10, 0xf_ffff, 0).is_valid());
    }

    #[test]
    fn display_writes_the_library_format() {
        let cases: Vec<(NetworkIdentity, String)> = vec![
            (NetworkIdentity::Invalid, "invalid".into()),
            (NetworkIdentity::SteamId(PLAYER), "steamid:76561197960287930".into()),
            (NetworkIdentity::SteamId(SteamId(0)), "steamid:0".into()),
            (NetworkIdentity::Psn(u64::MAX), "psn:18446744073709551615".into()),
            (NetworkIdentity::Ip("1.2.3.4:27015".parse().unwrap()), "ip:1.2.3.4:27015".into()),
            (NetworkIdentity::Ip("1.2.3.4:0".parse().unwrap()), "ip:1.2.3.4".into()),
            (NetworkIdentity::Ip("[2001:db8::1]:1".parse().unwrap()), "ip:[2001:db8::1]:1".into()),
            (NetworkIdentity::Ip("[2001:db8::1]:0".parse().unwrap()), "ip:2001:db8::1".into()),
            (NetworkIdentity::Ip("[::]:0".parse().unwrap()), "ip:::".into()),
            (NetworkIdentity::LocalHost, "ip:::1".into()),
            (NetworkIdentity::GenericString(String::new()), "str:".into()),
            (NetworkIdentity::GenericString("a:b c".into()), "str:a:b c".into()),
            (NetworkIdentity::GenericBytes(vec![0, 0x0f, 0xa0, 0xff]), "gen:000fa0ff".into()),
            (NetworkIdentity::GenericBytes(vec![]), "gen:".into()),
            (NetworkIdentity::XboxPairwise("x".repeat(32)), format!("xboxpwid:{}", "x".repeat(32))),
            (NetworkIdentity::UnknownText("future_kind:abc".into()), "future_kind:abc".into()),
            (NetworkIdentity::Unknown(99), "bad_type:99".into()),
            (NetworkIdentity::Unknown(-1), "bad_type:-1".into()),
        ];
        for (id, text) in cases {
            assert_eq!(id.to_string(), text, "{id:?}");
        }
    }

    #[test]
    fn from_str_reads_every_kind_back() {
        let ids = [
            NetworkIdentity::SteamId(PLAYER),
            NetworkIdentity::Psn(0),
            NetworkIdentity::Psn(u64::MAX),
            NetworkIdentity::Ip("1.2.3.4:27015".parse().unwrap()),
            NetworkIdentity::Ip("1.2.3.4:0".parse().unwrap()),
            NetworkIdentity::Ip("255.255.255.255:65535".parse().unwrap()),
            NetworkIdentity::Ip("[2001:db8::1]:1".parse().unwrap()),
            NetworkIdentity::Ip("[2001:db8::1]:0".parse().unwrap()),
            NetworkIdentity::Ip("[::]:0".parse().unwrap()),
            NetworkIdentity::Ip("[::1]:1".parse().unwrap()),
            NetworkIdentity::Ip("127.0.0.1:0".parse().unwrap()),
            NetworkIdentity::LocalHost,
            NetworkIdentity::GenericString(String::new()),
            NetworkIdentity::GenericString("☃".repeat(10) + "x"),
            NetworkIdentity::GenericString("str:nested: and spaces ".into()),
            NetworkIdentity::GenericBytes(vec![0]),
            NetworkIdentity::GenericBytes((0..=255).step_by(8).collect()),
            NetworkIdentity::XboxPairwise("x".into()),
            NetworkIdentity::XboxPairwise("é".repeat(16)),
            NetworkIdentity::UnknownText("a:".into()),
            NetworkIdentity::UnknownText("abcdefghijklmnop:x".into()),
            NetworkIdentity::UnknownText(format!("k:{}", "x".repeat(125))),
            NetworkIdentity::UnknownText("bad_type:99".into()),
        ];
        for id in ids {
            assert_eq!(parse(&id.to_string()), Ok(id.clone()), "{id:?}");
        }
        assert_eq!(parse("gen:00FFaB"), Ok(NetworkIdentity::GenericBytes(vec![0, 0xff, 0xab])));
        assert_eq!(parse("ip:[::1]:0"), Ok(NetworkIdentity::LocalHost));
        assert_eq!(parse("ip:1.2.3.4:00080"), parse("ip:1.2.3.4:80"));
    }

    #[test]
    fn what_does_not_read_back_is_what_the_library_refuses() {
        for id in [
            NetworkIdentity::Invalid,
            NetworkIdentity::SteamId(SteamId(7)),
            NetworkIdentity::GenericBytes(vec![]),
            NetworkIdentity::GenericString("x".repeat(32)),
            NetworkIdentity::XboxPairwise(String::new()),
        ] {
            let text = id.to_string();
            assert_eq!(parse(&text), Err(Error::IdentityParse { input: text.clone() }), "{id:?}");
        }
        assert_eq!(
            parse(&NetworkIdentity::Unknown(99).to_string()),
            Ok(NetworkIdentity::UnknownText("bad_type:99".into()))
        );
        // Canonical twins.
        let twin = NetworkIdentity::Ip("[::1]:0".parse().unwrap());
        assert_eq!(parse(&twin.to_string()), Ok(NetworkIdentity::LocalHost));
        let mapped = NetworkIdentity::Ip("[::ffff:1.2.3.4]:5".parse().unwrap());
        assert_eq!(mapped.to_string(), "ip:1.2.3.4:5");
        assert_eq!(
            parse(&mapped.to_string()),
            Ok(NetworkIdentity::Ip("1.2.3.4:5".parse().unwrap()))
        );
    }

    #[test]
    fn bad_text_gives_a_typed_error() {
        let long_unknown = format!("k:{}", "x".repeat(126));
        let bad = [
            "",
            "invalid",
            ":",
            "steamid:",
            "steamid:7",
            "steamid:+76561197960287930",
            "steamid: 76561197960287930",
            "steamid:76561197960287930 ",
            "steamid:76561197960287930x",
            "steamid:-1",
            "steamid:99999999999999999999999",
            "psn:",
            "psn:18446744073709551616",
            "psn:0x10",
            "ip:",
            "ip:1.2.3.4:65536",
            "ip: 1.2.3.4",
            "ip:::1 port 80",
            "ip:localhost",
            "str:12345678901234567890123456789012",
            "str:a\0b",
            "xboxpwid:",
            "xboxpwid:123456789012345678901234567890123",
            "gen:",
            "gen:0",
            "gen:0g",
            "gen:+f",
            "gen: f",
            "gen:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
            "Steamid:76561197960287930",
            "STR:x",
            "abcdefghijklmnopq:x",
            "a-b:x",
            "a b:x",
            "é:x",
            "no prefix",
            "noprefix",
            "\0",
            &long_unknown,
        ];
        for text in bad {
            assert_eq!(parse(text), Err(Error::IdentityParse { input: text.into() }), "{text:?}");
        }
    }

    #[test]
    fn hostile_text_never_panics_and_every_success_round_trips() {
        // Miri interprets every step (some 60 ms an input): there, the start of the corpus
        // and at least one success of each kind; natively, all of it.
        let (count, identities_above, addresses_above) =
            if cfg!(miri) { (200, 0, 0) } else { (120_000, 5_000, 1_000) };
        let (mut identities, mut addresses) = (0, 0);
        for text in hostile_text::corpus(0x1d_e771, count, &[]) {
            let identity = hostile_text::without_panic(&text, || text.parse::<NetworkIdentity>());
            match identity {
                Ok(id) => {
                    identities += 1;
                    assert_eq!(parse(&id.to_string()), Ok(id.clone()), "from {text:?}");
                    // Whatever parses, the library can hold.
                    let raw = id.to_raw().unwrap_or_else(|e| panic!("{text:?} -> {id:?}: {e}"));
                    assert_eq!(identity_from_raw(&raw), id, "from {text:?}");
                }
                Err(e) => assert_eq!(e, Error::IdentityParse { input: text.clone() }),
            }
            let address = hostile_text::without_panic(&text, || text.parse::<NetworkAddress>());
            match address {
                Ok(addr) => {
                    addresses += 1;
                    assert_eq!(addr.to_string().parse(), Ok(addr), "from {text:?}");
                }
                Err(e) => assert_eq!(e, Error::AddrParse { input: text.clone() }),
            }
        }
        // The corpus must reach deep enough to produce valid text of both kinds.
        assert!(
            identities > identities_above && addresses > addresses_above,
            "{identities} / {addresses} of {count} parsed"
        );
    }
}

/// Checks against GameNetworkingSockets' own `ToString` and `ParseString`.
#[cfg(all(test, feature = "gns"))]
mod library_cross_check {
    use super::tests::ToRaw;
    use super::*;
    use crate::address::hostile_text;
    use crate::address::library_cross_check::sample_addresses;
    use crate::raw::convert::identity_from_raw;
    use std::ffi::{CString, c_char};
    use steam_sockets_sys as sys;
    use sys::ESteamNetworkingIdentityType as Kind;

    /// The parts of the struct the library compares (`operator==`), plus the rest of the union,
    /// which both sides leave zeroed.
    fn parts(raw: &sys::SteamNetworkingIdentity) -> (i32, i32, [u8; 128]) {
        (raw.m_eType.0, raw.m_cbSize, raw.m_data)
    }

    fn library_text(raw: &sys::SteamNetworkingIdentity) -> String {
        let mut buf: [c_char; sys::k_cchSteamNetworkingIdentityMaxString] =
            [0; sys::k_cchSteamNetworkingIdentityMaxString];
        // SAFETY: `raw` is an initialised identity and `buf` is writable for `buf.len()` bytes,
        // which the library does not exceed (it truncates and NUL-terminates within `cbBuf`).
        unsafe { sys::SteamAPI_SteamNetworkingIdentity_ToString(raw, buf.as_mut_ptr(), buf.len()) };
        crate::raw::ffi::string_from_buf(&buf)
    }

    fn library_parse(text: &str) -> Option<sys::SteamNetworkingIdentity> {
        let text = CString::new(text).ok()?;
        let mut raw = NetworkIdentity::Invalid.to_raw().expect("invalid is representable");
        // SAFETY: `raw` is writable for the size passed, its full size; `text` is NUL-terminated
        // and outlives the call.
        let ok = unsafe {
            sys::SteamAPI_SteamNetworkingIdentity_ParseString(
                &mut raw,
                size_of::<sys::SteamNetworkingIdentity>(),
                text.as_ptr(),
            )
        };
        ok.then_some(raw)
    }

    /// Whether the library parses this identity's text back (see the type's documentation).
    fn reads_back(id: &NetworkIdentity) -> bool {
        match id {
            NetworkIdentity::Invalid => false,
            NetworkIdentity::SteamId(steam_id) => steam_id.is_valid(),
            NetworkIdentity::GenericBytes(bytes) => !bytes.is_empty(),
            _ => true,
        }
    }

    /// Every kind, at and around its limits, then many addresses.
    fn sample_identities() -> Vec<NetworkIdentity> {
        let steam_id = |universe: u64, kind: u64, instance: u64, account: u64| {
            NetworkIdentity::SteamId(SteamId(
                universe << 56 | kind << 52 | instance << 32 | account,
            ))
        };
        let mut ids = vec![
            NetworkIdentity::Invalid,
            NetworkIdentity::SteamId(SteamId(76561197960287930)),
            NetworkIdentity::SteamId(SteamId(0)),
            NetworkIdentity::SteamId(SteamId(u64::MAX)),
            steam_id(1, 1, 0, 5),
            steam_id(4, 3, 0xf_ffff, u32::MAX.into()),
            steam_id(1, 4, 0, 0),
            steam_id(1, 7, 0, 9),
            steam_id(1, 7, 1, 9),
            steam_id(5, 1, 1, 1),
            NetworkIdentity::Psn(0),
            NetworkIdentity::Psn(1),
            NetworkIdentity::Psn(u64::MAX),
            NetworkIdentity::LocalHost,
            NetworkIdentity::GenericString(String::new()),
            NetworkIdentity::GenericString("a".into()),
            NetworkIdentity::GenericString("z".repeat(31)),
            NetworkIdentity::GenericString("héllo ☃ wörld".into()),
            NetworkIdentity::GenericString("ip:1.2.3.4 str: gen:00".into()),
            NetworkIdentity::GenericBytes(vec![]),
            NetworkIdentity::GenericBytes(vec![0]),
            NetworkIdentity::GenericBytes(vec![0xff; 32]),
            NetworkIdentity::XboxPairwise("x".into()),
            NetworkIdentity::XboxPairwise("0123456789abcdefABCDEF:/ _-+=!é".into()),
            NetworkIdentity::UnknownText("a:".into()),
            NetworkIdentity::UnknownText("abcdefghijklmnop:x".into()),
            NetworkIdentity::UnknownText("bad_type:99".into()),
            NetworkIdentity::UnknownText(format!("future_kind_2:{}", "é".repeat(56))),
        ];
        // Every byte value, 32 at a time.
        let all_bytes: Vec<u8> = (0..=255).collect();
        ids.extend(all_bytes.chunks(32).map(|chunk| NetworkIdentity::GenericBytes(chunk.to_vec())));
        ids.extend((1..=32).map(|len| NetworkIdentity::GenericBytes(all_bytes[..len].to_vec())));
        for addr in &sample_addresses()[..3_000] {
            ids.push(NetworkIdentity::Ip((*addr).into()));
            ids.push(NetworkIdentity::Ip(NetworkAddress::new(addr.ip(), 0).into()));
        }
        ids
    }

    #[test]
    #[cfg_attr(miri, ignore = "calls the C library")]
    fn display_is_the_library_to_string() {
        for id in sample_identities() {
            let raw = id.to_raw().unwrap();
            assert_eq!(id.to_string(), library_text(&raw), "{id:?}");
        }
        // A type number neither side knows.
        let mut raw = NetworkIdentity::Psn(5).to_raw().unwrap();
        raw.m_eType = Kind(99);
        assert_eq!(identity_from_raw(&raw).to_string(), library_text(&raw));
    }

    #[test]
    #[cfg_attr(miri, ignore = "calls the C library")]
    fn the_library_parses_our_text_into_the_same_struct() {
        for id in sample_identities() {
            let text = id.to_string();
            let parsed = library_parse(&text);
            if reads_back(&id) {
                let expected = id.to_raw().unwrap();
                assert_eq!(parsed.as_ref().map(parts), Some(parts(&expected)), "{text:?}");
            } else {
                assert!(parsed.is_none(), "the library reads {text:?}");
            }
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "calls the C library")]
    fn we_parse_the_library_text_into_the_same_identity() {
        for id in sample_identities() {
            let raw = id.to_raw().unwrap();
            let text = library_text(&raw);
            let ours = text.parse::<NetworkIdentity>();
            if reads_back(&id) {
                assert_eq!(ours, Ok(identity_from_raw(&raw)), "{text:?}");
            } else {
                assert_eq!(ours, Err(Error::IdentityParse { input: text }));
            }
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "calls the C library")]
    fn on_hostile_text_we_accept_only_what_the_library_reads_the_same_way() {
        let extra: Vec<String> =
            sample_identities().iter().take(400).map(|id| id.to_string()).collect();
        let mut accepted_by_both = 0;
        for text in hostile_text::corpus(0x1d_c0de, 100_000, &extra) {
            let ours = hostile_text::without_panic(&text, || text.parse::<NetworkIdentity>());
            let library = library_parse(&text);
            if let Ok(id) = &ours {
                let expected = id.to_raw().unwrap();
                assert_eq!(library.as_ref().map(parts), Some(parts(&expected)), "{text:?}");
                accepted_by_both += 1;
            }
            if let Some(raw) = library {
                let library_wrote = library_text(&raw);
                let id = identity_from_raw(&raw);
                assert_eq!(id.to_string(), library_wrote, "from {text:?}");
                assert_eq!(library_wrote.parse(), Ok(id), "from {text:?}");
            }
        }
        assert!(accepted_by_both > 5_000, "only {accepted_by_both} accepted");
    }
}
