//! An aeronet echo server and client over steam-sockets, each a headless bevy `App`: clients
//! send lines, the server sends each one back to everybody, prefixed with who sent it.
//!
//! ```sh
//! # GNS backend, no Steam needed:
//! cargo run -p steam-sockets-aeronet --no-default-features --features gns --example echo -- server 127.0.0.1:5000
//! cargo run -p steam-sockets-aeronet --no-default-features --features gns --example echo -- client 127.0.0.1:5000
//! # Self-check for CI: a server and three clients in one process; each line comes back to
//! # every client, then the clients leave and the server sees each go; exit 0, or 1 after 20 s.
//! cargo run -p steam-sockets-aeronet --no-default-features --features gns --example echo -- --smoke
//! ```
//!
//! On the default `steam` backend it initialises Steam (a running Steam client is needed;
//! without one it prints Steam's message and exits with 1).

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use aeronet_io::Session;
use aeronet_io::connection::{Disconnect, Disconnected};
use bevy_app::prelude::*;
use bevy_ecs::prelude::*;
use bevy_ecs::system::EntityCommand;
use bytes::Bytes;
use steam_sockets::crossbeam_channel::{self, Receiver};
use steam_sockets::{BACKEND, Backend, Sockets};
use steam_sockets_aeronet::{
    SessionRequest, SessionResponse, SteamSockets, SteamSocketsClient, SteamSocketsPlugin,
    SteamSocketsServer, SteamSocketsServerClient,
};

const USAGE: &str = "usage: echo server [IP:PORT] | echo client IP:PORT | echo --smoke";

/// Time between updates.
const TICK: Duration = Duration::from_millis(5);

/// Longest the smoke test may take.
const SMOKE_DEADLINE: Duration = Duration::from_secs(20);

/// Clients in the smoke test.
const SMOKE_CLIENTS: usize = 3;

type Failure = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["server"] => server("127.0.0.1:5000".parse().unwrap()),
        ["server", addr] => addr.parse().map_err(Failure::from).and_then(server),
        ["client", addr] => addr.parse().map_err(Failure::from).and_then(client),
        ["--smoke"] => smoke(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A `Sockets` of its own for each app: the first initialises the library, the others attach.
fn sockets(first: bool) -> steam_sockets::Result<Sockets> {
    match (BACKEND, first) {
        (Backend::Gns, _) => Sockets::init_gns(),
        (Backend::Steam, true) => Sockets::init_steam_client(),
        (Backend::Steam, false) => Sockets::attach_steam_client(),
    }
}

/// Sessions that ended, as `<entity>: <reason>`.
#[derive(Resource, Default)]
struct Left(Vec<String>);

fn app(sockets: Sockets) -> Result<App, Failure> {
    let mut app = App::new();
    app.add_plugins(SteamSocketsPlugin)
        .insert_resource(SteamSockets::new(sockets)?)
        .init_resource::<Left>()
        .add_observer(|ended: On<Disconnected>, mut left: ResMut<Left>| {
            left.0.push(format!("{}: {:?}", ended.event_target(), ended.reason));
        });
    Ok(app)
}

/// The server app: accepts everyone and echoes every line to every session.
fn start_server(sockets: Sockets, addr: SocketAddr) -> Result<(App, SocketAddr), Failure> {
    let mut app = app(sockets)?;
    app.add_observer(|mut request: On<SessionRequest>| {
        println!("server: {} asks to join", request.identity);
        let _ = request.respond(SessionResponse::Accepted);
    })
    .add_systems(Update, echo);
    let server = app.world_mut().spawn_empty().id();
    SteamSocketsServer::open(addr, Vec::new()).apply(app.world_mut().entity_mut(server));
    let local =
        app.world().get::<SteamSocketsServer>(server).and_then(SteamSocketsServer::local_addr);
    Ok((app, local.ok_or("cannot listen")?))
}

fn echo(mut sessions: Query<(Entity, &mut Session, &SteamSocketsServerClient)>) {
    let mut lines = Vec::new();
    for (entity, mut session, who) in &mut sessions {
        for packet in session.recv.drain(..) {
            let text = String::from_utf8_lossy(&packet.payload).into_owned();
            println!("server: {entity} ({}): {text}", who.identity);
            lines.push(Bytes::from(format!("{entity}: {text}")));
        }
    }
    for (_, mut session, _) in &mut sessions {
        session.send.extend(lines.iter().cloned());
    }
}

/// A client app and its session entity.
fn start_client(sockets: Sockets, addr: SocketAddr) -> Result<(App, Entity), Failure> {
    let mut app = app(sockets)?;
    let session = app.world_mut().spawn_empty().id();
    SteamSocketsClient::connect(addr, Vec::new()).apply(app.world_mut().entity_mut(session));
    Ok((app, session))
}

fn server(addr: SocketAddr) -> Result<(), Failure> {
    let (mut app, addr) = start_server(sockets(true)?, addr)?;
    println!("server: listening on {addr} ({BACKEND} backend); Ctrl-C to stop");
    loop {
        app.update();
        std::thread::sleep(TICK);
    }
}

fn client(addr: SocketAddr) -> Result<(), Failure> {
    let (mut app, session) = start_client(sockets(true)?, addr)?;
    let lines = stdin_lines();
    println!("client: connecting to {addr}; type lines, end with Ctrl-D");
    loop {
        app.update();
        if app.world().get_entity(session).is_err() {
            let left = &app.world().resource::<Left>().0;
            return Err(format!("disconnected: {}", left.join("; ")).into());
        }
        if let Some(mut state) = app.world_mut().get_mut::<Session>(session) {
            for packet in state.recv.drain(..) {
                println!("{}", String::from_utf8_lossy(&packet.payload));
            }
            match lines.try_recv() {
                Ok(line) => state.send.push(line.into()),
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    app.world_mut().trigger(Disconnect::new(session, "bye"));
                    app.update();
                    return Ok(());
                }
                Err(crossbeam_channel::TryRecvError::Empty) => {}
            }
        }
        std::thread::sleep(TICK);
    }
}

/// Standard input's lines, read on a thread of their own.
fn stdin_lines() -> Receiver<String> {
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn smoke() -> Result<(), Failure> {
    let start = Instant::now();
    let (mut server, addr) = start_server(sockets(true)?, "127.0.0.1:0".parse().unwrap())?;
    let mut clients = Vec::new();
    for _ in 0..SMOKE_CLIENTS {
        clients.push(start_client(sockets(false)?, addr)?);
    }
    let mut heard = vec![Vec::<String>::new(); SMOKE_CLIENTS];
    let mut said = [false; SMOKE_CLIENTS];
    while start.elapsed() < SMOKE_DEADLINE {
        server.update();
        for (i, (app, session)) in clients.iter_mut().enumerate() {
            app.update();
            let mut session =
                app.world_mut().get_mut::<Session>(*session).ok_or("a client left")?;
            heard[i].extend(
                session.recv.drain(..).map(|p| String::from_utf8_lossy(&p.payload).into_owned()),
            );
            // Say hello once every client is in, so that everybody hears everybody.
            if !said[i]
                && server.world_mut().query::<&Session>().iter(server.world()).count()
                    == SMOKE_CLIENTS
            {
                session.send.push(Bytes::from(format!("hello from client {i}")));
                said[i] = true;
            }
        }
        if heard.iter().all(|h| h.len() >= SMOKE_CLIENTS) {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    for (i, lines) in heard.iter().enumerate() {
        for from in 0..SMOKE_CLIENTS {
            if !lines.iter().any(|l| l.ends_with(&format!(": hello from client {from}"))) {
                return Err(format!("client {i} did not hear client {from}: {lines:?}").into());
            }
        }
    }
    for (app, session) in &mut clients {
        app.world_mut().trigger(Disconnect::new(*session, "smoke test done"));
        app.update();
    }
    while start.elapsed() < SMOKE_DEADLINE {
        server.update();
        if server.world().resource::<Left>().0.len() == SMOKE_CLIENTS {
            let left = &server.world().resource::<Left>().0;
            if left.iter().all(|l| l.ends_with("ByPeer(\"smoke test done\")")) {
                println!(
                    "smoke: OK: {SMOKE_CLIENTS} clients heard each other and left, after {:?} ({BACKEND} backend)",
                    start.elapsed()
                );
                return Ok(());
            }
            return Err(format!("unexpected endings: {left:?}").into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Err(format!("smoke: not done within {SMOKE_DEADLINE:?}").into())
}
