//! The Steam Datagram Relay network as seen from this host: its status, ping locations and
//! estimates, and Valve's data centres (`pop.rs`). Steam only: GameNetworkingSockets declares
//! these functions but does not compile them in; on the `gns` backend the methods exist (so
//! code compiles on both) and return `Error::Unsupported` naming the C function.

use std::fmt;
use std::time::Duration;

pub(crate) mod pop;

use pop::PopId;

use crate::error::Result;
use crate::raw::c_string;
use crate::raw::steam_only::relay::{self as steam_only, PingBlob};
use crate::sockets::Sockets;
use crate::status::RelayNetworkStatus;

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
    blob: PingBlob,
}

impl PingLocation {
    /// 64-bit FNV-1a hash of the blob: enough to tell two locations apart in logs.
    fn fingerprint(&self) -> u64 {
        self.blob.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
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
    fn from_millis(milliseconds: i32) -> PingEstimate {
        match milliseconds {
            // `k_nSteamNetworkingPing_Failed` and `_Unknown`.
            -1 => PingEstimate::Failed,
            -2 => PingEstimate::Unknown,
            other => match u64::try_from(other) {
                Ok(ms) => PingEstimate::RoundTrip(Duration::from_millis(ms)),
                Err(_) => PingEstimate::Other(other),
            },
        }
    }
}

/// Milliseconds to a `Duration`; `None` for the negative "no answer" values.
fn ping_from_millis(milliseconds: i32) -> Option<Duration> {
    u64::try_from(milliseconds).ok().map(Duration::from_millis)
}

/// The relay network, ping locations and data centres (Steam only: on GNS these return
/// [`Error::Unsupported`](crate::Error::Unsupported)).
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
    /// [`Error::Unsupported`](crate::Error::Unsupported) on the `gns` backend.
    pub fn init_relay_network_access(&self) -> Result<()> {
        steam_only::init_relay_network_access(self.api())
    }

    /// The current status of the relay network.
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) on the `gns` backend.
    pub fn relay_network_status(&self) -> Result<RelayNetworkStatus> {
        steam_only::relay_network_status_now(self.api())
    }

    /// This host's ping location and the age of the measurements it is based on, or `None` if
    /// no data is available yet (it takes a few seconds after
    /// [`init_relay_network_access`](Sockets::init_relay_network_access)).
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) on the `gns` backend.
    pub fn local_ping_location(&self) -> Result<Option<(PingLocation, Duration)>> {
        let (blob, age_seconds) = steam_only::local_ping_location(self.api())?;
        // The library answers -1 when it has no data; `try_from_secs_f32` also refuses any
        // other negative, NaN or infinite age instead of panicking.
        Ok(Duration::try_from_secs_f32(age_seconds).ok().map(|age| (PingLocation { blob }, age)))
    }

    /// Estimates the round-trip time between two hosts from their ping locations, through the
    /// relay network, without sending any packet.
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) on the `gns` backend. A failed estimate is
    /// not an error: it is [`PingEstimate::Failed`] or [`PingEstimate::Unknown`].
    pub fn estimate_ping_between(
        &self,
        first: &PingLocation,
        second: &PingLocation,
    ) -> Result<PingEstimate> {
        steam_only::estimate_ping_between(self.api(), &first.blob, &second.blob)
            .map(PingEstimate::from_millis)
    }

    /// Estimates the round-trip time from this host to a remote ping location. Faster than
    /// [`estimate_ping_between`](Sockets::estimate_ping_between) with the local location, and
    /// sometimes slightly more accurate.
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) on the `gns` backend. A failed estimate is
    /// not an error: it is [`PingEstimate::Failed`] or [`PingEstimate::Unknown`].
    pub fn estimate_ping_from_local_host(&self, remote: &PingLocation) -> Result<PingEstimate> {
        steam_only::estimate_ping_from_local_host(self.api(), &remote.blob)
            .map(PingEstimate::from_millis)
    }

    /// Converts a ping location to the library's compact text form, for sending it to another
    /// host (for example through a matchmaking service). Do not parse it yourself: the format
    /// may change.
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) on the `gns` backend.
    pub fn ping_location_to_string(&self, location: &PingLocation) -> Result<String> {
        steam_only::ping_location_to_string(self.api(), &location.blob)
    }

    /// Parses a ping location from the text form made by
    /// [`ping_location_to_string`](Sockets::ping_location_to_string).
    ///
    /// # Errors
    /// [`Error::InteriorNul`](crate::Error::InteriorNul) if `text` contains NUL;
    /// [`Error::Failed`](crate::Error::Failed) (function `"ParsePingLocationString"`) if the
    /// library does not understand it; [`Error::Unsupported`](crate::Error::Unsupported) on the
    /// `gns` backend.
    pub fn parse_ping_location(&self, text: &str) -> Result<PingLocation> {
        let text = c_string("ping location string", text)?;
        steam_only::parse_ping_location(self.api(), &text).map(|blob| PingLocation { blob })
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
    /// [`Error::Unsupported`](crate::Error::Unsupported) on the `gns` backend.
    pub fn check_ping_data_up_to_date(&self, max_age: Duration) -> Result<bool> {
        steam_only::check_ping_data_up_to_date(self.api(), max_age.as_secs_f32())
    }

    /// The best relayed round-trip time from this host to a data center, and the data center
    /// whose relay the route enters the network through; `None` if there is no route (or no
    /// ping data yet).
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) on the `gns` backend.
    pub fn ping_to_data_center(&self, data_center: PopId) -> Result<Option<(Duration, PopId)>> {
        let (milliseconds, via) = steam_only::ping_to_data_center(self.api(), data_center.0)?;
        Ok(ping_from_millis(milliseconds).map(|ping| (ping, PopId(via))))
    }

    /// The direct (unrelayed) round-trip time from this host to a data center's relays; `None`
    /// if unknown.
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) on the `gns` backend.
    pub fn direct_ping_to_pop(&self, data_center: PopId) -> Result<Option<Duration>> {
        steam_only::direct_ping_to_pop(self.api(), data_center.0).map(ping_from_millis)
    }

    /// The number of data centers in the relay network's configuration (0 before the
    /// configuration is downloaded).
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) on the `gns` backend.
    pub fn pop_count(&self) -> Result<usize> {
        steam_only::pop_count(self.api())
    }

    /// Every data center in the relay network's configuration (empty before the configuration
    /// is downloaded).
    ///
    /// # Errors
    /// [`Error::Unsupported`](crate::Error::Unsupported) on the `gns` backend.
    pub fn pop_list(&self) -> Result<Vec<PopId>> {
        Ok(steam_only::pop_list(self.api())?.into_iter().map(PopId).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_answers_are_typed() {
        assert_eq!(
            PingEstimate::from_millis(42),
            PingEstimate::RoundTrip(Duration::from_millis(42))
        );
        assert_eq!(PingEstimate::from_millis(0).round_trip(), Some(Duration::ZERO));
        assert_eq!(PingEstimate::from_millis(-1), PingEstimate::Failed);
        assert_eq!(PingEstimate::from_millis(-2), PingEstimate::Unknown);
        assert_eq!(PingEstimate::from_millis(-3), PingEstimate::Other(-3));
        assert_eq!(PingEstimate::from_millis(i32::MIN).round_trip(), None);
        assert_eq!(ping_from_millis(7), Some(Duration::from_millis(7)));
        assert_eq!(ping_from_millis(-1), None);
    }

    #[test]
    fn ping_location_debug_is_short() {
        let location = PingLocation { blob: [7; 512] };
        let text = format!("{location:?}");
        assert!(text.starts_with("PingLocation { fingerprint: "), "{text}");
        assert!(text.len() < 64, "{text}");
        let mut other = location.clone();
        other.blob[511] = 8;
        assert_ne!(format!("{other:?}"), text);
    }

    #[cfg(not(feature = "steam"))]
    #[test]
    #[cfg_attr(miri, ignore = "calls the C library")]
    fn ping_location_methods_are_unsupported_on_gns() {
        let sockets = Sockets::init_gns().unwrap();
        let location = PingLocation { blob: [0; 512] };
        use crate::error::Error;
        let unsupported = |function| Error::Unsupported { backend: crate::Backend::Gns, function };
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
