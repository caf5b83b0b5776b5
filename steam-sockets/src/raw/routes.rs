//! Which `Sockets` owns which handle, so that the library's callbacks, which carry no context
//! pointer, reach the right event channel.
//!
//! A `Sockets` registers a [`Hub`]: a function that takes what the library reported. Objects
//! are entered under their handle while the table is locked, around the C call that creates
//! them, so no callback for a new object can be dispatched before its route exists. The hub
//! is held weakly: a dropped `Sockets` stops receiving, and its objects' callbacks are dropped.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, PoisonError, RwLock, Weak};

use steam_sockets_sys as sys;

use super::types::{ConnectionHandle, ListenSocketHandle, NO_HANDLE};

/// What the library reported, borrowed for the duration of its callback.
#[derive(Clone, Copy)]
pub(crate) enum Report<'a> {
    /// A connection's status changed (`SteamNetConnectionStatusChangedCallback_t`).
    ConnectionStatus(&'a sys::SteamNetConnectionStatusChangedCallback_t),
    /// Authentication status (process-wide).
    #[cfg_attr(not(feature = "steam"), allow(dead_code))]
    AuthenticationStatus(&'a sys::SteamNetAuthenticationStatus_t),
    /// Relay network status (process-wide).
    #[cfg_attr(not(feature = "steam"), allow(dead_code))]
    RelayNetworkStatus(&'a sys::SteamRelayNetworkStatus_t),
    /// A FakeIP request finished (process-wide).
    #[cfg_attr(not(feature = "steam"), allow(dead_code))]
    FakeIpResult(&'a sys::SteamNetworkingFakeIPResult_t),
    /// A peer asks for a messages session (process-wide).
    SessionRequest(&'a sys::SteamNetworkingMessagesSessionRequest_t),
    /// A messages session failed (process-wide).
    SessionFailed(&'a sys::SteamNetworkingMessagesSessionFailed_t),
}

/// The receiving end of one `Sockets`: turns reports into events on its channel. It runs no
/// user code (it only sends on a channel), so it may run inside the library's callbacks.
pub(crate) type Hub = Box<dyn Fn(Report<'_>) + Send + Sync>;

/// Hashes a handle with one multiplication. Every status event looks its handle up, and the
/// default SipHash was a tenth of an event's cost; handles come from the library, not from a
/// peer, so there is no flooding to resist.
#[derive(Default)]
struct HandleHasher(u64);

impl Hasher for HandleHasher {
    fn write(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.write_u32(b.into()));
    }

    fn write_u32(&mut self, n: u32) {
        // Fibonacci hashing: the odd constant spreads the handle over the high bits.
        self.0 = (self.0.rotate_left(5) ^ u64::from(n)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        // The table picks buckets by the low bits: fold the high ones in, so that handles
        // that differ only in their high bits do not share buckets.
        self.0 ^ (self.0 >> 32)
    }
}

type HandleMap<K> = HashMap<K, Weak<Hub>, BuildHasherDefault<HandleHasher>>;

#[derive(Default)]
struct Routes {
    listen_sockets: HandleMap<ListenSocketHandle>,
    connections: HandleMap<ConnectionHandle>,
    hubs: Vec<Weak<Hub>>,
}

static ROUTES: RwLock<Option<Routes>> = RwLock::new(None);

fn write<R>(f: impl FnOnce(&mut Routes) -> R) -> R {
    let mut routes = ROUTES.write().unwrap_or_else(PoisonError::into_inner);
    f(routes.get_or_insert_with(Routes::default))
}

fn read<R>(f: impl FnOnce(&Routes) -> R) -> Option<R> {
    let routes = ROUTES.read().unwrap_or_else(PoisonError::into_inner);
    routes.as_ref().map(f)
}

/// Registers a hub for process-wide reports.
pub(crate) fn register_hub(hub: &Arc<Hub>) {
    write(|r| {
        r.hubs.retain(|h| h.strong_count() > 0);
        r.hubs.push(Arc::downgrade(hub));
    });
}

/// Runs `create` (a C call that makes a listen socket) with the table locked, and routes the
/// new socket to `hub`.
pub(super) fn create_listen_socket<E>(
    hub: &Arc<Hub>,
    create: impl FnOnce() -> Result<ListenSocketHandle, E>,
) -> Result<ListenSocketHandle, E> {
    write(|r| {
        let handle = create()?;
        r.listen_sockets.insert(handle, Arc::downgrade(hub));
        Ok(handle)
    })
}

/// Runs `create` (a C call that makes a connection) with the table locked, and routes the
/// new connection to `hub`.
pub(super) fn create_connection<E>(
    hub: &Arc<Hub>,
    create: impl FnOnce() -> Result<ConnectionHandle, E>,
) -> Result<ConnectionHandle, E> {
    create_connections(hub, || create().map(|handle| [handle])).map(|[handle]| handle)
}

/// As [`create_connection`], for a call that makes `N` connections.
pub(super) fn create_connections<const N: usize, E>(
    hub: &Arc<Hub>,
    create: impl FnOnce() -> Result<[ConnectionHandle; N], E>,
) -> Result<[ConnectionHandle; N], E> {
    write(|r| {
        let handles = create()?;
        for handle in handles {
            r.connections.insert(handle, Arc::downgrade(hub));
        }
        Ok(handles)
    })
}

pub(super) fn forget_connection(handle: ConnectionHandle) {
    write(|r| r.connections.remove(&handle));
}

pub(super) fn forget_listen_socket(handle: ListenSocketHandle) {
    write(|r| r.listen_sockets.remove(&handle));
}

/// The owner of a connection: through its listen socket if it arrived on one, else by its
/// own handle.
pub(super) fn hub_for(
    connection: ConnectionHandle,
    listen_socket: ListenSocketHandle,
) -> Option<Arc<Hub>> {
    read(|r| {
        let route = if listen_socket != NO_HANDLE {
            r.listen_sockets.get(&listen_socket)
        } else {
            r.connections.get(&connection)
        };
        route.and_then(Weak::upgrade)
    })
    .flatten()
}

/// Hands a report to every live hub.
pub(super) fn broadcast(report: Report<'_>) {
    let hubs: Vec<Arc<Hub>> =
        read(|r| r.hubs.iter().filter_map(Weak::upgrade).collect()).unwrap_or_default();
    for hub in hubs {
        hub(report);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn handles_that_differ_only_in_high_bits_spread_over_buckets() {
        let hasher = BuildHasherDefault::<HandleHasher>::default();
        let buckets: HashSet<u64> = (0..256u32).map(|i| hasher.hash_one(i << 24) & 0xff).collect();
        assert!(buckets.len() > 128, "{} of 256 buckets used", buckets.len());
        let low: HashSet<u64> = (0..256u32).map(|i| hasher.hash_one(i) & 0xff).collect();
        assert!(low.len() > 128, "{} of 256 buckets used", low.len());
    }
}
