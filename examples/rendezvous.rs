//! A rendezvous (signaling) server for P2P on GameNetworkingSockets: the crate's
//! `SignalingServer`, which speaks Valve's trivial signaling protocol, so it also serves
//! Valve's C++ `trivial_signaling_client`. Peers that keep a `SignalingClient` connected to it
//! can `connect_p2p` to each other by identity (see `p2p_chat`).
//!
//! ```text
//! cargo run -p steam-sockets-examples --example rendezvous -- --listen 0.0.0.0:10000
//! ```
//!
//! Prints `rendezvous: listening on <address>` and serves until interrupted, or for
//! `--seconds N`. No authentication and no rate limit: for development and LAN games.

#[allow(dead_code)]
mod common;

use std::process::ExitCode;
use std::time::Duration;

use steam_sockets::SignalingServer;

fn main() -> ExitCode {
    let result = common::Args::parse(&["listen", "seconds"]).and_then(|args| {
        let address = args.text("listen").unwrap_or("0.0.0.0:10000");
        let server = SignalingServer::bind(address)?;
        println!("rendezvous: listening on {}", server.local_addr());
        let seconds = args.value("seconds", u64::MAX)?;
        std::thread::sleep(Duration::from_secs(seconds.min(u64::from(u32::MAX))));
        Ok(())
    });
    common::finish("rendezvous", result)
}
