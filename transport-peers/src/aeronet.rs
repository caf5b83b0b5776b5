//! The `aeronet` scenario's peers: a headless bevy `App` with `steam-sockets-aeronet`'s IO
//! layer on each side. The server listens by P2P virtual port and accepts the client's
//! session; the client connects by identity, probes until the connection has a route for
//! unreliable packets (over ICE, those sent before are dropped), sends packets, gets each
//! echoed intact, then triggers aeronet's `Disconnect`; the server sees the session end with
//! the client's reason.

use std::time::{Duration, Instant};

use aeronet_io::Session;
use aeronet_io::connection::{Disconnect, DisconnectReason, Disconnected};
use bevy_app::prelude::*;
use bevy_ecs::prelude::*;
use bevy_ecs::system::EntityCommand;
use bytes::Bytes;
use netlab::Finished;
use steam_sockets::{NetworkIdentity, Sockets};
use steam_sockets_aeronet::{
    ListenTarget, SessionRequest, SessionResponse, SteamSockets, SteamSocketsClient,
    SteamSocketsPlugin, SteamSocketsServer,
};

use crate::{Outcome, STEP};

/// Packets the client sends (each echoed).
pub const AERONET_COUNT: usize = 200;

/// The reason the client leaves with, which the server must read.
const LEAVING: &str = "aeronet client done";

/// Time between updates.
const TICK: Duration = Duration::from_millis(5);

fn packet(seq: usize) -> Bytes {
    Bytes::from(format!("aeronet packet {seq}"))
}

/// What the server's observers saw.
#[derive(Resource, Default)]
struct Seen {
    requests: usize,
    ended: Option<String>,
}

fn app(sockets: Sockets) -> Result<App, String> {
    let steam = SteamSockets::new(sockets).map_err(|e| format!("SteamSockets: {e}"))?;
    let mut app = App::new();
    app.add_plugins(SteamSocketsPlugin).insert_resource(steam).init_resource::<Seen>();
    Ok(app)
}

/// The server: on virtual port 0, echoes every packet until its one session ends; prints
/// `AERONET REQUEST <identity>` and `AERONET ENDED <reason>`.
pub fn server(sockets: Sockets) -> Outcome {
    let mut app = app(sockets)?;
    app.add_observer(|mut request: On<SessionRequest>, mut seen: ResMut<Seen>| {
        println!("AERONET REQUEST {}", request.identity);
        seen.requests += 1;
        let _ = request.respond(SessionResponse::Accepted);
    });
    app.add_observer(|ended: On<Disconnected>, mut seen: ResMut<Seen>| {
        seen.ended = Some(match &ended.reason {
            DisconnectReason::ByPeer(text) => format!("by peer: {text}"),
            other => format!("{other:?}"),
        });
    });
    let open = SteamSocketsServer::open(ListenTarget::P2p { virtual_port: 0 }, Vec::new());
    open.apply(app.world_mut().spawn_empty());
    let start = Instant::now();
    while start.elapsed() < STEP {
        app.update();
        let mut sessions = app.world_mut().query::<&mut Session>();
        for mut session in sessions.iter_mut(app.world_mut()) {
            let echoes: Vec<Bytes> = session.recv.drain(..).map(|p| p.payload).collect();
            session.send.extend(echoes);
        }
        if let Some(ended) = &app.world().resource::<Seen>().ended {
            println!("AERONET ENDED {ended}");
            return Ok(());
        }
        std::thread::sleep(TICK);
    }
    let requests = app.world().resource::<Seen>().requests;
    Err(format!("no session ended within {STEP:?} ({requests} requests)"))
}

/// The client: connects to `server` by identity, sends [`AERONET_COUNT`] packets, checks the echoes
/// and disconnects; prints `AERONET CONNECTED ms=<n>`, `AERONET ROUTE probes=<n> ms=<n>` and
/// `AERONET ECHOED <n> ms=<n>`.
pub fn client(sockets: Sockets, server: &NetworkIdentity) -> Outcome {
    let mut app = app(sockets)?;
    let session = app.world_mut().spawn_empty().id();
    let target =
        steam_sockets_aeronet::ConnectTarget::P2p { identity: server.clone(), virtual_port: 0 };
    SteamSocketsClient::connect(target, Vec::new()).apply(app.world_mut().entity_mut(session));
    let start = Instant::now();
    let (mut connected_at, mut route_at, mut probes, mut sent) = (None, None, 0, 0);
    let mut echoes: Vec<Bytes> = Vec::new();
    while echoes.len() < AERONET_COUNT {
        if start.elapsed() > STEP {
            return Err(format!("{} of {AERONET_COUNT} echoes within {STEP:?}", echoes.len()));
        }
        app.update();
        let Ok(mut entity) = app.world_mut().get_entity_mut(session) else {
            return Err("the session ended".into());
        };
        let Some(mut state) = entity.get_mut::<Session>() else {
            std::thread::sleep(TICK);
            continue;
        };
        if connected_at.is_none() {
            connected_at = Some(start.elapsed());
            println!("AERONET CONNECTED ms={}", start.elapsed().as_millis());
        }
        let received: Vec<Bytes> = state.recv.drain(..).map(|p| p.payload).collect();
        if route_at.is_none() {
            // Unreliable packets sent before ICE has a route are dropped: probe until one
            // comes back, as a game's handshake would.
            if received.iter().any(|p| p.starts_with(b"probe")) {
                route_at = Some(start.elapsed());
                println!("AERONET ROUTE probes={probes} ms={}", start.elapsed().as_millis());
            } else {
                state.send.push(Bytes::from(format!("probe {probes}")));
                probes += 1;
            }
        } else {
            echoes.extend(received.into_iter().filter(|p| !p.starts_with(b"probe")));
            // A few per update, as a game sends.
            let batch = sent..AERONET_COUNT.min(sent + 10);
            sent = batch.end;
            state.send.extend(batch.map(packet));
        }
        std::thread::sleep(TICK);
    }
    echoes.sort();
    let mut expected: Vec<Bytes> = (0..AERONET_COUNT).map(packet).collect();
    expected.sort();
    if echoes != expected {
        return Err("the echoes differ from what was sent".into());
    }
    let since = route_at.unwrap_or_default();
    println!("AERONET ECHOED {} ms={}", echoes.len(), (start.elapsed() - since).as_millis());
    app.world_mut().trigger(Disconnect::new(session, LEAVING));
    // Let the library deliver the close.
    let closing = Instant::now();
    while closing.elapsed() < Duration::from_millis(500) {
        app.update();
        std::thread::sleep(TICK);
    }
    Ok(())
}

/// The scenario's verdict from what the two peers printed (the server must have seen a
/// request from `client_identity`), and its detail line.
pub fn report(
    server: &Finished,
    client: &Finished,
    client_identity: &str,
) -> Result<Vec<String>, String> {
    let count = AERONET_COUNT;
    let echoed = client.field(&format!("AERONET ECHOED {count}"), "ms");
    let ended = server.lines("AERONET ENDED ").first().cloned().unwrap_or_default();
    let ok = server.ok
        && client.ok
        && echoed.is_some()
        && server.has(&format!("AERONET REQUEST {client_identity}"))
        && ended == format!("AERONET ENDED by peer: {LEAVING}");
    if !ok {
        return Err(format!("{}\n{}", server.describe("server"), client.describe("client")));
    }
    let connected = client.field("AERONET CONNECTED", "ms").unwrap_or_default();
    let route = client.field("AERONET ROUTE", "ms").unwrap_or_default();
    let probes = client.field("AERONET ROUTE", "probes").unwrap_or_default();
    Ok(vec![format!(
        "aeronet over steam-sockets-aeronet by identity and P2P virtual port: a session request \
         from {client_identity}, accepted; connected in {connected} ms, a route for unreliable \
         packets at {route} ms ({probes} probes sent before one came back), {count} packets \
         echoed intact in {} ms; the server read the client's reason ({})",
        echoed.unwrap_or_default(),
        ended.trim_start_matches("AERONET ENDED ")
    )])
}
