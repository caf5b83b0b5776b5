//! The safe core over real UDP on loopback (GNS backend).
#![cfg(feature = "gns")]

use steam_sockets::{Event, SendFlags, Sockets};
use steam_sockets_tests::{Pair, listen, pump_until, receive_n};

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
    let sockets = Sockets::init_gns().unwrap();
    let listener = listen(&sockets, &[]);
    let client = sockets.connect_ip(listener.local_addr().unwrap(), &[]).unwrap();
    let request = pump_until(&sockets, |event| match event {
        Event::Incoming(request) => Some(request),
        _ => None,
    });
    let info = request.info();
    assert_eq!(info.listen_socket, Some(listener.id()));
    assert!(info.remote_addr.unwrap().ip().is_loopback());
    drop((request, client));
}
