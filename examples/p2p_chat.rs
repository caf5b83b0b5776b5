//! P2P chat: two peers talk by identity. On Steam, two Steam users by SteamID, through the
//! Steam Datagram Relay (SDR); on GameNetworkingSockets, two named peers directly (ICE), their
//! connection set up through a rendezvous server (`SignalingServer`, which the listening side
//! can run itself with `--serve`). No port forwarding either way.
//!
//! ```text
//! # Steam. Machine A, logged in to Steam as user A:
//! cargo run -p steam-sockets-examples --example p2p_chat -- listen
//! #   prints "my identity: steamid:7656119..." once the relay network is ready
//! # Machine B, logged in to Steam as user B (another account):
//! cargo run -p steam-sockets-examples --example p2p_chat -- connect 7656119...
//!
//! # GameNetworkingSockets. Machine A (10.0.0.1), also the rendezvous server:
//! cargo run -p steam-sockets-examples --example p2p_chat --no-default-features --features gns \
//!     -- listen --identity str:alice --signaling 10.0.0.1:10000 --serve
//! # Machine B:
//! cargo run -p steam-sockets-examples --example p2p_chat --no-default-features --features gns \
//!     -- connect str:alice --identity str:bob --signaling 10.0.0.1:10000
//! ```
//!
//! Then type lines on either side; `/quit` (or end of input) leaves. Options: `--app-id N`
//! (default 480, Valve's public "Spacewar" test app, which every Steam account can use; your
//! own app id once you have one), `--port N` (the P2P virtual port, default 0), `--seconds N`
//! (give up waiting for the relay network or the peer after N seconds, default 60).
//!
//! What it shows: `Sockets::init_steam_client`; `init_relay_network_access`, which starts
//! measuring pings to Valve's relays ahead of time, with each `Event::RelayNetworkStatus`
//! (enabled with `enable_global_events`) printed until the network is available;
//! `listen_p2p` / `connect_p2p` by `SteamId`; and a plain receive loop. The app id reaches
//! Steam through the `SteamAppId` environment variable: when it is not already set to
//! `--app-id`, the example runs itself again with it set.
//!
//! On GameNetworkingSockets: `Sockets::init_gns_with_identity`, and a `SignalingClient`, which
//! makes plain `listen_p2p` / `connect_p2p` work as on Steam. The P2P suite (`cargo xtask p2p`)
//! runs it between two network namespaces.
//!
//! Expected output on Steam without a Steam client (as on a build machine): one line,
//! `p2p_chat: error: Steam client not running (or not logged in): ...` and exit code 1.

#[allow(dead_code)]
mod common;

use std::process::ExitCode;
use std::time::Duration;

#[cfg(feature = "steam")]
use steam_sockets::{Availability, GlobalEvents};
use steam_sockets::{Event, Message, NetworkIdentity, SendFlags, Sockets, SteamId};
#[cfg(feature = "gns")]
use steam_sockets::{SignalingClient, SignalingServer};

use common::{BoxError, Deadline};

#[cfg(feature = "steam")]
fn main() -> ExitCode {
    common::steam_main("p2p_chat", &["port", "seconds"], |args| {
        let sockets = Sockets::init_steam_client().map_err(common::explain)?;
        let wait = Duration::from_secs(args.value("seconds", 60u64)?);
        wait_for_relays(&sockets, &sockets.events(), Deadline::after(wait))?;
        chat(&sockets, args)
    })
}

#[cfg(feature = "gns")]
fn main() -> ExitCode {
    let result =
        common::Args::parse(&["port", "seconds", "identity", "signaling"]).and_then(|args| {
            let identity = args.text("identity").ok_or("--identity str:NAME is needed on GNS")?;
            let server = args.text("signaling").ok_or("--signaling HOST:PORT is needed on GNS")?;
            let sockets = Sockets::init_gns_with_identity(&identity.parse()?)?;
            // The listening side may be the rendezvous server too.
            let _server =
                if args.flag("serve") { Some(SignalingServer::bind(server)?) } else { None };
            let _signaling = SignalingClient::connect(&sockets, server)?;
            chat(&sockets, &args)
        });
    common::finish("p2p_chat", result)
}

/// Listens for one peer, or connects to one, and chats until `/quit`, end of input or the
/// peer's close.
fn chat(sockets: &Sockets, args: &common::Args) -> Result<(), BoxError> {
    let port = args.value("port", 0i32)?;
    let wait = Duration::from_secs(args.value("seconds", 60u64)?);
    let peer = match (args.word(0), args.word(1)) {
        (Some("listen"), None) => None,
        (Some("connect"), Some(who)) => Some(parse_peer(who)?),
        _ => return fail!("usage: p2p_chat listen | p2p_chat connect <identity> [--app-id N]"),
    };
    let events = sockets.events();
    println!("my identity: {}", sockets.identity()?);

    let deadline = Deadline::after(wait);
    let (_listener, conn) = match peer {
        None => {
            let listener = sockets.listen_p2p(port, &[])?;
            println!("listening on virtual port {port}: run `p2p_chat connect <my identity>`");
            let conn = loop {
                if deadline.passed() {
                    return fail!("nobody connected within {} s", wait.as_secs());
                }
                sockets.run_callbacks();
                if let Some(Event::Incoming(request)) =
                    events.try_iter().find(|e| matches!(e, Event::Incoming(_)))
                {
                    println!("{} is connecting", request.info().remote_identity);
                    break request.accept()?;
                }
                std::thread::sleep(Duration::from_millis(10));
            };
            (Some(listener), conn)
        }
        Some(peer) => {
            println!("connecting to {peer} on virtual port {port}");
            (None, sockets.connect_p2p(&peer, port, &[])?)
        }
    };

    let lines = stdin_lines();
    let mut inbox: Vec<Message> = Vec::with_capacity(64);
    let mut connected = false;
    loop {
        sockets.run_callbacks();
        for event in events.try_iter() {
            match event {
                Event::ConnectionStatus(change) if change.connection == conn.id() => {
                    if let Some(reason) = change.info.close_reason() {
                        println!("* connection closed: {reason:?}");
                        return Ok(());
                    }
                    if change.info.state == steam_sockets::ConnectionState::Connected {
                        connected = true;
                        let how = change.info.description;
                        println!("* connected to {} ({how})", change.info.remote_identity);
                    }
                }
                Event::RelayNetworkStatus(status) => println!("* relays: {}", status.message),
                _ => {}
            }
        }
        if !connected && deadline.passed() {
            return fail!("could not connect within {} s", wait.as_secs());
        }
        if connected {
            match lines.try_recv() {
                Ok(line) if line.trim() == "/quit" => break,
                Ok(line) => {
                    conn.send(line.as_bytes(), SendFlags::RELIABLE)?;
                }
                Err(crossbeam_channel::TryRecvError::Empty) => {}
                Err(crossbeam_channel::TryRecvError::Disconnected) => break,
            }
        }
        conn.receive(&mut inbox, 64)?;
        for msg in inbox.drain(..) {
            println!("> {}", String::from_utf8_lossy(&msg));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    conn.close(
        steam_sockets::EndReason::APP_GENERIC,
        "bye",
        steam_sockets::QueuedMessages::Deliver,
    )
    .map_err(steam_sockets::Error::from)?;
    // The library sends the close from its own thread: give it a moment before the process
    // ends, or the peer only finds out by timing out.
    let linger = Deadline::after(Duration::from_millis(500));
    while !linger.passed() {
        sockets.run_callbacks();
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// A peer given as a 64-bit SteamID (`7656119...`) or in Valve's text form (`steamid:...`).
fn parse_peer(text: &str) -> Result<NetworkIdentity, BoxError> {
    if let Ok(id) = text.parse::<u64>() {
        let id = SteamId(id);
        if !id.is_valid() {
            return fail!("{text} is not a valid SteamID");
        }
        return Ok(NetworkIdentity::SteamId(id));
    }
    Ok(text.parse::<NetworkIdentity>()?)
}

/// Starts relay network access and prints its progress until it is available.
#[cfg(feature = "steam")]
fn wait_for_relays(
    sockets: &Sockets,
    events: &crossbeam_channel::Receiver<Event>,
    deadline: Deadline,
) -> Result<(), BoxError> {
    sockets.enable_global_events(GlobalEvents::RELAY_NETWORK_STATUS)?;
    sockets.init_relay_network_access()?;
    let status = sockets.relay_network_status()?;
    println!("* relays: {:?}: {}", status.availability, status.message);
    if status.availability == Availability::Current {
        return Ok(());
    }
    loop {
        if deadline.passed() {
            return fail!("the relay network did not become available in time");
        }
        sockets.run_callbacks();
        for event in events.try_iter() {
            if let Event::RelayNetworkStatus(status) = event {
                println!("* relays: {:?}: {}", status.availability, status.message);
                match status.availability {
                    Availability::Current => return Ok(()),
                    Availability::Failed | Availability::CannotTry => {
                        return fail!("the relay network is unavailable: {}", status.message);
                    }
                    _ => {}
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Lines typed on stdin, from a thread; the channel closes at end of input.
fn stdin_lines() -> crossbeam_channel::Receiver<String> {
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}
