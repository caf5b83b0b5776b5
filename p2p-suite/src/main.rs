//! The P2P run-time suite on GameNetworkingSockets (`cargo xtask p2p`, part of `cargo xtask
//! test`): two processes in two network namespaces joined by a veth pair (10.77.0.1/24 and
//! 10.77.0.2/24, IPv6 off, no route anywhere else) connect by identity, over ICE, through the
//! crate's own signaling: a [`SignalingServer`](steam_sockets::SignalingServer) in namespace A
//! and a [`SignalingClient`](steam_sockets::SignalingClient) in each peer, so that plain
//! `listen_p2p` / `connect_p2p` work as they do on Steam.
//!
//! * `p2p-echo`: connected (the time it took is printed), 1,000 reliable messages echoed on two
//!   lanes, intact and in order on each; the close (reason and text) seen by the peer; then a
//!   second connection between the same peers, after the first closed;
//! * `peer-death`: the connecting peer dies (aborts) once connected; the other side sees the
//!   connection time out;
//! * `messages`: `ISteamNetworkingMessages` between the same peers: a session request,
//!   accepted; 1,000 messages on two channels echoed back, intact and in order on each; a
//!   closed channel; a refused session;
//! * `renet`: a renet server and client on `steam-sockets-renet`'s transports, by P2P
//!   virtual port and identity: 200 reliable-ordered messages echoed in order, then the client
//!   leaves and the server sees it;
//! * `aeronet`: aeronet sessions on `steam-sockets-aeronet`'s IO layer, in a headless bevy
//!   `App` on each side: a server by P2P virtual port, a client by identity; 200 packets
//!   echoed intact, then the client disconnects and the server reads its reason;
//! * `p2p-chat`: the `p2p_chat` example on GNS, listening (and serving the signaling) in A and
//!   connecting from B: a typed line arrives, and the close ("bye") reaches the listener.
//!
//! Usage: `steam-sockets-p2p-suite run --p2p-chat <example>` (as root), and `steam-sockets-p2p-suite peer <role>`,
//! which the harness runs inside the namespaces. Output: one `P2P scenario=<name>
//! result=<ok|FAIL>` line per scenario (after `# ...` detail lines), or `P2P skipped: <why>`.

#[cfg(feature = "gns")]
mod harness;
#[cfg(feature = "gns")]
mod peer;

use std::process::ExitCode;

#[cfg(not(feature = "gns"))]
fn main() -> ExitCode {
    eprintln!(
        "steam-sockets-p2p-suite runs on the GameNetworkingSockets backend: build it with \
         `--features gns`, or run `cargo xtask p2p`"
    );
    ExitCode::from(2)
}

#[cfg(feature = "gns")]
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["run", "--p2p-chat", chat] => harness::run(std::path::Path::new(chat)),
        ["peer", role] => {
            let outcome = match *role {
                "echo-server" => peer::echo_server(),
                "echo-client" => peer::echo_client(),
                "death-watcher" => peer::death_watcher(),
                "dying-client" => peer::dying_client(),
                "messages-echo" => peer::messages_echo(),
                "messages-client" => peer::messages_client(),
                "renet-server" => peer::serve_transport(transport_peers::renet::server),
                "renet-client" => peer::join_transport(transport_peers::renet::client),
                "aeronet-server" => peer::serve_transport(transport_peers::aeronet::server),
                "aeronet-client" => peer::join_transport(transport_peers::aeronet::client),
                _ => return usage(),
            };
            match outcome {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("peer {role}: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => usage(),
    }
}

#[cfg(feature = "gns")]
fn usage() -> ExitCode {
    eprintln!(
        "usage: steam-sockets-p2p-suite run --p2p-chat <the p2p_chat example, on gns>\n       \
         steam-sockets-p2p-suite peer \
         <echo-server|echo-client|death-watcher|dying-client|messages-echo|messages-client|\
         renet-server|renet-client|aeronet-server|aeronet-client>"
    );
    ExitCode::from(2)
}
