//! Messages, limits, bad input and poll groups over real UDP on loopback (GNS backend).
#![cfg(feature = "gns")]

use std::time::Duration;

use steam_sockets::{
    CloseError, ConfigKey, ConfigValue, ConnectionState, EndReason, Error, Event, MAX_MESSAGE_SIZE,
    NetworkIdentity, QueuedMessages, SendFlags, Sockets,
};
use steam_sockets_tests::{Pair, Request, listen, pump_until, receive_n, wait_for_state};

#[test]
fn received_messages_carry_lane_numbers_times_and_flags() {
    let pair = Pair::connect(&[]);
    let before = pair.sockets.now();
    let mut sent_numbers = Vec::new();
    for i in 0..10u8 {
        sent_numbers.push(pair.client.send(&[i], SendFlags::RELIABLE).unwrap());
    }
    let got = receive_n(&pair.sockets, &pair.server, 10);
    let after = pair.sockets.now();
    for (i, msg) in got.iter().enumerate() {
        assert_eq!(msg.data(), &[i as u8], "in order");
        assert_eq!(msg.lane(), 0);
        assert_eq!(msg.message_number(), sent_numbers[i], "receiver sees the sender's number");
        assert!(msg.is_reliable());
        assert_eq!(msg.connection(), pair.server.id());
        assert!(before <= msg.received_at() && msg.received_at() <= after);
    }
    let numbers: Vec<i64> = got.iter().map(|m| m.message_number()).collect();
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "consecutive: {numbers:?}");
    assert!(got.windows(2).all(|w| w[0].received_at() <= w[1].received_at()));
}

#[test]
fn unreliable_messages_arrive_flagged_unreliable() {
    let pair = Pair::connect(&[]);
    pair.client.send(b"fast", SendFlags::UNRELIABLE | SendFlags::NO_NAGLE).unwrap();
    let got = receive_n(&pair.sockets, &pair.server, 1);
    assert_eq!(&*got[0], b"fast");
    assert!(!got[0].is_reliable());
}

#[test]
fn empty_messages_are_delivered_as_empty_slices() {
    let pair = Pair::connect(&[]);
    pair.client.send(&[], SendFlags::RELIABLE).unwrap();
    pair.client.send(b"after", SendFlags::RELIABLE).unwrap();
    let got = receive_n(&pair.sockets, &pair.server, 2);
    assert!(got[0].is_empty());
    assert_eq!(got[0].data(), &[] as &[u8]);
    assert_eq!(&*got[1], b"after");
}

#[test]
fn a_message_of_the_maximum_size_arrives_intact() {
    let pair = Pair::connect(&[]);
    let payload: Vec<u8> = (0..MAX_MESSAGE_SIZE).map(|i| (i * 31 % 251) as u8).collect();
    pair.client.send(&payload, SendFlags::RELIABLE).unwrap();
    let got = receive_n(&pair.sockets, &pair.server, 1);
    assert_eq!(got[0].len(), MAX_MESSAGE_SIZE);
    assert!(got[0].data() == payload.as_slice());
}

#[test]
fn an_oversize_message_is_a_typed_error_and_the_connection_survives() {
    let pair = Pair::connect(&[]);
    let err = pair.client.send(&vec![0; MAX_MESSAGE_SIZE + 1], SendFlags::RELIABLE).unwrap_err();
    assert_eq!(err, Error::MessageTooLarge { size: MAX_MESSAGE_SIZE + 1, max: MAX_MESSAGE_SIZE });
    pair.client.send(b"still fine", SendFlags::RELIABLE).unwrap();
    assert_eq!(&*receive_n(&pair.sockets, &pair.server, 1)[0], b"still fine");
}

#[test]
fn handles_destroyed_with_their_listen_socket_give_typed_errors() {
    let pair = Pair::connect(&[ConfigValue::TimeoutConnected(Duration::from_secs(1))]);
    let Pair { sockets, listener, server, client } = pair;
    listener.close().unwrap();
    // The library destroyed every connection accepted on the socket; the `Connection` is
    // still ours, and every call reports the dead handle instead of crashing.
    assert_eq!(
        server.send(b"x", SendFlags::RELIABLE),
        Err(Error::InvalidHandle { function: "SendMessageToConnection" })
    );
    // The other single-send path says the same.
    assert_eq!(
        server.send(&bytes::Bytes::from_static(b"x"), SendFlags::RELIABLE),
        Err(Error::InvalidHandle { function: "SendMessages" })
    );
    assert_eq!(server.info().unwrap_err(), Error::InvalidHandle { function: "GetConnectionInfo" });
    let mut buf = Vec::new();
    assert_eq!(
        server.receive(&mut buf, 8),
        Err(Error::InvalidHandle { function: "ReceiveMessagesOnConnection" })
    );
    assert!(buf.is_empty(), "nothing was added on failure");
    assert!(matches!(server.flush(), Err(Error::InvalidHandle { .. })));
    let group = sockets.create_poll_group().unwrap();
    assert!(matches!(server.set_poll_group(Some(&group)), Err(Error::InvalidHandle { .. })));
    let refused =
        server.close(EndReason::APP_GENERIC, "late", QueuedMessages::Discard).unwrap_err();
    assert!(
        matches!(
            &refused,
            CloseError::Destroyed(Error::InvalidHandle { function: "CloseConnection" })
        ),
        "{refused:?}"
    );
    // The library drops those connections without telling the peer; the client finds out.
    let change = wait_for_state(&sockets, client.id(), ConnectionState::ProblemDetectedLocally);
    let reason = change.info.close_reason().unwrap();
    assert_eq!(reason.closed_by, steam_sockets::ClosedBy::TimedOut);
    assert_eq!(reason.end, EndReason::MISC_TIMEOUT);
}

#[test]
fn interior_nul_in_a_close_text_is_refused_and_the_connection_kept() {
    let pair = Pair::connect(&[]);
    let refused = pair.client.close(EndReason::APP_GENERIC, "bad\0text", QueuedMessages::Discard);
    let Err(CloseError::Refused { error, object: client }) = refused else {
        panic!("not refused: {refused:?}")
    };
    assert_eq!(error, Error::InteriorNul { what: "close debug text", position: 3 });
    client.send(b"alive", SendFlags::RELIABLE).unwrap();
    assert_eq!(&*receive_n(&pair.sockets, &pair.server, 1)[0], b"alive");
}

#[test]
fn a_reject_with_bad_arguments_hands_the_request_back() {
    let Request { sockets, listener: _listener, client, request } = Request::connect();
    let refused = request.reject(EndReason::REMOTE_TIMEOUT, "not an app code");
    let Err(CloseError::Refused { error, object: request }) = refused else {
        panic!("not refused: {refused:?}")
    };
    assert!(matches!(error, Error::OutOfRange { what: "close reason", .. }), "{error:?}");
    let refused = request.reject(EndReason::APP_GENERIC, "nul\0");
    let Err(CloseError::Refused { error, object: request }) = refused else {
        panic!("not refused: {refused:?}")
    };
    assert!(matches!(error, Error::InteriorNul { .. }));
    let server = request.accept().unwrap();
    wait_for_state(&sockets, client.id(), ConnectionState::Connected);
    drop(server);
}

#[test]
fn end_reasons_outside_the_application_range_are_refused() {
    assert_eq!(EndReason::app(0).unwrap().raw(), 1000);
    assert_eq!(EndReason::app(999).unwrap().raw(), 1999);
    assert_eq!(EndReason::app_exception(5).unwrap().raw(), 2005);
    assert!(matches!(
        EndReason::app(1000),
        Err(Error::OutOfRange { what: "application end code", .. })
    ));
    assert!(EndReason::app_exception(1000).is_err());
    assert!(EndReason::MISC_TIMEOUT.is_timeout() && !EndReason::MISC_TIMEOUT.is_app());
}

#[test]
fn unparsable_addresses_are_typed_errors() {
    let sockets = Sockets::init_gns().unwrap();
    for bad in
        ["", "127.0.0.1", "not an address:80", "300.1.1.1:5", "[::1]:99999", "127.0.0.1:port"]
    {
        assert_eq!(
            sockets.connect_ip(bad, &[]).unwrap_err(),
            Error::AddrParse { input: bad.to_owned() },
            "{bad:?}"
        );
        assert_eq!(
            sockets.listen_ip(bad, &[]).unwrap_err(),
            Error::AddrParse { input: bad.to_owned() }
        );
    }
}

#[test]
fn listening_on_port_0_picks_a_free_port_and_a_taken_port_is_refused() {
    let sockets = Sockets::init_gns().unwrap();
    let any = sockets.listen_ip("127.0.0.1:0", &[]).unwrap();
    let picked = any.local_addr().unwrap();
    assert_eq!(picked.ip(), std::net::Ipv4Addr::LOCALHOST);
    assert_ne!(picked.port(), 0, "local_addr reports the port the system picked");
    // The library holds that port: nothing else can bind it while the socket lives.
    assert!(std::net::UdpSocket::bind(picked).is_err(), "{picked} is not bound");
    drop(any);
    let listener = listen(&sockets, &[]);
    let taken = listener.local_addr().unwrap();
    assert_eq!(
        sockets.listen_ip(taken, &[]).unwrap_err(),
        Error::Failed { function: "CreateListenSocketIP" }
    );
}

#[test]
fn out_of_range_options_are_refused_before_reaching_the_library() {
    let sockets = Sockets::init_gns().unwrap();
    let err =
        sockets.connect_ip("127.0.0.1:1", &[ConfigValue::SendBufferSize(u32::MAX)]).unwrap_err();
    assert!(matches!(err, Error::OutOfRange { what: "SendBufferSize", .. }), "{err:?}");
    // A global value is refused as a creation option, whatever its value.
    let err =
        sockets.connect_ip("127.0.0.1:1", &[ConfigValue::FakePacketLossSend(250.0)]).unwrap_err();
    assert!(matches!(err, Error::WrongScope { key: ConfigKey::FakePacketLossSend, .. }), "{err:?}");
}

#[test]
fn identities_with_interior_nul_or_too_long_are_refused() {
    assert!(matches!(
        Sockets::init_gns_with_identity(&NetworkIdentity::GenericString("a\0b".into())),
        Err(Error::InteriorNul { position: 1, .. })
    ));
    assert!(matches!(
        Sockets::init_gns_with_identity(&NetworkIdentity::GenericString("x".repeat(40))),
        Err(Error::OutOfRange { what: "generic string identity", .. })
    ));
}

#[test]
fn leaving_or_dropping_a_poll_group_keeps_the_connection() {
    let pair = Pair::connect(&[]);
    let group = pair.sockets.create_poll_group().unwrap();
    pair.server.set_poll_group(Some(&group)).unwrap();
    pair.client.send(b"one", SendFlags::RELIABLE).unwrap();
    let mut inbox = Vec::new();
    let start = std::time::Instant::now();
    while inbox.is_empty() {
        group.receive(&mut inbox, 1).unwrap();
        assert!(start.elapsed() < steam_sockets_tests::DEADLINE);
    }
    pair.server.set_poll_group(None).unwrap();
    pair.client.send(b"two", SendFlags::RELIABLE).unwrap();
    assert_eq!(&*receive_n(&pair.sockets, &pair.server, 1)[0], b"two");
    pair.server.set_poll_group(Some(&group)).unwrap();
    drop(group);
    pair.client.send(b"three", SendFlags::RELIABLE).unwrap();
    assert_eq!(&*receive_n(&pair.sockets, &pair.server, 1)[0], b"three");
}

#[test]
fn receive_appends_without_touching_existing_messages_or_growing_a_big_enough_buffer() {
    let pair = Pair::connect(&[]);
    for i in 0..4u8 {
        pair.client.send(&[i], SendFlags::RELIABLE).unwrap();
    }
    let mut inbox = receive_n(&pair.sockets, &pair.server, 1);
    inbox.reserve(16);
    let capacity = inbox.capacity();
    assert_eq!(pair.server.receive(&mut inbox, 0), Ok(0));
    let start = std::time::Instant::now();
    while inbox.len() < 4 {
        pair.server.receive(&mut inbox, 3).unwrap();
        assert!(start.elapsed() < steam_sockets_tests::DEADLINE);
    }
    assert_eq!(inbox.capacity(), capacity);
    let bytes: Vec<u8> = inbox.iter().map(|m| m[0]).collect();
    assert_eq!(bytes, [0, 1, 2, 3]);
}

#[test]
fn messages_are_send_and_outlive_their_connection() {
    let pair = Pair::connect(&[]);
    pair.client.send(b"keep me", SendFlags::RELIABLE).unwrap();
    let msg = receive_n(&pair.sockets, &pair.server, 1).pop().unwrap();
    let Pair { sockets, listener, server, client } = pair;
    drop((server, client, listener, sockets));
    let text = std::thread::spawn(move || String::from_utf8(msg.to_vec()).unwrap()).join().unwrap();
    assert_eq!(text, "keep me");
}

#[test]
fn a_panic_while_handling_an_event_stays_in_rust_and_the_library_keeps_working() {
    let pair = Pair::connect(&[]);
    pair.server.close(EndReason::APP_GENERIC, "trigger an event", QueuedMessages::Discard).unwrap();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pump_until(&pair.sockets, |event| -> Option<()> {
            if let Event::ConnectionStatus(_) = event {
                panic!("bug in the game's event handler");
            }
            None
        })
    }));
    assert!(panicked.is_err());
    // Callbacks, events and traffic all still work.
    let again = Pair::connect(&[]);
    again.client.send(b"ok", SendFlags::RELIABLE).unwrap();
    assert_eq!(&*receive_n(&again.sockets, &again.server, 1)[0], b"ok");
}

#[test]
fn a_callback_thread_delivers_events_without_manual_pumping() {
    let sockets = Sockets::init_gns().unwrap();
    let pump = sockets.spawn_callback_thread(Duration::from_millis(1)).unwrap();
    let events = sockets.events();
    let listener = listen(&sockets, &[]);
    let client = sockets.connect_ip(listener.local_addr().unwrap(), &[]).unwrap();
    // Only the callback thread runs callbacks: events just arrive on the channel.
    let request = loop {
        if let Event::Incoming(request) =
            events.recv_timeout(steam_sockets_tests::DEADLINE).unwrap()
        {
            break request;
        }
    };
    let _server = request.accept().unwrap();
    loop {
        match events.recv_timeout(steam_sockets_tests::DEADLINE).unwrap() {
            Event::ConnectionStatus(c)
                if c.connection == client.id() && c.info.state == ConnectionState::Connected =>
            {
                break;
            }
            _ => continue,
        }
    }
    drop(pump);
}

#[test]
fn a_message_names_its_sender() {
    let sockets = Sockets::init_gns().unwrap();
    let alice = NetworkIdentity::GenericString("alice".into());
    let bob = NetworkIdentity::GenericString("bob".into());
    let (a, b) = sockets
        .create_socket_pair(steam_sockets::PairTransport::InProcess, Some((&alice, &bob)))
        .unwrap();
    a.send(b"from alice", SendFlags::RELIABLE).unwrap();
    b.send(b"from bob", SendFlags::RELIABLE).unwrap();
    assert_eq!(receive_n(&sockets, &b, 1)[0].peer(), alice);
    assert_eq!(receive_n(&sockets, &a, 1)[0].peer(), bob);
}
