//! This host's status as the library reports it: the availability of its services
//! (authentication, the relay network) and its FakeIP addresses. Plain values, built by the
//! raw layer from the library's structs (`raw/convert.rs`).

use std::net::Ipv4Addr;

use crate::identity::NetworkIdentity;
use crate::raw::types::ResultCode;

/// Availability of a service, as `ESteamNetworkingAvailability`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Availability {
    /// A dependency is missing; the service cannot be tried.
    CannotTry,
    /// Tried long enough and never succeeded.
    Failed,
    /// Worked before, failing now.
    Previously,
    /// Failed, retrying.
    Retrying,
    /// Never tried.
    NeverTried,
    /// Waiting for a dependency.
    Waiting,
    /// Trying now.
    Attempting,
    /// Available.
    Current,
    /// Not applicable.
    Unknown,
    /// A value this crate does not know.
    Other(i32),
}

/// A service's availability and the library's explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStatus {
    /// Availability.
    pub availability: Availability,
    /// English explanation, for diagnostics.
    pub message: String,
}

/// Status of the Steam Datagram Relay network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayNetworkStatus {
    /// Summary.
    pub availability: Availability,
    /// Whether ping measurement is in progress.
    pub ping_measurement_in_progress: bool,
    /// Network configuration download.
    pub network_config: Availability,
    /// Reachability of any relay.
    pub any_relay: Availability,
    /// English explanation, for diagnostics.
    pub message: String,
}

/// The outcome of a FakeIP request
/// ([`Sockets::begin_async_request_fake_ip`](crate::Sockets::begin_async_request_fake_ip)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeIpResult {
    /// Whether the request succeeded (`OK`), or why not.
    pub result: ResultCode,
    /// The identity the addresses belong to.
    pub identity: NetworkIdentity,
    /// The fake IPv4 address.
    pub ip: Ipv4Addr,
    /// The fake ports, one per requested port (zeros omitted).
    pub ports: Vec<u16>,
}

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
