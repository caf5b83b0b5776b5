//! The rest of the ISteamNetworkingSockets interface on GNS: socket pairs, lanes, batch sends,
//! names, user data, status, certificates, P2P and custom signaling, and the Steam-only
//! functions' typed errors.
#![cfg(feature = "gns")]

use std::time::{Duration, Instant};

use steam_sockets::{
    ConfigValue, Connection, ConnectionFlags, Error, GlobalEvents, Lane, NetworkIdentity, Outgoing,
    Payload, SendFlags, Signal, Sockets,
};
use steam_sockets_tests::{DEADLINE, Pair, receive_n};

fn gns() -> Sockets {
    Sockets::init_gns().unwrap()
}

#[test]
fn an_in_process_socket_pair_talks_over_loopback_buffers() {
    let sockets = gns();
    let (a, b) = sockets.create_socket_pair(steam_sockets::PairTransport::InProcess, None).unwrap();
    assert!(a.info().unwrap().flags.contains(ConnectionFlags::LOOPBACK_BUFFERS));
    a.send(b"over buffers", SendFlags::RELIABLE).unwrap();
    assert_eq!(&*receive_n(&sockets, &b, 1)[0], b"over buffers");
    b.send(b"back", SendFlags::RELIABLE).unwrap();
    assert_eq!(&*receive_n(&sockets, &a, 1)[0], b"back");
}

#[test]
fn a_udp_socket_pair_uses_real_loopback_and_the_given_identities() {
    let sockets = gns();
    let alice = NetworkIdentity::GenericString("alice".into());
    let bob = NetworkIdentity::GenericString("bob".into());
    let (a, b) = sockets
        .create_socket_pair(steam_sockets::PairTransport::UdpLoopback, Some((&alice, &bob)))
        .unwrap();
    let info = a.info().unwrap();
    assert!(!info.flags.contains(ConnectionFlags::LOOPBACK_BUFFERS));
    assert!(info.remote_addr.unwrap().ip().is_loopback());
    assert_eq!(info.remote_identity, bob);
    assert_eq!(b.info().unwrap().remote_identity, alice);
    a.send(b"over udp", SendFlags::RELIABLE).unwrap();
    assert_eq!(&*receive_n(&sockets, &b, 1)[0], b"over udp");
}

#[test]
fn names_and_user_data_round_trip() {
    let sockets = gns();
    let (a, b) = sockets.create_socket_pair(steam_sockets::PairTransport::InProcess, None).unwrap();
    assert_eq!(a.user_data().unwrap(), -1, "the default");
    a.set_name("player one").unwrap();
    assert_eq!(a.name().unwrap(), "player one");
    assert!(a.info().unwrap().description.contains("player one"));
    b.set_user_data(0x1234_5678_9abc).unwrap();
    assert_eq!(b.user_data().unwrap(), 0x1234_5678_9abc);
    assert_eq!(b.info().unwrap().user_data, 0x1234_5678_9abc);
    a.send(b"x", SendFlags::RELIABLE).unwrap();
    assert_eq!(receive_n(&sockets, &b, 1)[0].connection_user_data(), 0x1234_5678_9abc);
    assert!(matches!(a.set_name("nul\0"), Err(Error::InteriorNul { .. })));
    assert_eq!(a.name().unwrap(), "player one", "a refused name changes nothing");
}

#[test]
fn dead_handles_make_the_new_accessors_fail_with_typed_errors() {
    let pair = Pair::connect(&[]);
    let Pair { sockets: _sockets, listener, server, client: _client } = pair;
    drop(listener);
    assert!(matches!(server.name(), Err(Error::InvalidHandle { .. })));
    assert!(matches!(server.set_name("x"), Err(Error::InvalidHandle { .. })));
    assert!(matches!(server.user_data(), Err(Error::InvalidHandle { .. })));
    assert!(matches!(server.set_user_data(1), Err(Error::InvalidHandle { .. })));
    assert!(matches!(server.realtime_status(), Err(Error::InvalidHandle { .. })));
    assert!(matches!(server.detailed_status(), Err(Error::InvalidHandle { .. })));
    assert!(matches!(
        server.configure_lanes(&[Lane { priority: 0, weight: 1 }; 2]),
        Err(Error::InvalidHandle { .. })
    ));
}

#[test]
fn detailed_status_names_the_remote_address() {
    let pair = Pair::connect(&[]);
    let remote = pair.client.info().unwrap().remote_addr.unwrap();
    let text = pair.client.detailed_status().unwrap();
    assert!(text.contains("Current rates"), "the library's report follows:\n{text}");
    assert!(text.contains(&remote.to_string()), "{remote} in:\n{text}");
}

#[test]
fn lane_configuration_is_checked() {
    let sockets = gns();
    let (a, _b) =
        sockets.create_socket_pair(steam_sockets::PairTransport::InProcess, None).unwrap();
    assert!(matches!(a.configure_lanes(&[]), Err(Error::LaneCount { requested: 0, current: 1 })));
    assert!(matches!(
        a.configure_lanes(&[Lane { priority: 0, weight: 0 }]),
        Err(Error::OutOfRange { what: "lane weight", .. })
    ));
    let too_many = vec![Lane { priority: 0, weight: 1 }; 256];
    assert!(matches!(a.configure_lanes(&too_many), Err(Error::LaneCount { requested: 256, .. })));
    a.configure_lanes(&too_many[..255]).unwrap();
    assert_eq!(a.lane_count(), 255);
    assert!(
        matches!(
            a.configure_lanes(&too_many[..3]),
            Err(Error::LaneCount { requested: 3, current: 255 })
        ),
        "cannot remove lanes"
    );
    assert_eq!(
        a.send(b"x", SendFlags::RELIABLE.on_lane(255)),
        Err(Error::InvalidLane { lane: 255, lanes: 255 })
    );
    assert!(a.send(b"x", SendFlags::RELIABLE.on_lane(254)).is_ok());
}

/// A UDP pair whose sender is throttled, so lanes compete for bandwidth.
fn throttled_pair(lanes: &[Lane]) -> (Sockets, Connection, Connection) {
    let sockets = gns();
    let (a, b) =
        sockets.create_socket_pair(steam_sockets::PairTransport::UdpLoopback, None).unwrap();
    a.set_config(&ConfigValue::SendRateMin(200_000)).unwrap();
    a.set_config(&ConfigValue::SendRateMax(200_000)).unwrap();
    a.set_config(&ConfigValue::SendBufferSize(8 << 20)).unwrap();
    a.configure_lanes(lanes).unwrap();
    (sockets, a, b)
}

#[test]
fn a_higher_priority_lane_overtakes_a_queued_lower_one() {
    // Lower numbers go first: lane 1 (priority 0) outranks lane 0 (priority 10).
    let (sockets, a, b) =
        throttled_pair(&[Lane { priority: 10, weight: 1 }, Lane { priority: 0, weight: 1 }]);
    let bulk = vec![0u8; 8 * 1024];
    for _ in 0..40 {
        a.send(&bulk, SendFlags::RELIABLE.on_lane(0)).unwrap();
    }
    for _ in 0..5 {
        a.send(b"urgent", SendFlags::RELIABLE.on_lane(1)).unwrap();
    }

    let got = receive_n(&sockets, &b, 45);
    let last_urgent = got.iter().rposition(|m| m.lane() == 1).unwrap();
    let last_bulk = got.iter().rposition(|m| m.lane() == 0).unwrap();
    assert!(last_urgent < last_bulk, "lane 1 queued last but finished first");
    assert!(
        last_urgent < 30,
        "lane 1 did not wait for the 320 KiB queued before it: {last_urgent}"
    );
    let lane1: Vec<i64> =
        got.iter().filter(|m| m.lane() == 1).map(|m| m.message_number()).collect();
    assert_eq!(lane1, [1, 2, 3, 4, 5], "each lane numbers its own messages from 1");
}

#[test]
fn equal_priority_lanes_share_bandwidth_by_weight() {
    let (sockets, a, b) =
        throttled_pair(&[Lane { priority: 0, weight: 3 }, Lane { priority: 0, weight: 1 }]);
    let chunk = vec![0u8; 4 * 1024];
    for _ in 0..40 {
        a.send(&chunk, SendFlags::RELIABLE.on_lane(0)).unwrap();
        a.send(&chunk, SendFlags::RELIABLE.on_lane(1)).unwrap();
    }
    let got = receive_n(&sockets, &b, 80);
    // While both lanes are busy (the first half of the traffic), lane 0 gets about 3/4.
    let first_half = &got[..40];
    let lane0 = first_half.iter().filter(|m| m.lane() == 0).count();
    assert!((25..=36).contains(&lane0), "lane 0 got {lane0} of the first 40 messages");
}

#[test]
fn realtime_status_reports_each_lane_queue() {
    let (_sockets, a, _b) = throttled_pair(&[Lane { priority: 0, weight: 1 }; 3]);
    let bulk = vec![0u8; 64 * 1024];
    for _ in 0..4 {
        a.send(&bulk, SendFlags::RELIABLE.on_lane(2)).unwrap();
    }
    let status = a.realtime_status().unwrap();
    assert_eq!(status.lanes.len(), 3);
    assert_eq!(status.lanes[0].pending_reliable, 0);
    assert_eq!(status.lanes[1].pending_reliable, 0);
    assert!(status.lanes[2].pending_reliable > 128 * 1024, "{status:?}");
    assert!(status.pending_reliable >= status.lanes[2].pending_reliable);
    assert!(status.lanes[2].queue_time > status.lanes[0].queue_time, "{status:?}");
    assert!(status.lanes[0].queue_time.is_some(), "{status:?}");
    // GNS does not estimate the connection-wide queue time of a connection with several lanes.
    assert_eq!(status.queue_time, None);
}

#[test]
fn batch_sends_report_each_message_and_deliver_the_good_ones() {
    let sockets = gns();
    let (a, b) = sockets.create_socket_pair(steam_sockets::PairTransport::InProcess, None).unwrap();
    let (c, d) = sockets.create_socket_pair(steam_sockets::PairTransport::InProcess, None).unwrap();
    let big = vec![0u8; steam_sockets::MAX_MESSAGE_SIZE + 1];
    let batch = [
        Outgoing { connection: &a, data: b"one".into(), flags: SendFlags::RELIABLE, lane: 0 },
        Outgoing { connection: &a, data: (&big).into(), flags: SendFlags::RELIABLE, lane: 0 },
        Outgoing { connection: &c, data: b"two".into(), flags: SendFlags::RELIABLE, lane: 0 },
        Outgoing { connection: &a, data: b"lane?".into(), flags: SendFlags::RELIABLE, lane: 3 },
        Outgoing { connection: &a, data: b"three".into(), flags: SendFlags::RELIABLE, lane: 0 },
        Outgoing {
            connection: &c,
            data: Payload::Copied(&[]),
            flags: SendFlags::RELIABLE,
            lane: 0,
        },
    ];
    let mut results = Vec::new();
    sockets.send_messages(batch, |_, result| results.push(result));
    assert_eq!(results.len(), 6);
    assert_eq!(results[0], Ok(1));
    assert!(matches!(results[1], Err(Error::MessageTooLarge { .. })));
    assert_eq!(results[2], Ok(1), "numbers are per connection");
    assert_eq!(results[3], Err(Error::InvalidLane { lane: 3, lanes: 1 }));
    assert_eq!(results[4], Ok(2));
    assert_eq!(results[5], Ok(2));
    let on_b: Vec<Vec<u8>> = receive_n(&sockets, &b, 2).iter().map(|m| m.to_vec()).collect();
    assert_eq!(on_b, [b"one".to_vec(), b"three".to_vec()]);
    let on_d = receive_n(&sockets, &d, 2);
    assert_eq!((&*on_d[0], on_d[1].len()), (&b"two"[..], 0));
}

#[test]
fn batches_larger_than_one_library_call_keep_order_and_results() {
    let sockets = gns();
    let (a, b) = sockets.create_socket_pair(steam_sockets::PairTransport::InProcess, None).unwrap();
    let payloads: Vec<[u8; 2]> = (0..200u16).map(|i| i.to_le_bytes()).collect();
    let batch: Vec<Outgoing> = payloads
        .iter()
        .map(|p| Outgoing { connection: &a, data: p.into(), flags: SendFlags::RELIABLE, lane: 0 })
        .collect();
    let mut results = Vec::new();
    sockets.send_messages(batch.iter().copied(), |index, result| {
        assert_eq!(index, results.len(), "results come in order, with their index");
        results.push(result);
    });
    assert_eq!(results, (1..=200).map(Ok).collect::<Vec<_>>());
    let got = receive_n(&sockets, &b, 200);
    assert!(got.iter().enumerate().all(|(i, m)| m.data() == (i as u16).to_le_bytes()));
}

#[test]
fn a_batch_to_a_closed_connection_reports_it_per_message() {
    let pair = Pair::connect(&[]);
    let Pair { sockets, listener, server, client } = pair;
    drop(listener); // destroys `server`'s handle
    let mut results = Vec::new();
    sockets.send_messages(
        [
            Outgoing {
                connection: &server,
                data: b"lost".into(),
                flags: SendFlags::RELIABLE,
                lane: 0,
            },
            Outgoing {
                connection: &client,
                data: b"queued".into(),
                flags: SendFlags::RELIABLE,
                lane: 0,
            },
        ],
        |_, result| results.push(result),
    );
    assert!(
        matches!(results[0], Err(Error::InvalidHandle { function: "SendMessages" })),
        "{results:?}"
    );
    assert!(results[1].is_ok(), "{results:?}");
}

#[test]
fn certificates_requests_produce_a_blob_and_bad_certificates_are_refused() {
    let sockets = gns();
    let request = sockets.certificate_request().unwrap();
    assert!(request.len() > 32, "{} bytes", request.len());
    match sockets.set_certificate(b"not a certificate") {
        Err(Error::Certificate { message }) => assert!(!message.is_empty()),
        other => panic!("expected a certificate error, got {other:?}"),
    }
}

#[test]
fn authentication_status_explains_itself() {
    let sockets = gns();
    let _ = sockets.init_authentication();
    let status = sockets.authentication_status();
    assert_ne!(
        status.availability,
        steam_sockets::Availability::Current,
        "GNS has no CA: {status:?}"
    );
}

#[test]
fn p2p_listen_sockets_work_and_signaling_produces_signals_for_the_application() {
    let sockets = gns();
    let listener = sockets.listen_p2p(7, &[]).unwrap();
    assert!(matches!(listener.local_addr(), Err(Error::InvalidHandle { .. })), "no IP address");
    let (outbox, signals) = crossbeam_channel::unbounded();
    let peer = NetworkIdentity::GenericString("peer-b".into());
    let conn = sockets.connect_p2p_custom_signaling(&peer, 7, &[], outbox.clone()).unwrap();
    let start = Instant::now();
    let first = loop {
        sockets.run_callbacks();
        if let Ok(signal) = signals.try_recv() {
            break signal;
        }
        assert!(start.elapsed() < DEADLINE, "no signal produced");
        std::thread::sleep(Duration::from_millis(5));
    };
    match &first {
        Signal::Connection { connection, peer: to, data } => {
            assert_eq!(*connection, conn.id());
            assert_eq!(to, &peer);
            assert!(!data.is_empty());
        }
        other => panic!("expected a connection signal, got {other:?}"),
    }
    // Garbage is refused with a typed error, not a crash.
    assert_eq!(
        sockets.received_p2p_custom_signal(b"garbage", &outbox),
        Err(Error::Failed { function: "ReceivedP2PCustomSignal" })
    );
}

#[test]
fn steam_only_functions_are_unsupported_on_gns() {
    let sockets = gns();
    let (a, _b) =
        sockets.create_socket_pair(steam_sockets::PairTransport::InProcess, None).unwrap();
    let unsupported = |function: &'static str| Error::Unsupported {
        backend: steam_sockets::Backend::Gns,
        function,
    };
    let id = NetworkIdentity::GenericString("server".into());
    assert_eq!(sockets.begin_async_request_fake_ip(1), Err(unsupported("BeginAsyncRequestFakeIP")));
    for (events, key) in [
        (GlobalEvents::FAKE_IP_RESULT, "Callback_FakeIPResult"),
        (GlobalEvents::RELAY_NETWORK_STATUS, "Callback_RelayNetworkStatusChanged"),
        (GlobalEvents::AUTHENTICATION_STATUS, "Callback_AuthStatusChanged"),
    ] {
        assert_eq!(sockets.enable_global_events(events), Err(unsupported(key)));
    }
    assert_eq!(sockets.enable_global_events(GlobalEvents::empty()), Ok(()));
    assert_eq!(sockets.fake_ip(0).unwrap_err(), unsupported("GetFakeIP"));
    assert_eq!(
        sockets.listen_p2p_fake_ip(0, &[]).unwrap_err(),
        unsupported("CreateListenSocketP2PFakeIP")
    );
    assert_eq!(sockets.create_fake_udp_port(None).unwrap_err(), unsupported("CreateFakeUDPPort"));
    assert_eq!(
        sockets.listen_hosted_dedicated_server(1, &[]).unwrap_err(),
        unsupported("CreateHostedDedicatedServerListenSocket")
    );
    assert_eq!(
        sockets.connect_to_hosted_dedicated_server(&id, 1, &[]).unwrap_err(),
        unsupported("ConnectToHostedDedicatedServer")
    );
    assert_eq!(
        sockets.hosted_dedicated_server_port(),
        Err(unsupported("GetHostedDedicatedServerPort"))
    );
    assert_eq!(
        sockets.hosted_dedicated_server_pop_id(),
        Err(unsupported("GetHostedDedicatedServerPOPID"))
    );
    assert_eq!(
        sockets.hosted_dedicated_server_address(),
        Err(unsupported("GetHostedDedicatedServerAddress"))
    );
    assert_eq!(
        sockets.game_coordinator_server_login(),
        Err(unsupported("GetGameCoordinatorServerLogin"))
    );
    assert_eq!(
        sockets.received_relay_auth_ticket(b"t"),
        Err(unsupported("ReceivedRelayAuthTicket"))
    );
    assert_eq!(
        sockets.find_relay_auth_ticket_for_server(&id, 1),
        Err(unsupported("FindRelayAuthTicketForServer"))
    );
    assert_eq!(sockets.reset_identity(None), Err(unsupported("ResetIdentity")));
    assert_eq!(a.remote_fake_ip(), Err(unsupported("GetRemoteFakeIPForConnection")));
}

#[test]
fn after_a_connections_first_failure_its_later_batch_messages_are_not_attempted() {
    let sockets = gns();
    let (a, b) =
        sockets.create_socket_pair(steam_sockets::PairTransport::UdpLoopback, None).unwrap();
    let (c, d) = sockets.create_socket_pair(steam_sockets::PairTransport::InProcess, None).unwrap();
    a.set_config(&ConfigValue::SendRateMin(16 * 1024)).unwrap();
    a.set_config(&ConfigValue::SendRateMax(16 * 1024)).unwrap();
    a.set_config(&ConfigValue::SendBufferSize(4096)).unwrap();
    let chunk = vec![5u8; 3000];
    let batch = [
        Outgoing { connection: &a, data: (&chunk).into(), flags: SendFlags::RELIABLE, lane: 0 },
        Outgoing { connection: &a, data: (&chunk).into(), flags: SendFlags::RELIABLE, lane: 0 },
        Outgoing { connection: &c, data: b"other".into(), flags: SendFlags::RELIABLE, lane: 0 },
        Outgoing { connection: &a, data: (&chunk).into(), flags: SendFlags::RELIABLE, lane: 0 },
    ];
    let mut results = Vec::new();
    sockets.send_messages(batch, |_, result| results.push(result));
    assert_eq!(results[0], Ok(1));
    assert!(matches!(results[1], Err(Error::SendBufferFull { .. })), "{results:?}");
    assert_eq!(results[2], Ok(1), "other connections are unaffected");
    assert_eq!(results[3], Err(Error::NotAttempted { function: "SendMessages" }));
    assert_eq!(receive_n(&sockets, &b, 1).len(), 1, "only the first was sent");
    assert_eq!(&*receive_n(&sockets, &d, 1)[0], b"other");
}

#[test]
fn the_messages_interface_refuses_bad_input_with_typed_errors() {
    let sockets = gns();
    let messages = sockets.networking_messages().unwrap();
    let nobody = NetworkIdentity::GenericString("nobody-here".into());
    let huge = vec![0u8; steam_sockets::MAX_MESSAGE_SIZE + 1];
    assert!(matches!(
        messages.send_to(&nobody, &huge, SendFlags::RELIABLE, 0),
        Err(Error::MessageTooLarge { .. })
    ));
    let big = vec![0u8; steam_sockets::MAX_UNRELIABLE_MESSAGE_SIZE + 1];
    assert_eq!(
        messages.send_to(&nobody, &big, SendFlags::UNRELIABLE, 0),
        Err(Error::MessageTooLarge {
            size: big.len(),
            max: steam_sockets::MAX_UNRELIABLE_MESSAGE_SIZE
        })
    );
    assert!(matches!(
        messages.send_to(&nobody, b"x", SendFlags::RELIABLE, u32::MAX),
        Err(Error::OutOfRange { what: "channel", .. })
    ));
    let mut inbox = Vec::new();
    assert!(matches!(messages.receive(u32::MAX, &mut inbox, 1), Err(Error::OutOfRange { .. })));
    assert_eq!(messages.receive(3, &mut inbox, 8), Ok(0));
    let unheld = NetworkIdentity::GenericString("x".repeat(40));
    assert!(matches!(messages.accept_session(&unheld), Err(Error::OutOfRange { .. })));
    // Nothing to accept or close, and no session to describe.
    assert_eq!(
        messages.accept_session(&nobody),
        Err(Error::Failed { function: "AcceptSessionWithUser" })
    );
    assert_eq!(
        messages.close_session(&nobody),
        Err(Error::Failed { function: "CloseSessionWithUser" })
    );
    assert_eq!(
        messages.close_channel(&nobody, 0),
        Err(Error::Failed { function: "CloseChannelWithUser" })
    );
    assert_eq!(messages.session_info(&nobody).unwrap(), None);
    // The session events are process-wide handlers that GNS has too.
    let both = GlobalEvents::MESSAGES_SESSION_REQUEST | GlobalEvents::MESSAGES_SESSION_FAILED;
    sockets.enable_global_events(both).unwrap();
}

#[test]
fn a_signaling_client_over_any_stream_announces_itself_and_carries_connect_p2p() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::net::UnixStream;

    let sockets = gns();
    let (ours, server) = UnixStream::pair().unwrap();
    server.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let client =
        steam_sockets::SignalingClient::over(&sockets, ours.try_clone().unwrap(), ours).unwrap();
    let mut lines = BufReader::new(server.try_clone().unwrap());
    let mut greeting = String::new();
    lines.read_line(&mut greeting).unwrap();
    assert_eq!(greeting, format!("{}\n", sockets.identity().unwrap()));
    // Plain connect_p2p now has signaling: its first signal comes out as a line to the peer.
    let peer = NetworkIdentity::GenericString("somebody".into());
    let start = Instant::now();
    let conn = sockets.connect_p2p(&peer, 0, &[]).unwrap();
    let mut signal = String::new();
    while signal.is_empty() && start.elapsed() < DEADLINE {
        sockets.run_callbacks();
        let _ = lines.read_line(&mut signal);
    }
    let (to, hex) = signal.trim_end().split_once(' ').expect("a `DESTINATION HEX` line");
    assert_eq!(to, "str:somebody");
    assert!(hex.len() > 100 && hex.bytes().all(|b| b.is_ascii_hexdigit()), "{signal:?}");
    drop(conn);
    // Garbage from the server is logged and skipped, not fatal.
    use std::io::Write as _;
    (&server).write_all(b"no-space-here\nstr:x zz\n").unwrap();
    drop(client);
    drop(server);
}
