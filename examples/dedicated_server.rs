//! Dedicated server: runs as a Steam game server (no Steam user logged in), listening by IP
//! and, when hosted in Valve's data centers, on a hosted-server virtual port through the Steam
//! Datagram Relay. Echoes every message. `steam` backend only.
//!
//! ```text
//! cargo run -p steam-sockets-examples --example dedicated_server -- --port 27015
//! # then, from another machine or terminal (any backend; the echo/chat clients speak IP):
//! cargo run -p steam-sockets-examples --example chat --no-default-features --features gns -- client <server ip>:27015 alice
//! ```
//!
//! Options: `--port N` (game port, default 27015), `--query-port N` (server-browser queries,
//! default 27016), `--virtual-port N` (hosted-server virtual port, default 0), `--app-id N`
//! (default 480, Valve's public "Spacewar" test app), `--seconds N` (stop after N seconds;
//! default: run until killed).
//!
//! It starts the game-server API with `Sockets::init_steam_game_server` (anonymous, no
//! authentication, version 1.0.0.0), so the connections belong to the game server's interface,
//! not a Steam client's. It listens with `listen_ip` on the game port, and prints what
//! `hosted_dedicated_server_port` / `_pop_id` report: outside Valve's hosting (no
//! `SDR_LISTEN_PORT` in the environment) there is no hosted port, and
//! `listen_hosted_dedicated_server` is skipped with a note. Accepted connections go into one
//! poll group.
//!
//! A game server needs Steam's `steamclient` library (installed with the Steam client, or by
//! SteamCMD for a headless server). Expected output where there is none, as on a build machine:
//! one line, `dedicated_server: error: Steam client not running, or Steam's game-server library
//! is missing: ...`, exit code 1.

#[allow(dead_code)]
mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use steam_sockets::{GameServerConfig, ServerMode, Sockets};

use common::{BoxError, Deadline, EchoServer};

fn main() -> ExitCode {
    common::steam_main("dedicated_server", &["port", "query-port", "virtual-port", "seconds"], run)
}

fn run(args: &common::Args) -> Result<(), BoxError> {
    let game_port = args.value("port", 27015u16)?;
    let query_port = args.value("query-port", 27016u16)?;
    let virtual_port = args.value("virtual-port", 0i32)?;
    let seconds = args.value("seconds", 0u64)?;
    let stop = (seconds > 0).then(|| Deadline::after(Duration::from_secs(seconds)));

    let sockets = Sockets::init_steam_game_server(&GameServerConfig {
        ip: Ipv4Addr::UNSPECIFIED,
        game_port,
        query_port,
        mode: ServerMode::NoAuthentication,
        version: "1.0.0.0".into(),
    })
    .map_err(common::explain_game_server)?;
    let events = sockets.events();

    let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, game_port));
    let _by_ip = sockets.listen_ip(addr, &[])?;
    println!("game server ({:?}) listening on {addr}", sockets.kind());
    let _hosted = match sockets.hosted_dedicated_server_port()? {
        Some(port) => {
            let pop = sockets.hosted_dedicated_server_pop_id()?;
            let pop = pop.map_or("unknown".to_string(), |p| p.to_string());
            let listener = sockets.listen_hosted_dedicated_server(virtual_port, &[])?;
            println!(
                "hosted server: UDP port {port}, data center {pop}, virtual port {virtual_port}"
            );
            Some(listener)
        }
        None => {
            println!(
                "not in Valve's hosted environment (no SDR_LISTEN_PORT): listening by IP only"
            );
            None
        }
    };

    let mut server = EchoServer::new(&sockets)?;
    while !stop.is_some_and(Deadline::passed) {
        sockets.run_callbacks();
        for event in events.try_iter() {
            server.handle(event, |conn| {
                conn.info().map_or("unknown".into(), |info| info.remote_identity.to_string())
            })?;
        }
        server.echo()?;
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}
