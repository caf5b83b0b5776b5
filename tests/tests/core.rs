//! The safe core over real UDP on loopback (GNS backend): connecting, accepting, rejecting,
//! closing, message fields and limits, poll groups, event routing.
#![cfg(feature = "gns")]

use std::time::Duration;

use steam_sockets::{
    ClosedBy, ConfigValue, ConnectionFlags, ConnectionState, EndReason, Error, Event,
    NetworkIdentity, SendFlags, Sockets,
};
use steam_sockets_tests::{Pair, Request, listen, pump_until, receive_n, wait_for_state};

#[test]
fn listen_connect_accept_echo() {
    let pair = Pair::connect(&[]);
    pair.client.send(b"ping", SendFlags::RELIABLE).unwrap();
    let got = receive_n(&pair.sockets, &pair.server, 1);
    assert_eq!(&*got[0], b"ping");
    pair.server.send(&got[0], SendFlags::RELIABLE).unwrap();
    let echoed = receive_n(&pair.sockets, &pair.client, 1);
    assert_eq!(&*echoed[0], b"ping");
    assert_eq!(echoed[0].connection(), pair.client.id());
}

#[test]
fn incoming_request_reports_the_client_address_and_listen_socket() {
    let Request { sockets: _sockets, listener, client, request } = Request::connect();
    let info = request.info();
    assert_eq!(info.listen_socket, Some(listener.id()));
    assert_eq!(info.state, ConnectionState::Connecting);
    assert!(info.remote_addr.unwrap().ip().is_loopback());
    assert!(matches!(info.remote_identity, NetworkIdentity::Ip(_) | NetworkIdentity::LocalHost));
    drop(client);
}

#[test]
fn connection_info_describes_both_ends() {
    let pair = Pair::connect(&[]);
    let server = pair.server.info().unwrap();
    let client = pair.client.info().unwrap();
    assert_eq!(server.state, ConnectionState::Connected);
    assert_eq!(client.state, ConnectionState::Connected);
    assert_eq!(server.listen_socket, Some(pair.listener.id()));
    assert_eq!(client.listen_socket, None, "the client initiated its connection");
    assert_eq!(client.remote_addr, Some(pair.listener.local_addr().unwrap()));
    assert_eq!(server.remote_addr.unwrap().ip(), client.remote_addr.unwrap().ip());
    assert!(server.flags.contains(ConnectionFlags::UNAUTHENTICATED), "GNS has no certificates");
    assert!(!client.description.is_empty());
    assert_eq!(client.close_reason(), None);
    assert_eq!(server.end_reason, EndReason::INVALID);
}

#[test]
fn reject_is_seen_by_the_client_with_reason_and_text() {
    let Request { sockets, listener: _listener, client, request } = Request::connect();
    request.reject(EndReason::app(42).unwrap(), "server full").unwrap();
    let change = wait_for_state(&sockets, client.id(), ConnectionState::ClosedByPeer);
    let reason = change.info.close_reason().unwrap();
    assert_eq!(reason.closed_by, ClosedBy::Peer);
    assert_eq!(reason.end, EndReason::app(42).unwrap());
    assert_eq!(reason.debug, "server full");
}

#[test]
fn dropping_an_incoming_request_rejects_it() {
    let sockets = Sockets::init_gns().unwrap();
    let listener = listen(&sockets, &[]);
    let client = sockets.connect_ip(listener.local_addr().unwrap(), &[]).unwrap();
    pump_until(&sockets, |event| match event {
        Event::Incoming(request) => {
            drop(request);
            Some(())
        }
        _ => None,
    });
    let change = wait_for_state(&sockets, client.id(), ConnectionState::ClosedByPeer);
    assert_eq!(change.info.close_reason().unwrap().closed_by, ClosedBy::Peer);
}

#[test]
fn close_reason_and_debug_text_reach_the_other_side() {
    let pair = Pair::connect(&[]);
    let client_id = pair.client.id();
    pair.server
        .close(
            EndReason::app_exception(7).unwrap(),
            "kicked: cheating",
            steam_sockets::QueuedMessages::Discard,
        )
        .unwrap();
    let change = wait_for_state(&pair.sockets, client_id, ConnectionState::ClosedByPeer);
    assert_eq!(change.old_state, ConnectionState::Connected);
    assert_eq!(change.info.end_reason.raw(), 2007);
    assert_eq!(change.info.end_debug, "kicked: cheating");
    // The local end is still allocated until it is closed or dropped.
    assert_eq!(pair.client.info().unwrap().state, ConnectionState::ClosedByPeer);
}

#[test]
fn dropping_a_connection_closes_it() {
    let pair = Pair::connect(&[]);
    let server_id = pair.server.id();
    drop(pair.client);
    let change = wait_for_state(&pair.sockets, server_id, ConnectionState::ClosedByPeer);
    assert_eq!(change.info.close_reason().unwrap().closed_by, ClosedBy::Peer);
}

#[test]
fn linger_delivers_queued_reliable_messages_before_closing() {
    let pair =
        Pair::connect(&[ConfigValue::SendRateMax(64 * 1024), ConfigValue::SendRateMin(64 * 1024)]);
    let payload = vec![7u8; 16 * 1024];
    for _ in 0..16 {
        pair.client.send(&payload, SendFlags::RELIABLE).unwrap();
    }
    // 256 KiB at 64 KiB/s: most of it is still queued when the close is requested.
    pair.client
        .close(EndReason::APP_GENERIC, "done", steam_sockets::QueuedMessages::Deliver)
        .unwrap();
    let got = receive_n(&pair.sockets, &pair.server, 16);
    assert!(got.iter().all(|m| m.len() == payload.len() && m.iter().all(|&b| b == 7)));
}

#[test]
fn each_state_transition_is_delivered_exactly_once() {
    let sockets = Sockets::init_gns().unwrap();
    let listener = listen(&sockets, &[]);
    let client = sockets.connect_ip(listener.local_addr().unwrap(), &[]).unwrap();
    let mut client_states = Vec::new();
    let mut server = None;
    pump_until(&sockets, |event| {
        match event {
            Event::Incoming(request) => server = Some(request.accept().unwrap()),
            Event::ConnectionStatus(change) if change.connection == client.id() => {
                client_states.push((change.old_state, change.info.state));
            }
            _ => {}
        }
        client_states.last().map(|&(_, new)| new == ConnectionState::Connected).filter(|&c| c)
    });
    let server = server.unwrap();
    server.close(EndReason::APP_GENERIC, "bye", steam_sockets::QueuedMessages::Discard).unwrap();
    wait_for_state(&sockets, client.id(), ConnectionState::ClosedByPeer);
    // Nothing more arrives for the client afterwards, and nothing arrived twice.
    std::thread::sleep(Duration::from_millis(50));
    sockets.run_callbacks();
    assert!(
        sockets
            .events()
            .try_iter()
            .all(|e| !matches!(e, Event::ConnectionStatus(c) if c.connection == client.id()))
    );
    for pair in client_states.windows(2) {
        assert_eq!(pair[0].1, pair[1].0, "transitions chain: {client_states:?}");
    }
    let unique: std::collections::HashSet<_> = client_states.iter().collect();
    assert_eq!(unique.len(), client_states.len(), "no duplicate: {client_states:?}");
}

#[test]
fn events_go_to_the_sockets_that_created_the_object() {
    let a = Sockets::init_gns().unwrap();
    let b = Sockets::init_gns().unwrap();
    let listener = listen(&a, &[]);
    let client = b.connect_ip(listener.local_addr().unwrap(), &[]).unwrap();
    // `a` owns the listen socket, so the request arrives on `a` even though `b` pumps too.
    b.run_callbacks();
    let server = pump_until(&a, |event| match event {
        Event::Incoming(request) => Some(request.accept().unwrap()),
        Event::ConnectionStatus(change) => panic!("a got b's event: {change:?}"),
        _ => None,
    });
    let change = pump_until(&b, |event| match event {
        Event::ConnectionStatus(change) if change.info.state == ConnectionState::Connected => {
            Some(change)
        }
        Event::Incoming(_) => panic!("b got a's request"),
        _ => None,
    });
    assert_eq!(change.connection, client.id());
    drop(server);
}

#[test]
fn accepting_after_the_peer_gave_up_is_a_typed_error() {
    let Request { sockets, listener: _listener, client, request } = Request::connect();
    let id = request.id();
    client
        .close(EndReason::APP_GENERIC, "never mind", steam_sockets::QueuedMessages::Discard)
        .unwrap();
    wait_for_state(&sockets, id, ConnectionState::ClosedByPeer);
    let err = request.accept().unwrap_err();
    assert!(matches!(err, Error::NotConnected { function: "AcceptConnection", .. }), "{err:?}");
}

#[test]
fn messages_can_be_queued_while_connecting() {
    let sockets = Sockets::init_gns().unwrap();
    let listener = listen(&sockets, &[]);
    let client = sockets.connect_ip(listener.local_addr().unwrap(), &[]).unwrap();
    client.send(b"early", SendFlags::RELIABLE).unwrap();
    let server = pump_until(&sockets, |event| match event {
        Event::Incoming(request) => Some(request.accept().unwrap()),
        _ => None,
    });
    assert_eq!(&*receive_n(&sockets, &server, 1)[0], b"early");
}

#[test]
fn connecting_to_a_closed_port_fails_with_a_close_reason() {
    let sockets = Sockets::init_gns().unwrap();
    let port = steam_sockets_tests::free_port();
    let client = sockets
        .connect_ip(
            ("127.0.0.1".parse::<std::net::Ipv4Addr>().unwrap(), port),
            &[ConfigValue::TimeoutInitial(Duration::from_millis(500))],
        )
        .unwrap();
    let change = wait_for_state(&sockets, client.id(), ConnectionState::ProblemDetectedLocally);
    let reason = change.info.close_reason().unwrap();
    assert_ne!(reason.end, EndReason::INVALID);
    assert!(!reason.debug.is_empty(), "the library explains: {reason:?}");
}
