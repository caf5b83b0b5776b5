//! The peers of the transport scenarios, shared by the P2P suite (GNS, over ICE between two
//! network namespaces) and the Steam suite (the Steam backend under the test double): a
//! server on P2P virtual port 0 and a client connecting to it by identity, on
//! [`steam-sockets-renet`](renet) and on [`steam-sockets-aeronet`](aeronet). Each suite makes
//! the `Sockets` (and, on GNS, the signaling) and reads the lines the peers print.

pub mod aeronet;
pub mod renet;

use std::time::Duration;

/// What a peer returns: `Err` with why it failed.
pub type Outcome = Result<(), String>;

/// Longest any one step may take.
pub const STEP: Duration = Duration::from_secs(30);
