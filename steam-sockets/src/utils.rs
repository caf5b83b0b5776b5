//! `ISteamNetworkingUtils`: relay network, ping locations, data centers, FakeIP helpers and the
//! library's debug output.
//!
//! The relay-network, ping-location, data-center and FakeIP functions exist only in the Steam
//! library; GameNetworkingSockets declares them but does not compile them in. On the `gns`
//! backend these methods exist too (so code compiles on both), and return
//! [`Error::Unsupported`] naming the C function.

use std::ffi::{CStr, c_char};
use std::fmt;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use steam_sockets_sys as sys;

use crate::error::{Error, Result};
use crate::events::RelayNetworkStatus;
use crate::identity::NetworkIdentity;
use crate::sockets::Sockets;
#[cfg(feature = "steam")]
use crate::{events::Availability, ffi::string_from_buf};

// ---------------------------------------------------------------------------------------------
// Relay network
// ---------------------------------------------------------------------------------------------

impl RelayNetworkStatus {
    /// The one conversion from the library's struct, shared by
    /// [`Sockets::relay_network_status`] and the relay-status callback.
    #[cfg(feature = "steam")]
    pub(crate) fn from_raw(raw: &sys::SteamRelayNetworkStatus_t) -> RelayNetworkStatus {
        // The struct is packed: copy the array out rather than borrow a field of it.
        let message = raw.m_debugMsg;
        RelayNetworkStatus {
            availability: Availability::from_raw(raw.m_eAvail),
            ping_measurement_in_progress: raw.m_bPingMeasurementInProgress != 0,
            network_config: Availability::from_raw(raw.m_eAvailNetworkConfig),
            any_relay: Availability::from_raw(raw.m_eAvailAnyRelay),
            message: string_from_buf(&message),
        }
    }
}

impl Sockets {
    /// Starts initialising access to the Steam Datagram Relay network (downloading its
    /// configuration and measuring pings to the relays), so that relayed connections and ping
    /// locations are ready sooner. Calling it is optional: the library does it on demand.
    ///
    /// Completion is reported by [`relay_network_status`](Sockets::relay_network_status) and,
    /// once [`GlobalEvents::RELAY_NETWORK_STATUS`](crate::GlobalEvents::RELAY_NETWORK_STATUS)
    /// is enabled ([`enable_global_events`](Sockets::enable_global_events)), by
    /// [`Event::RelayNetworkStatus`](crate::Event::RelayNetworkStatus) events.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn init_relay_network_access(&self) -> Result<()> {
        #[cfg(feature = "steam")]
        {
            // SAFETY: live utils interface; the function takes no other argument.
            unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_InitRelayNetworkAccess(self.api().utils())
            };
            Ok(())
        }
        #[cfg(not(feature = "steam"))]
        Err(Error::unsupported("InitRelayNetworkAccess"))
    }

    /// The current status of the relay network.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn relay_network_status(&self) -> Result<RelayNetworkStatus> {
        #[cfg(feature = "steam")]
        {
            let unknown = sys::ESteamNetworkingAvailability::Unknown;
            let mut raw = sys::SteamRelayNetworkStatus_t {
                m_eAvail: unknown,
                m_bPingMeasurementInProgress: 0,
                m_eAvailNetworkConfig: unknown,
                m_eAvailAnyRelay: unknown,
                m_debugMsg: [0; 256],
            };
            // SAFETY: live utils interface; `raw` is a writable struct of the type the function
            // fills. The returned summary is also stored in `raw.m_eAvail`.
            unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_GetRelayNetworkStatus(
                    self.api().utils(),
                    &mut raw,
                )
            };
            Ok(RelayNetworkStatus::from_raw(&raw))
        }
        #[cfg(not(feature = "steam"))]
        Err(Error::unsupported("GetRelayNetworkStatus"))
    }
}

// ---------------------------------------------------------------------------------------------
// Ping locations
// ---------------------------------------------------------------------------------------------

/// Where a host is on the Internet, as its measured pings to Valve's relays: compare two with
/// [`Sockets::estimate_ping_between`] to estimate their latency without sending a packet
/// (useful for matchmaking).
///
/// The content is opaque and specific to the library version; to send a location to another
/// host, convert it with [`Sockets::ping_location_to_string`] and back with
/// [`Sockets::parse_ping_location`]. Obtain this host's with [`Sockets::local_ping_location`].
#[derive(Clone)]
pub struct PingLocation {
    // Only the library creates these (there is no public constructor): it interprets the blob,
    // so bytes it did not produce are never handed to it.
    raw: sys::SteamNetworkPingLocation_t,
}

impl PingLocation {
    /// 64-bit FNV-1a hash of the blob: enough to tell two locations apart in logs.
    fn fingerprint(&self) -> u64 {
        self.raw.m_data.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    }
}

impl fmt::Debug for PingLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The 512-byte blob is unreadable; print a short fingerprint instead.
        f.debug_struct("PingLocation")
            .field("fingerprint", &format_args!("{:016x}", self.fingerprint()))
            .finish()
    }
}

/// An estimated round-trip time, or why there is none
/// ([`Sockets::estimate_ping_between`], [`Sockets::estimate_ping_from_local_host`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PingEstimate {
    /// The estimated round-trip time, through the relay network (a reasonable upper bound for
    /// a direct route too).
    RoundTrip(Duration),
    /// No route could be estimated because of a networking difficulty, such as failing to ping
    /// the relays (`k_nSteamNetworkingPing_Failed`).
    Failed,
    /// The question cannot be answered right now for another reason, for example ping data
    /// that is not available yet (`k_nSteamNetworkingPing_Unknown`).
    Unknown,
    /// Another negative value, which this crate does not know.
    Other(i32),
}

impl PingEstimate {
    /// The estimated round-trip time, if there is one.
    pub fn round_trip(self) -> Option<Duration> {
        match self {
            PingEstimate::RoundTrip(rtt) => Some(rtt),
            _ => None,
        }
    }

    /// Reads the library's answer: milliseconds, or a negative code.
    #[cfg_attr(not(feature = "steam"), allow(dead_code))] // only the Steam library answers
    fn from_raw(milliseconds: std::ffi::c_int) -> PingEstimate {
        match milliseconds {
            sys::k_nSteamNetworkingPing_Failed => PingEstimate::Failed,
            sys::k_nSteamNetworkingPing_Unknown => PingEstimate::Unknown,
            other => match u64::try_from(other) {
                Ok(ms) => PingEstimate::RoundTrip(Duration::from_millis(ms)),
                Err(_) => PingEstimate::Other(other),
            },
        }
    }
}

/// Milliseconds to a `Duration`; `None` for the negative "no answer" values.
#[cfg_attr(not(feature = "steam"), allow(dead_code))] // only the Steam library answers
fn ping_from_millis(milliseconds: std::ffi::c_int) -> Option<Duration> {
    u64::try_from(milliseconds).ok().map(Duration::from_millis)
}

impl Sockets {
    /// This host's ping location and the age of the measurements it is based on, or `None` if
    /// no data is available yet (it takes a few seconds after
    /// [`init_relay_network_access`](Sockets::init_relay_network_access)).
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn local_ping_location(&self) -> Result<Option<(PingLocation, Duration)>> {
        #[cfg(feature = "steam")]
        {
            let mut raw = sys::SteamNetworkPingLocation_t { m_data: [0; 512] };
            // SAFETY: live utils interface; `raw` is a writable ping location.
            let age_seconds = unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_GetLocalPingLocation(
                    self.api().utils(),
                    &mut raw,
                )
            };
            // The library answers -1 when it has no data; `try_from_secs_f32` also refuses any
            // other negative, NaN or infinite age instead of panicking.
            Ok(Duration::try_from_secs_f32(age_seconds).ok().map(|age| (PingLocation { raw }, age)))
        }
        #[cfg(not(feature = "steam"))]
        Err(Error::unsupported("GetLocalPingLocation"))
    }

    /// Estimates the round-trip time between two hosts from their ping locations, through the
    /// relay network, without sending any packet.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend. A failed estimate is not an error: it is
    /// [`PingEstimate::Failed`] or [`PingEstimate::Unknown`].
    pub fn estimate_ping_between(
        &self,
        first: &PingLocation,
        second: &PingLocation,
    ) -> Result<PingEstimate> {
        #[cfg(feature = "steam")]
        {
            // SAFETY: live utils interface; both locations are valid, library-made blobs.
            let milliseconds = unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_EstimatePingTimeBetweenTwoLocations(
                    self.api().utils(),
                    &first.raw,
                    &second.raw,
                )
            };
            Ok(PingEstimate::from_raw(milliseconds))
        }
        #[cfg(not(feature = "steam"))]
        {
            let _ = (first, second);
            Err(Error::unsupported("EstimatePingTimeBetweenTwoLocations"))
        }
    }

    /// Estimates the round-trip time from this host to a remote ping location. Faster than
    /// [`estimate_ping_between`](Sockets::estimate_ping_between) with the local location, and
    /// sometimes slightly more accurate.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend. A failed estimate is not an error: it is
    /// [`PingEstimate::Failed`] or [`PingEstimate::Unknown`].
    pub fn estimate_ping_from_local_host(&self, remote: &PingLocation) -> Result<PingEstimate> {
        #[cfg(feature = "steam")]
        {
            // SAFETY: live utils interface; `remote` is a valid, library-made blob.
            let milliseconds = unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_EstimatePingTimeFromLocalHost(
                    self.api().utils(),
                    &remote.raw,
                )
            };
            Ok(PingEstimate::from_raw(milliseconds))
        }
        #[cfg(not(feature = "steam"))]
        {
            let _ = remote;
            Err(Error::unsupported("EstimatePingTimeFromLocalHost"))
        }
    }

    /// Converts a ping location to the library's compact text form, for sending it to another
    /// host (for example through a matchmaking service). Do not parse it yourself: the format
    /// may change.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn ping_location_to_string(&self, location: &PingLocation) -> Result<String> {
        #[cfg(feature = "steam")]
        {
            let mut buf: [c_char; sys::k_cchMaxSteamNetworkingPingLocationString] =
                [0; sys::k_cchMaxSteamNetworkingPingLocationString];
            // 1024: fits in a C int.
            let capacity = buf.len() as std::ffi::c_int;
            // SAFETY: live utils interface; `location` is a valid blob; `buf` is writable for
            // `capacity` bytes, the size the library documents as always sufficient.
            unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_ConvertPingLocationToString(
                    self.api().utils(),
                    &location.raw,
                    buf.as_mut_ptr(),
                    capacity,
                )
            };
            Ok(string_from_buf(&buf))
        }
        #[cfg(not(feature = "steam"))]
        {
            let _ = location;
            Err(Error::unsupported("ConvertPingLocationToString"))
        }
    }

    /// Parses a ping location from the text form made by
    /// [`ping_location_to_string`](Sockets::ping_location_to_string).
    ///
    /// # Errors
    /// [`Error::InteriorNul`] if `text` contains NUL; [`Error::Failed`] (function
    /// `"ParsePingLocationString"`) if the library does not understand it;
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn parse_ping_location(&self, text: &str) -> Result<PingLocation> {
        #[cfg(feature = "steam")]
        {
            let text = crate::ffi::c_string("ping location string", text)?;
            let mut raw = sys::SteamNetworkPingLocation_t { m_data: [0; 512] };
            // SAFETY: live utils interface; `text` is NUL-terminated and `raw` writable.
            let understood = unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_ParsePingLocationString(
                    self.api().utils(),
                    text.as_ptr(),
                    &mut raw,
                )
            };
            if understood {
                Ok(PingLocation { raw })
            } else {
                Err(Error::Failed { function: "ParsePingLocationString" })
            }
        }
        #[cfg(not(feature = "steam"))]
        {
            let _ = text;
            Err(Error::unsupported("ParsePingLocationString"))
        }
    }

    /// Whether ping data at most `max_age` old is available. If it is not, this starts a new
    /// measurement (unless one is running), whose end is reported by
    /// [`relay_network_status`](Sockets::relay_network_status) and
    /// [`Event::RelayNetworkStatus`](crate::Event::RelayNetworkStatus).
    ///
    /// Call it only to force a refresh (for example when the player asks for one): the library
    /// refreshes on its own, and each measurement sends traffic.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn check_ping_data_up_to_date(&self, max_age: Duration) -> Result<bool> {
        #[cfg(feature = "steam")]
        {
            // SAFETY: live utils interface; any age is accepted.
            Ok(unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_CheckPingDataUpToDate(
                    self.api().utils(),
                    max_age.as_secs_f32(),
                )
            })
        }
        #[cfg(not(feature = "steam"))]
        {
            let _ = max_age;
            Err(Error::unsupported("CheckPingDataUpToDate"))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Data centers
// ---------------------------------------------------------------------------------------------

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

impl From<ParsePopIdError> for Error {
    /// For `?` in functions returning this crate's [`Result`]: an [`Error::InvalidArgument`].
    fn from(error: ParsePopIdError) -> Error {
        Error::InvalidArgument(error.to_string())
    }
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

impl Sockets {
    /// The best relayed round-trip time from this host to a data center, and the data center
    /// whose relay the route enters the network through; `None` if there is no route (or no
    /// ping data yet).
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn ping_to_data_center(&self, data_center: PopId) -> Result<Option<(Duration, PopId)>> {
        #[cfg(feature = "steam")]
        {
            let mut via_relay: sys::SteamNetworkingPOPID = 0;
            // SAFETY: live utils interface; `via_relay` is writable.
            let milliseconds = unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_GetPingToDataCenter(
                    self.api().utils(),
                    data_center.0,
                    &mut via_relay,
                )
            };
            Ok(ping_from_millis(milliseconds).map(|ping| (ping, PopId(via_relay))))
        }
        #[cfg(not(feature = "steam"))]
        {
            let _ = data_center;
            Err(Error::unsupported("GetPingToDataCenter"))
        }
    }

    /// The direct (unrelayed) round-trip time from this host to a data center's relays; `None`
    /// if unknown.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn direct_ping_to_pop(&self, data_center: PopId) -> Result<Option<Duration>> {
        #[cfg(feature = "steam")]
        {
            // SAFETY: live utils interface; any id is accepted.
            let milliseconds = unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_GetDirectPingToPOP(
                    self.api().utils(),
                    data_center.0,
                )
            };
            Ok(ping_from_millis(milliseconds))
        }
        #[cfg(not(feature = "steam"))]
        {
            let _ = data_center;
            Err(Error::unsupported("GetDirectPingToPOP"))
        }
    }

    /// The number of data centers in the relay network's configuration (0 before the
    /// configuration is downloaded).
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn pop_count(&self) -> Result<usize> {
        #[cfg(feature = "steam")]
        {
            // SAFETY: live utils interface.
            let count =
                unsafe { sys::SteamAPI_ISteamNetworkingUtils_GetPOPCount(self.api().utils()) };
            Ok(usize::try_from(count).unwrap_or(0))
        }
        #[cfg(not(feature = "steam"))]
        Err(Error::unsupported("GetPOPCount"))
    }

    /// Every data center in the relay network's configuration (empty before the configuration
    /// is downloaded).
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn pop_list(&self) -> Result<Vec<PopId>> {
        #[cfg(feature = "steam")]
        {
            let count = self.pop_count()?;
            if count == 0 {
                return Ok(Vec::new());
            }
            let mut ids: Vec<sys::SteamNetworkingPOPID> = vec![0; count];
            // `count` came from a C int, so this never saturates; if it did, the library would
            // just be told of less room than there is.
            let capacity = std::ffi::c_int::try_from(ids.len()).unwrap_or(std::ffi::c_int::MAX);
            // SAFETY: live utils interface; `ids` is initialised and writable for `capacity`
            // entries (capacity <= ids.len()).
            let written = unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_GetPOPList(
                    self.api().utils(),
                    ids.as_mut_ptr(),
                    capacity,
                )
            };
            // Keep only what the library says it wrote (the configuration may have shrunk
            // since `pop_count`); `truncate` never lengthens.
            ids.truncate(usize::try_from(written).unwrap_or(0));
            Ok(ids.into_iter().map(PopId).collect())
        }
        #[cfg(not(feature = "steam"))]
        Err(Error::unsupported("GetPOPList"))
    }
}

// ---------------------------------------------------------------------------------------------
// FakeIP
// ---------------------------------------------------------------------------------------------

/// What kind of address an IPv4 address is, as far as FakeIP is concerned
/// (`ESteamNetworkingFakeIPType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FakeIpType {
    /// Not an IP address the library can use at all.
    Invalid,
    /// A real IP address.
    NotFake,
    /// A globally unique FakeIP, assigned by Steam.
    GlobalIpv4,
    /// A FakeIP unique only within this process.
    LocalIpv4,
    /// A value this crate does not know.
    Other(i32),
}

impl FakeIpType {
    #[cfg_attr(not(feature = "steam"), allow(dead_code))] // only the Steam library answers
    fn from_raw(raw: sys::ESteamNetworkingFakeIPType) -> FakeIpType {
        use sys::ESteamNetworkingFakeIPType as T;
        match raw {
            T::Invalid => FakeIpType::Invalid,
            T::NotFake => FakeIpType::NotFake,
            T::GlobalIPv4 => FakeIpType::GlobalIpv4,
            T::LocalIPv4 => FakeIpType::LocalIpv4,
            other => FakeIpType::Other(other.0),
        }
    }
}

impl Sockets {
    /// Whether `ip` lies in a range the library uses for FakeIPs. A quick test of the address
    /// alone: it does not check that the FakeIP is assigned.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn is_fake_ipv4(&self, ip: Ipv4Addr) -> Result<bool> {
        #[cfg(feature = "steam")]
        {
            // SAFETY: live utils interface; any address is accepted (host byte order, which
            // `u32::from` gives).
            Ok(unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_IsFakeIPv4(self.api().utils(), u32::from(ip))
            })
        }
        #[cfg(not(feature = "steam"))]
        {
            let _ = ip;
            Err(Error::unsupported("IsFakeIPv4"))
        }
    }

    /// What kind of address `ip` is: real, or a global or local FakeIP.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn fake_ip_type(&self, ip: Ipv4Addr) -> Result<FakeIpType> {
        #[cfg(feature = "steam")]
        {
            // SAFETY: as in `is_fake_ipv4`.
            let raw = unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_GetIPv4FakeIPType(
                    self.api().utils(),
                    u32::from(ip),
                )
            };
            Ok(FakeIpType::from_raw(raw))
        }
        #[cfg(not(feature = "steam"))]
        {
            let _ = ip;
            Err(Error::unsupported("GetIPv4FakeIPType"))
        }
    }

    /// The real identity behind a FakeIP (address and port) that this host has seen.
    ///
    /// # Errors
    /// [`Error::Library`] with function `"GetRealIdentityForFakeIP"` and the library's code:
    /// `InvalidParam` if the address is not a FakeIP, `NoMatch` if the library does not know
    /// it. [`Error::Unsupported`] on the `gns` backend.
    pub fn real_identity_for_fake_ip(&self, fake_ip: SocketAddr) -> Result<NetworkIdentity> {
        #[cfg(feature = "steam")]
        {
            let addr = crate::address::to_raw(fake_ip);
            let mut identity = NetworkIdentity::Invalid.to_raw()?;
            // SAFETY: live utils interface; `addr` is valid and `identity` writable.
            let result = unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_GetRealIdentityForFakeIP(
                    self.api().utils(),
                    &addr,
                    &mut identity,
                )
            };
            if result == crate::ResultCode::OK {
                Ok(NetworkIdentity::from_raw(&identity))
            } else {
                // Not `error::check`: here `InvalidParam` means "not a FakeIP", not a bad handle.
                Err(Error::Library { function: "GetRealIdentityForFakeIP", result })
            }
        }
        #[cfg(not(feature = "steam"))]
        {
            let _ = fake_ip;
            Err(Error::unsupported("GetRealIdentityForFakeIP"))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Debug output
// ---------------------------------------------------------------------------------------------

/// How much of the library's debug output to forward to the [`log`] crate
/// (`ESteamNetworkingSocketsDebugOutputType`), for [`Sockets::set_debug_output`]. Each level
/// includes the ones before it.
///
/// Messages are logged with target `"steam_sockets::library"` ([`DEBUG_OUTPUT_LOG_TARGET`]) at
/// these levels:
///
/// | library level             | `log` level |
/// |---------------------------|-------------|
/// | `Bug`, `Error`            | `Error`     |
/// | `Important`, `Warning`    | `Warn`      |
/// | `Msg`                     | `Info`      |
/// | `Verbose`                 | `Debug`     |
/// | `Debug`, `Everything`     | `Trace`     |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DebugOutputLevel {
    /// Nothing: debug output off.
    None,
    /// API misuse or internal errors of the library.
    Bug,
    /// Run-time errors.
    Error,
    /// Important notifications.
    Important,
    /// Warnings.
    Warning,
    /// Valve's recommended amount for a shipped game.
    Msg,
    /// Quite a bit more (for debugging).
    Verbose,
    /// Practically everything.
    Debug,
    /// A wall of text.
    Everything,
}

impl DebugOutputLevel {
    pub(crate) fn to_raw(self) -> sys::ESteamNetworkingSocketsDebugOutputType {
        use sys::ESteamNetworkingSocketsDebugOutputType as T;
        match self {
            DebugOutputLevel::None => T::None,
            DebugOutputLevel::Bug => T::Bug,
            DebugOutputLevel::Error => T::Error,
            DebugOutputLevel::Important => T::Important,
            DebugOutputLevel::Warning => T::Warning,
            DebugOutputLevel::Msg => T::Msg,
            DebugOutputLevel::Verbose => T::Verbose,
            DebugOutputLevel::Debug => T::Debug,
            DebugOutputLevel::Everything => T::Everything,
        }
    }

    /// The level for a raw value, or `None` for one this crate does not know.
    pub(crate) fn from_raw(raw: sys::ESteamNetworkingSocketsDebugOutputType) -> Option<Self> {
        use sys::ESteamNetworkingSocketsDebugOutputType as T;
        Some(match raw {
            T::None => DebugOutputLevel::None,
            T::Bug => DebugOutputLevel::Bug,
            T::Error => DebugOutputLevel::Error,
            T::Important => DebugOutputLevel::Important,
            T::Warning => DebugOutputLevel::Warning,
            T::Msg => DebugOutputLevel::Msg,
            T::Verbose => DebugOutputLevel::Verbose,
            T::Debug => DebugOutputLevel::Debug,
            T::Everything => DebugOutputLevel::Everything,
            _ => return None,
        })
    }
}

/// The `log` target of the library's debug output.
pub const DEBUG_OUTPUT_LOG_TARGET: &str = "steam_sockets::library";

/// The `log` level of a library message. Values this crate does not know are placed by their
/// number (lower is more important), so that nothing is lost.
fn log_level(kind: sys::ESteamNetworkingSocketsDebugOutputType) -> log::Level {
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

// Forwarding design. The library calls the output function from any of its threads, possibly
// while holding its global lock, and its header asks for a function that is thread-safe, fast
// and makes no library calls. A `log::Log` implementation is user code: it may block on I/O,
// take locks, or call back into this crate (deadlock on the library's lock), and it may panic.
// So the callback only copies the message and offers it to a bounded queue without blocking
// (counting what does not fit); a dedicated thread drains the queue and calls `log`, outside
// any library lock.

/// Messages the callback can hold before it starts dropping (and counting) them.
const DEBUG_OUTPUT_QUEUE_CAPACITY: usize = 1024;

/// One message, copied out of the library's buffer.
struct LibraryMessage {
    level: log::Level,
    text: String,
}

/// The queue to the forwarding thread; set once, when output is first turned on. The sender
/// lives in a static, so the thread never sees the channel close and runs for the rest of the
/// process, blocked on the queue when idle.
static DEBUG_OUTPUT_QUEUE: OnceLock<Sender<LibraryMessage>> = OnceLock::new();
/// Whether messages are forwarded. The library reads its function pointer without a lock, so
/// it may still call the callback just after output is turned off: this flag makes "off" exact.
static DEBUG_OUTPUT_ON: AtomicBool = AtomicBool::new(false);
/// Messages dropped because the queue was full, not yet reported.
static DEBUG_OUTPUT_DROPPED: AtomicU64 = AtomicU64::new(0);
/// Serialises `set_debug_output`, so that the flag and the library's setting agree.
static DEBUG_OUTPUT_SETTING: Mutex<()> = Mutex::new(());

/// The queue, starting the forwarding thread on first use.
fn debug_output_queue() -> Result<&'static Sender<LibraryMessage>> {
    if let Some(queue) = DEBUG_OUTPUT_QUEUE.get() {
        return Ok(queue);
    }
    // Only `set_debug_output` gets here, with `DEBUG_OUTPUT_SETTING` held: one thread at most.
    let (queue, messages) = crossbeam_channel::bounded(DEBUG_OUTPUT_QUEUE_CAPACITY);
    std::thread::Builder::new()
        .name("steam-sockets-log".into())
        .spawn(move || forward_debug_output(&messages))
        .map_err(|e| Error::InvalidArgument(format!("cannot start the log thread: {e}")))?;
    Ok(DEBUG_OUTPUT_QUEUE.get_or_init(|| queue))
}

/// The forwarding thread: hands each message to `log`, reporting drops first.
fn forward_debug_output(messages: &Receiver<LibraryMessage>) {
    for message in messages {
        let dropped = DEBUG_OUTPUT_DROPPED.swap(0, Ordering::Relaxed);
        // A panicking logger must not stop the forwarding of later messages.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            if dropped > 0 {
                log::warn!(
                    target: DEBUG_OUTPUT_LOG_TARGET,
                    "{dropped} library debug message(s) dropped: the log thread fell behind"
                );
            }
            log::log!(target: DEBUG_OUTPUT_LOG_TARGET, message.level, "{}", message.text);
        }));
    }
}

/// Copies the library's message; never reads through a null pointer.
///
/// # Safety
/// `message` is null or points to a NUL-terminated string valid for the call.
unsafe fn copy_message(message: *const c_char) -> String {
    if message.is_null() {
        return String::from("(the library passed no message)");
    }
    // SAFETY: non-null, and NUL-terminated and valid per this function's contract.
    let text = unsafe { CStr::from_ptr(message) };
    // Some library messages end in a newline, which `log` adds itself.
    text.to_string_lossy().trim_end().to_owned()
}

/// The function the library calls with each message. Runs no user code and never blocks.
unsafe extern "C" fn on_debug_output(
    kind: sys::ESteamNetworkingSocketsDebugOutputType,
    message: *const c_char,
) {
    crate::ffi::no_unwind((), || {
        let level = log_level(kind);
        // `log::max_level` is a plain atomic (not the user's logger): skip the copy of messages
        // that `log` would discard anyway.
        if !DEBUG_OUTPUT_ON.load(Ordering::Relaxed) || level > log::max_level() {
            return;
        }
        // SAFETY: the library passes null or a NUL-terminated string valid during the call.
        let text = unsafe { copy_message(message) };
        if kind == sys::ESteamNetworkingSocketsDebugOutputType::Bug {
            // Assertions come at this level, and after a fatal one the library ends the
            // process at once (exit status 1), before the forwarding thread can log anything:
            // standard error gets the message now as well. A failed write has nowhere to go.
            let _ = writeln!(std::io::stderr(), "steam-sockets: library assertion: {text}");
        }
        // The queue exists whenever output is on; `try_send` fails only when it is full.
        let queued = DEBUG_OUTPUT_QUEUE
            .get()
            .is_some_and(|queue| queue.try_send(LibraryMessage { level, text }).is_ok());
        if !queued {
            DEBUG_OUTPUT_DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    });
}

impl Sockets {
    /// Forwards the library's debug output, up to `level` of detail, to the [`log`] crate,
    /// with target [`DEBUG_OUTPUT_LOG_TARGET`]; [`DebugOutputLevel::None`] turns it off. See
    /// [`DebugOutputLevel`] for the `log` level of each message. The setting is process-wide
    /// (the library has one output function), whichever `Sockets` sets it.
    ///
    /// Valve recommends [`Msg`](DebugOutputLevel::Msg) or
    /// [`Warning`](DebugOutputLevel::Warning) outside debugging: the library formats every
    /// message up to the chosen level even if `log` then discards it. The per-subsystem
    /// `LogLevel_*` configuration values can raise the detail of single subsystems.
    ///
    /// Messages reach your logger from a thread named `steam-sockets-log`, not from the thread
    /// that caused them. The library may emit output from any of its threads while holding
    /// its own lock, so the output function only copies each message into a bounded queue;
    /// the thread calls the logger, which can then take its time, take locks or call this
    /// crate without stalling or deadlocking the library. If the logger falls more than 1024
    /// messages behind, further messages are dropped and their number is logged as a warning.
    /// A logger that panics loses the message it panicked on, not the later ones.
    ///
    /// Messages at [`Bug`](DebugOutputLevel::Bug) level (the library's failed assertions) are
    /// also written to standard error at once: after a fatal one the library ends the process
    /// (exit status 1) before the thread could log it.
    ///
    /// ```no_run
    /// # fn main() -> steam_sockets::Result<()> {
    /// let sockets = steam_sockets::Sockets::init_gns()?;
    /// // With any `log` implementation installed (env_logger, tracing-log, ...):
    /// sockets.set_debug_output(steam_sockets::DebugOutputLevel::Warning)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the operating system cannot start the forwarding thread
    /// (the first time output is turned on).
    pub fn set_debug_output(&self, level: DebugOutputLevel) -> Result<()> {
        let _setting = DEBUG_OUTPUT_SETTING.lock().unwrap_or_else(PoisonError::into_inner);
        let callback: sys::FSteamNetworkingSocketsDebugOutput = if level == DebugOutputLevel::None {
            DEBUG_OUTPUT_ON.store(false, Ordering::Relaxed);
            None
        } else {
            // Start the thread before the library can call the function.
            debug_output_queue()?;
            DEBUG_OUTPUT_ON.store(true, Ordering::Relaxed);
            Some(on_debug_output)
        };
        // SAFETY: live utils interface; the function (if any) is `on_debug_output`, which has
        // the signature the library expects, is valid for the whole process, tolerates calls
        // from any thread and a null message, and lets no panic escape.
        unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_SetDebugOutputFunction(
                self.api().utils(),
                level.to_raw(),
                callback,
            )
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use sys::ESteamNetworkingSocketsDebugOutputType as T;

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
        // A spread of values, including every byte in every position.
        for shift in [0, 8, 16, 24] {
            for byte in 0..=255u32 {
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
        let error: Error = "IAD".parse::<PopId>().unwrap_err().into();
        assert!(matches!(error, Error::InvalidArgument(_)), "{error:?}");
    }

    #[test]
    fn ping_answers_are_typed() {
        assert_eq!(PingEstimate::from_raw(42), PingEstimate::RoundTrip(Duration::from_millis(42)));
        assert_eq!(PingEstimate::from_raw(0).round_trip(), Some(Duration::ZERO));
        assert_eq!(PingEstimate::from_raw(-1), PingEstimate::Failed);
        assert_eq!(PingEstimate::from_raw(-2), PingEstimate::Unknown);
        assert_eq!(PingEstimate::from_raw(-3), PingEstimate::Other(-3));
        assert_eq!(PingEstimate::from_raw(i32::MIN).round_trip(), None);
        assert_eq!(ping_from_millis(7), Some(Duration::from_millis(7)));
        assert_eq!(ping_from_millis(-1), None);
    }

    #[test]
    fn fake_ip_types_convert_with_a_fallback() {
        use sys::ESteamNetworkingFakeIPType as F;
        assert_eq!(FakeIpType::from_raw(F::Invalid), FakeIpType::Invalid);
        assert_eq!(FakeIpType::from_raw(F::NotFake), FakeIpType::NotFake);
        assert_eq!(FakeIpType::from_raw(F::GlobalIPv4), FakeIpType::GlobalIpv4);
        assert_eq!(FakeIpType::from_raw(F::LocalIPv4), FakeIpType::LocalIpv4);
        assert_eq!(FakeIpType::from_raw(F(99)), FakeIpType::Other(99));
    }

    #[test]
    fn ping_location_debug_is_short() {
        let location = PingLocation { raw: sys::SteamNetworkPingLocation_t { m_data: [7; 512] } };
        let text = format!("{location:?}");
        assert!(text.starts_with("PingLocation { fingerprint: "), "{text}");
        assert!(text.len() < 64, "{text}");
        let mut other = location.clone();
        other.raw.m_data[511] = 8;
        assert_ne!(format!("{other:?}"), text);
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
    fn debug_output_levels_convert_to_the_library_values() {
        let all = [
            DebugOutputLevel::None,
            DebugOutputLevel::Bug,
            DebugOutputLevel::Error,
            DebugOutputLevel::Important,
            DebugOutputLevel::Warning,
            DebugOutputLevel::Msg,
            DebugOutputLevel::Verbose,
            DebugOutputLevel::Debug,
            DebugOutputLevel::Everything,
        ];
        for (value, level) in all.into_iter().enumerate() {
            assert_eq!(level.to_raw().0, i32::try_from(value).unwrap(), "{level:?}");
        }
    }

    #[test]
    fn library_messages_are_copied_safely() {
        // SAFETY: null is allowed.
        let none = unsafe { copy_message(std::ptr::null()) };
        assert!(!none.is_empty());
        let bytes = b"bad \xff byte\n\0";
        // SAFETY: a NUL-terminated buffer that outlives the call.
        let text = unsafe { copy_message(bytes.as_ptr().cast()) };
        assert_eq!(text, "bad \u{fffd} byte");
        // The callback itself survives a null message whether or not output is on.
        // SAFETY: null is a message the callback must tolerate.
        unsafe { on_debug_output(T::Error, std::ptr::null()) };
    }

    #[cfg(not(feature = "steam"))]
    #[test]
    fn ping_location_methods_are_unsupported_on_gns() {
        let sockets = Sockets::init_gns().unwrap();
        let location = PingLocation { raw: sys::SteamNetworkPingLocation_t { m_data: [0; 512] } };
        let unsupported = |function| Error::Unsupported { backend: "gns", function };
        assert_eq!(
            sockets.estimate_ping_between(&location, &location),
            Err(unsupported("EstimatePingTimeBetweenTwoLocations"))
        );
        assert_eq!(
            sockets.estimate_ping_from_local_host(&location),
            Err(unsupported("EstimatePingTimeFromLocalHost"))
        );
        assert_eq!(
            sockets.ping_location_to_string(&location),
            Err(unsupported("ConvertPingLocationToString"))
        );
    }
}
