//! The Steam-backend run-time suite (`cargo xtask steam`): steam-sockets' Steam code paths run
//! for real, under Valve's own `libsteam_api` loading a test double of `steamclient.so` (the
//! patched Goldberg emulator in `shared/steam-emulator`), as two processes in two network
//! namespaces joined by a veth pair:
//!
//! * `identity`: `init_steam_client`, and `identity()` is the configured SteamID;
//! * `p2p-echo`: `listen_p2p` / `connect_p2p` by SteamID, accepted, 1,000 reliable messages each
//!   way intact and in order, and the close (reason and text) seen by the peer;
//! * `p2p-chat`: the `p2p_chat` example, listen and connect;
//! * `coexistence`: one process in which the `steamworks` crate (0.13.1, on the same
//!   steamworks-sys) initialises Steam and steam-sockets attaches to it; a steamworks P2P
//!   listen socket and a steam-sockets one each accept a connection from the other process,
//!   and each library receives all of its own events and none of the other's;
//! * `global-chain`: another global relay-status handler is installed first; steam-sockets'
//!   `enable_global_events` keeps calling it, and both see every relay status event;
//! * `renet` and `aeronet`: the P2P suite's transport scenarios (`transport-peers`) on the
//!   Steam backend: renet over steam-sockets-renet and aeronet sessions over
//!   steam-sockets-aeronet, by SteamID and P2P virtual port.
//!
//! Usage: `steam-sockets-steam-suite run --emulator <steamclient.so> --p2p-chat <binary>
//! --scratch <dir>` (as root), and `steam-sockets-steam-suite peer <role> [args]`, which the
//! harness runs inside the namespaces. Output: one `STEAM scenario=<name> result=<ok|FAIL>`
//! line per scenario, or `STEAM skipped: <why>`.

mod harness;
mod peer;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["run", rest @ ..] => match paths(rest) {
            Some(paths) => harness::run(&paths),
            None => usage(),
        },
        ["peer", role, rest @ ..] => {
            let outcome = match (*role, rest) {
                ("identity", []) => peer::identity(),
                ("echo-server", []) => peer::echo_server(),
                ("echo-client", [server]) => peer::echo_client(server),
                ("coexist-host", []) => peer::coexist_host(),
                ("coexist-guest", [host]) => peer::coexist_guest(host),
                ("global-chain", []) => peer::global_chain(),
                ("renet-server", []) => peer::serve_transport(transport_peers::renet::server),
                ("renet-client", [server]) => {
                    peer::join_transport(server, transport_peers::renet::client)
                }
                ("aeronet-server", []) => peer::serve_transport(transport_peers::aeronet::server),
                ("aeronet-client", [server]) => {
                    peer::join_transport(server, transport_peers::aeronet::client)
                }
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

fn paths(args: &[&str]) -> Option<harness::Paths> {
    let (mut emulator, mut p2p_chat, mut scratch) = (None, None, None);
    let mut args = args.iter();
    while let Some(&flag) = args.next() {
        let value = PathBuf::from(*args.next()?);
        match flag {
            "--emulator" => emulator = Some(value),
            "--p2p-chat" => p2p_chat = Some(value),
            "--scratch" => scratch = Some(value),
            _ => return None,
        }
    }
    Some(harness::Paths { emulator: emulator?, p2p_chat: p2p_chat?, scratch: scratch? })
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: steam-sockets-steam-suite run --emulator <steamclient.so> --p2p-chat <binary> \
         --scratch <dir>\n       steam-sockets-steam-suite peer <identity|echo-server|\
         echo-client ID|coexist-host|coexist-guest ID|global-chain|renet-server|renet-client ID|\
         aeronet-server|aeronet-client ID>"
    );
    ExitCode::from(2)
}
