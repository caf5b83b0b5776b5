//! Connection requests answered, rejected or left unanswered, and sessions or servers that
//! cannot start, on GameNetworkingSockets over UDP on 127.0.0.1.
#![cfg(feature = "gns")]

mod common;

use aeronet_io::server::Server;
use bevy_app::prelude::*;
use bevy_ecs::prelude::*;
use common::{Client, Endings, Policy, Server as TestServer, run_until};
use steam_sockets::{Error, Sockets};
use steam_sockets_aeronet::{SteamSocketsClient, SteamSocketsPlugin, SteamSocketsServer};

#[test]
fn a_rejected_client_reads_the_reason() {
    let mut server = TestServer::start(Policy::Reject("the match is full".into()));
    let mut clients = [Client::connect(server.addr)];
    run_until(&mut server, &mut clients, "the rejection on both sides", |s, c| {
        c[0].ending().is_some() && !s.app.world().resource::<Endings>().sessions.is_empty()
    });
    assert_eq!(clients[0].ending().as_deref(), Some("peer: the match is full"));
    assert!(!clients[0].exists());
    // On the server, the child session that asked ended by the app's own hand.
    let endings = &server.app.world().resource::<Endings>().sessions;
    assert_eq!(endings.len(), 1);
    assert_eq!(endings[0].1, "user: the match is full");
    assert!(server.app.world().get_entity(endings[0].0).is_err());
    assert!(server.sessions().is_empty());
}

#[test]
fn a_request_nobody_answers_is_rejected() {
    let mut server = TestServer::start(Policy::Ignore);
    let mut clients = [Client::connect(server.addr)];
    run_until(&mut server, &mut clients, "the rejection", |_, c| c[0].ending().is_some());
    assert_eq!(clients[0].ending().as_deref(), Some("peer: the server did not answer"));
    assert!(server.sessions().is_empty());
}

#[test]
fn a_reason_longer_than_the_library_sends_arrives_cut_at_a_character() {
    // 127 bytes go; "é" is two bytes, so the cut falls before the one that would straddle.
    let long = format!("{}{}", "a".repeat(100), "é".repeat(40));
    let mut server = TestServer::start(Policy::Reject(format!("nul\0{long}")));
    let mut clients = [Client::connect(server.addr)];
    run_until(&mut server, &mut clients, "the rejection", |_, c| c[0].ending().is_some());
    let got = clients[0].ending().unwrap();
    let text = got.strip_prefix("peer: ").unwrap();
    assert_eq!(text, format!("nul{}{}", "a".repeat(100), "é".repeat(12)));
    assert_eq!(text.len(), 127);
}

#[test]
fn a_server_that_cannot_listen_is_closed_with_the_library_error() {
    let mut first = TestServer::start(Policy::Accept);
    let taken = first.addr;
    let entity = first.app.world_mut().spawn_empty().id();
    first
        .app
        .world_mut()
        .commands()
        .entity(entity)
        .queue(SteamSocketsServer::open(taken, Vec::new()));
    first.app.update();
    let endings = &first.app.world().resource::<Endings>().servers;
    assert_eq!(endings.len(), 1, "{endings:?}");
    assert_eq!(endings[0].0, entity);
    let expected = Error::Failed { function: "CreateListenSocketIP" };
    assert_eq!(endings[0].1, format!("error: {expected}"));
    assert!(first.app.world().get_entity(entity).is_err());
    // The first server is untouched.
    assert!(first.app.world().get::<Server>(first.entity).is_some());
}

#[test]
fn without_the_resource_sessions_and_servers_end_with_a_typed_error() {
    let mut app = App::new();
    app.add_plugins((bevy_internal::MinimalPlugins, SteamSocketsPlugin)).init_resource::<Endings>();
    app.add_observer(|t: On<aeronet_io::connection::Disconnected>, mut e: ResMut<Endings>| {
        e.sessions.push((t.event_target(), common::describe(&t.reason)));
    });
    app.add_observer(|t: On<aeronet_io::server::Closed>, mut e: ResMut<Endings>| {
        e.servers.push((t.event_target(), format!("{:?}", t.reason)));
    });
    // The systems wait for the resource; the failures are reported once it is there.
    let client = app.world_mut().spawn_empty().id();
    app.world_mut().commands().entity(client).queue(SteamSocketsClient::connect(
        "127.0.0.1:9".parse::<std::net::SocketAddr>().unwrap(),
        Vec::new(),
    ));
    let server = app.world_mut().spawn_empty().id();
    app.world_mut().commands().entity(server).queue(SteamSocketsServer::open(
        "127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap(),
        Vec::new(),
    ));
    app.update();
    assert!(app.world().resource::<Endings>().sessions.is_empty());
    app.insert_resource(
        steam_sockets_aeronet::SteamSockets::new(Sockets::init_gns().unwrap()).unwrap(),
    );
    app.update();
    let endings = app.world().resource::<Endings>();
    assert_eq!(
        endings.of(client),
        Some("error: no SteamSockets resource: insert one before spawning sessions or servers")
    );
    assert_eq!(endings.servers.len(), 1);
    assert!(endings.servers[0].1.contains("NoSteamSockets"), "{:?}", endings.servers);
}

#[test]
fn a_client_with_a_bad_option_ends_with_the_library_error() {
    let mut app = common::app();
    let client = app.world_mut().spawn_empty().id();
    // A global-only value, which cannot be a connection option (`Error::WrongScope`).
    let options = vec![steam_sockets::ConfigValue::FakePacketLossSend(5.0)];
    app.world_mut().commands().entity(client).queue(SteamSocketsClient::connect(
        "127.0.0.1:9".parse::<std::net::SocketAddr>().unwrap(),
        options,
    ));
    app.update();
    let ending = app.world().resource::<Endings>().of(client).map(str::to_string);
    assert!(
        ending
            .as_deref()
            .is_some_and(|e| e.starts_with("error: ") && e.contains("FakePacketLossSend")),
        "{ending:?}"
    );
}
