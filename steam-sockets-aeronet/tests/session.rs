//! aeronet sessions over the IO layer, on GameNetworkingSockets over UDP on 127.0.0.1: each
//! side a headless bevy `App` (`MinimalPlugins`) running aeronet's own session machinery.
//! On the `steam` backend these need a Steam client: they say so and pass nothing.
#![cfg(feature = "gns")]

mod common;

use aeronet_io::Session;
use aeronet_io::connection::{DROP_DISCONNECT_REASON, Disconnect, LocalAddr, PeerAddr};
use aeronet_io::server::{Close, Server};
use bytes::Bytes;
use common::{
    Client, Endings, Policy, Server as TestServer, connected, run_until, send, take_received,
};
use steam_sockets::{ConnectionState, NetworkIdentity};
use steam_sockets_aeronet::{MIN_MTU, SteamSocketsIo, SteamSocketsServerClient};

fn packet(tag: &str, i: usize) -> Bytes {
    Bytes::from(format!("{tag} {i:04}"))
}

/// Every packet both ways, with content, sizes (empty and MTU-sized ones included) and the
/// session statistics.
#[test]
fn a_client_connects_and_packets_flow_both_ways() {
    let mut server = TestServer::start(Policy::Accept);
    assert!(
        server.app.world().get::<Server>(server.entity).is_some(),
        "Server added on the next update"
    );
    assert_eq!(server.app.world().get::<LocalAddr>(server.entity).map(|a| a.0), Some(server.addr));
    let mut clients = [Client::connect(server.addr)];
    run_until(&mut server, &mut clients, "both sessions", |s, c| {
        s.sessions().len() == 1 && c[0].is_connected()
    });
    let child = server.sessions()[0];
    let who =
        server.app.world().get::<SteamSocketsServerClient>(child).expect("client info").clone();
    // Unauthenticated on GNS: the identity is the client's address.
    assert_eq!(Some(who.identity.clone()), who.addr.map(NetworkIdentity::Ip));
    assert_eq!(server.app.world().get::<PeerAddr>(child).map(|a| a.0), who.addr);
    let client_session = clients[0].app.world().get::<Session>(clients[0].entity).unwrap();
    assert_eq!(client_session.mtu(), MIN_MTU);
    let io = clients[0].app.world().get::<SteamSocketsIo>(clients[0].entity).unwrap();
    assert_eq!(io.connection().unwrap().info().unwrap().state, ConnectionState::Connected);

    let big = Bytes::from(vec![0xA5; MIN_MTU]);
    let up: Vec<Bytes> =
        (0..200).map(|i| packet("up", i)).chain([Bytes::new(), big.clone()]).collect();
    let down: Vec<Bytes> = (0..200).map(|i| packet("down", i)).chain([Bytes::new(), big]).collect();
    // In a few ticks, as a game sends.
    for chunk in up.chunks(50) {
        send(&mut clients[0].app, clients[0].entity, chunk.iter().cloned());
        clients[0].app.update();
    }
    for chunk in down.chunks(50) {
        send(&mut server.app, child, chunk.iter().cloned());
        server.app.update();
    }
    let (mut got_up, mut got_down) = (Vec::new(), Vec::new());
    run_until(&mut server, &mut clients, "every packet", |s, c| {
        got_up.extend(take_received(&mut s.app, child));
        got_down.extend(take_received(&mut c[0].app, c[0].entity));
        got_up.len() >= up.len() && got_down.len() >= down.len()
    });
    // Unreliable, but nothing is lost or reordered on an idle loopback; compare as sets anyway.
    let sorted = |mut v: Vec<Bytes>| {
        v.sort();
        v
    };
    assert_eq!(sorted(got_up), sorted(up.clone()));
    assert_eq!(sorted(got_down), sorted(down.clone()));
    let bytes = |v: &[Bytes]| v.iter().map(Bytes::len).sum::<usize>();
    let client_stats = clients[0].app.world().get::<Session>(clients[0].entity).unwrap().stats;
    assert_eq!(client_stats.packets_sent.0, up.len());
    assert_eq!(client_stats.bytes_sent.0, bytes(&up));
    assert_eq!(client_stats.packets_recv.0, down.len());
    assert_eq!(client_stats.bytes_recv.0, bytes(&down));
    let server_stats = server.app.world().get::<Session>(child).unwrap().stats;
    assert_eq!(server_stats.packets_recv.0, up.len());
    assert_eq!(server_stats.packets_sent.0, down.len());
}

#[test]
fn a_client_that_disconnects_is_seen_leaving_with_its_reason() {
    let (mut server, mut clients, child) = connected(Vec::new());
    let entity = clients[0].entity;
    clients[0].app.world_mut().trigger(Disconnect::new(entity, "gone for dinner"));
    clients[0].app.update();
    assert_eq!(clients[0].ending().as_deref(), Some("user: gone for dinner"));
    assert!(!clients[0].exists(), "the session entity is despawned");
    run_until(&mut server, &mut clients, "the server to notice", |s, _| {
        s.app.world().resource::<Endings>().of(child).is_some()
    });
    assert_eq!(server.app.world().resource::<Endings>().of(child), Some("peer: gone for dinner"));
    assert!(server.app.world().get_entity(child).is_err());
    assert!(server.sessions().is_empty());
}

#[test]
fn the_server_disconnects_one_client_and_the_others_stay() {
    let mut server = TestServer::start(Policy::Accept);
    let mut clients = [Client::connect(server.addr), Client::connect(server.addr)];
    run_until(&mut server, &mut clients, "two sessions", |s, c| {
        s.sessions().len() == 2 && c.iter().all(Client::is_connected)
    });
    // Kick the session of the first client: find it by the address its connection reports.
    let first_local = clients[0]
        .app
        .world()
        .get::<SteamSocketsIo>(clients[0].entity)
        .and_then(|io| io.connection()?.info().ok())
        .expect("connection info")
        .remote_addr;
    assert_eq!(first_local, Some(server.addr));
    let kicked = server.sessions()[0];
    server.app.world_mut().trigger(Disconnect::new(kicked, "kicked: too many pings"));
    run_until(&mut server, &mut clients, "one client to be kicked", |_, c| {
        c.iter().filter(|c| c.ending().is_some()).count() == 1
    });
    let (gone, stayed): (Vec<&Client>, Vec<&Client>) =
        clients.iter().partition(|c| c.ending().is_some());
    assert_eq!(gone[0].ending().as_deref(), Some("peer: kicked: too many pings"));
    assert!(stayed[0].is_connected());
    assert_eq!(
        server.app.world().resource::<Endings>().of(kicked),
        Some("user: kicked: too many pings")
    );
    assert_eq!(server.sessions().len(), 1);
}

#[test]
fn closing_the_server_disconnects_every_client_with_its_reason() {
    let mut server = TestServer::start(Policy::Accept);
    let mut clients =
        [Client::connect(server.addr), Client::connect(server.addr), Client::connect(server.addr)];
    run_until(&mut server, &mut clients, "three sessions", |s, c| {
        s.sessions().len() == 3 && c.iter().all(Client::is_connected)
    });
    let entity = server.entity;
    server.app.world_mut().trigger(Close::new(entity, "map change"));
    server.app.update();
    assert!(server.app.world().get_entity(entity).is_err(), "the server entity is despawned");
    let endings = &server.app.world().resource::<Endings>().servers;
    assert_eq!(endings.as_slice(), &[(entity, "user: map change".to_string())]);
    run_until(&mut server, &mut clients, "every client to hear it", |_, c| {
        c.iter().all(|c| c.ending().is_some())
    });
    for client in &clients {
        assert_eq!(client.ending().as_deref(), Some("peer: map change"));
    }
}

#[test]
fn many_clients_on_one_server_each_get_their_own_answers() {
    const CLIENTS: usize = 24;
    let mut server = TestServer::start(Policy::Accept);
    let mut clients: Vec<Client> = (0..CLIENTS).map(|_| Client::connect(server.addr)).collect();
    run_until(&mut server, &mut clients, "every session", |s, c| {
        s.sessions().len() == CLIENTS && c.iter().all(Client::is_connected)
    });
    // Each client says who it is; the server answers each on its own session.
    for (i, client) in clients.iter_mut().enumerate() {
        send(
            &mut client.app,
            client.entity,
            (0..10).map(|n| Bytes::from(format!("client {i} says {n}"))),
        );
    }
    let mut answered = 0;
    let mut echoes: Vec<Vec<Bytes>> = vec![Vec::new(); CLIENTS];
    run_until(&mut server, &mut clients, "every echo", |s, c| {
        for child in s.sessions() {
            let got = take_received(&mut s.app, child);
            answered += got.len();
            send(
                &mut s.app,
                child,
                got.into_iter().map(|p| Bytes::from([b"echo: ", &p[..]].concat())),
            );
        }
        for (i, client) in c.iter_mut().enumerate() {
            echoes[i].extend(take_received(&mut client.app, client.entity));
        }
        echoes.iter().all(|e| e.len() >= 10)
    });
    assert_eq!(answered, CLIENTS * 10);
    for (i, mut got) in echoes.into_iter().enumerate() {
        got.sort();
        let want: Vec<Bytes> =
            (0..10).map(|n| Bytes::from(format!("echo: client {i} says {n}"))).collect();
        assert_eq!(got, want, "client {i} got only its own echoes");
    }
}

#[test]
fn a_despawned_session_closes_its_connection() {
    let (mut server, mut clients, child) = connected(Vec::new());
    server.app.world_mut().despawn(child);
    run_until(&mut server, &mut clients, "the client to notice", |_, c| c[0].ending().is_some());
    assert_eq!(clients[0].ending(), Some(format!("peer: {DROP_DISCONNECT_REASON}")));
}

/// What a session held when it ended.
#[derive(bevy_ecs::prelude::Resource, Default)]
struct LastWords(Vec<Bytes>);

#[test]
fn packets_that_arrive_with_the_close_are_in_the_session_when_it_ends() {
    use bevy_ecs::prelude::*;
    let (mut server, mut clients, child) = connected(Vec::new());
    server.app.init_resource::<LastWords>().add_observer(
        |ended: On<aeronet_io::connection::Disconnected>,
         sessions: Query<&Session>,
         mut last: ResMut<LastWords>| {
            if let Ok(session) = sessions.get(ended.event_target()) {
                last.0.extend(session.recv.iter().map(|p| p.payload.clone()));
            }
        },
    );
    take_received(&mut server.app, child);
    // The client sends, then leaves, while the server does not update: both reach it together.
    let last: Vec<Bytes> = (0..5).map(|i| packet("last", i)).collect();
    send(&mut clients[0].app, clients[0].entity, last.iter().cloned());
    clients[0].app.update();
    // Unreliable packets the library has not sent yet when the connection closes can be
    // overtaken by the close on a loaded machine: wait until they have left.
    let entity = clients[0].entity;
    let start = std::time::Instant::now();
    loop {
        let io = clients[0].app.world().get::<SteamSocketsIo>(entity).unwrap();
        let status = io.connection().unwrap().realtime_status().unwrap();
        if status.pending_unreliable == 0 {
            break;
        }
        assert!(start.elapsed() < common::DEADLINE, "the packets never left");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    clients[0].app.world_mut().trigger(Disconnect::new(entity, "bye"));
    clients[0].app.update();
    std::thread::sleep(std::time::Duration::from_millis(100));
    run_until(&mut server, &mut clients, "the server to notice", |s, _| {
        s.app.world().resource::<Endings>().of(child).is_some()
    });
    assert_eq!(server.app.world().resource::<Endings>().of(child), Some("peer: bye"));
    let mut got = server.app.world().resource::<LastWords>().0.clone();
    got.sort();
    assert_eq!(got, last);
}
