//! Typed configuration over real UDP on loopback (GNS backend): values set and read back at
//! global, listen-socket and connection scope, inheritance, ownership of strings, refusals that
//! change nothing, and a value taking effect.
//!
//! This file is its own test binary, so global values set here do not reach other suites; but
//! its tests run in parallel in one library instance. The global tests therefore only touch
//! values that no other test here reads and that change nothing on UDP connections (TURN
//! credentials, the out-of-order window, the jitter share while jitter is off), and restore
//! them.
#![cfg(feature = "gns")]

use std::time::Duration;

use steam_sockets::{
    Backend, ConfigKey, ConfigSource, ConfigValue, Error, Event, SendFlags, Sockets,
    UnencryptedPolicy,
};
use steam_sockets_tests::{Pair, listen, pump_until, receive_n};

/// Allocates and frees a little, so that freed memory a dangling pointer might still see gets
/// reused with other bytes.
fn churn_allocator() {
    let garbage: Vec<String> = (0..256).map(|i| format!("{i:#>96}")).collect();
    drop(garbage);
}

#[test]
fn global_int_float_and_string_values_round_trip_and_reset() {
    let sockets = Sockets::init_gns().unwrap();
    let defaults: Vec<ConfigValue> = [
        ConfigKey::OutOfOrderCorrectionWindow,
        ConfigKey::FakePacketJitterSendPct,
        ConfigKey::P2PTurnUserList,
    ]
    .into_iter()
    .map(|key| sockets.global_config(key).unwrap())
    .collect();
    assert_eq!(defaults[0], ConfigValue::OutOfOrderCorrectionWindow(Duration::from_millis(1)));
    assert_eq!(defaults[1], ConfigValue::FakePacketJitterSendPct(75.0));
    assert_eq!(defaults[2], ConfigValue::P2PTurnUserList(String::new()));

    let values = [
        ConfigValue::OutOfOrderCorrectionWindow(Duration::from_micros(2500)),
        // A share of zero jitter: the jitter average stays 0, so nothing is delayed.
        ConfigValue::FakePacketJitterSendPct(42.5),
        ConfigValue::P2PTurnUserList("alice,bob".into()),
    ];
    for value in &values {
        sockets.set_global_config(value).unwrap();
        assert_eq!(&sockets.global_config(value.key()).unwrap(), value);
    }

    for (value, default) in values.iter().zip(&defaults) {
        sockets.reset_global_config(value.key()).unwrap();
        assert_eq!(&sockets.global_config(value.key()).unwrap(), default, "reset to default");
    }
}

#[test]
fn listen_socket_int_int64_and_string_values_round_trip() {
    let sockets = Sockets::init_gns().unwrap();
    let listener = listen(&sockets, &[ConfigValue::TimeoutInitial(Duration::from_secs(3))]);
    let (value, source) = listener.config_with_source(ConfigKey::TimeoutInitial).unwrap();
    assert_eq!(value, ConfigValue::TimeoutInitial(Duration::from_secs(3)), "creation option");
    assert_eq!(source, ConfigSource::Explicit);

    let values = [
        ConfigValue::SendBufferSize(300_000),
        ConfigValue::Unencrypted(UnencryptedPolicy::Allowed),
        ConfigValue::ConnectionUserData(-42),
        ConfigValue::P2PStunServerList("stun.example.org:3478".into()),
    ];
    for value in &values {
        listener.set_config(value).unwrap();
        let (read, source) = listener.config_with_source(value.key()).unwrap();
        assert_eq!(&read, value);
        assert_eq!(source, ConfigSource::Explicit);
    }

    let (inherited, source) = listener.config_with_source(ConfigKey::RecvBufferMessages).unwrap();
    assert_eq!(source, ConfigSource::Inherited, "never set on the socket");
    assert_eq!(inherited, sockets.global_config(ConfigKey::RecvBufferMessages).unwrap());

    listener.reset_config(ConfigKey::SendBufferSize).unwrap();
    let (value, source) = listener.config_with_source(ConfigKey::SendBufferSize).unwrap();
    assert_eq!(source, ConfigSource::Inherited, "reset falls back to global scope");
    assert_eq!(value, sockets.global_config(ConfigKey::SendBufferSize).unwrap());
}

#[test]
fn connection_int_int64_and_string_values_round_trip() {
    let pair = Pair::connect(&[]);
    let values = [
        ConfigValue::NagleTime(Duration::from_micros(1234)),
        ConfigValue::SendRateMax(3 << 20),
        ConfigValue::ConnectionUserData(0x1234_5678_9abc),
        ConfigValue::P2PTurnServerList("turn1.example.org,turn2.example.org".into()),
    ];
    for value in &values {
        pair.client.set_config(value).unwrap_or_else(|e| panic!("{value:?}: {e:?}"));
        let (read, source) = pair.client.config_with_source(value.key()).unwrap();
        assert_eq!(&read, value);
        assert_eq!(source, ConfigSource::Explicit);
    }
    // The user data value is the connection's user data.
    assert_eq!(pair.client.info().unwrap().user_data, 0x1234_5678_9abc);
    // A connection's user data cannot be cleared (GNS would even crash trying).
    let err = pair.client.reset_config(ConfigKey::ConnectionUserData).unwrap_err();
    assert!(
        matches!(err, Error::CannotReset { key: ConfigKey::ConnectionUserData, .. }),
        "{err:?}"
    );
    assert_eq!(pair.client.info().unwrap().user_data, 0x1234_5678_9abc);
    // A connection locks some values once it has used them: the library refuses the change.
    let never = ConfigValue::Unencrypted(UnencryptedPolicy::Never);
    let err = pair.client.set_config(&ConfigValue::Unencrypted(UnencryptedPolicy::Allowed));
    assert_eq!(err.unwrap_err(), Error::Failed { function: "SetConfigValue" });
    assert_eq!(pair.client.config(ConfigKey::Unencrypted).unwrap(), never);
    // The other end is untouched.
    assert_eq!(
        pair.server.config(ConfigKey::NagleTime).unwrap(),
        ConfigValue::NagleTime(Duration::from_millis(5)),
        "the documented default"
    );
}

#[test]
fn accepted_connection_inherits_its_listen_socket_values() {
    let sockets = Sockets::init_gns().unwrap();
    let listener = listen(
        &sockets,
        &[
            ConfigValue::SendBufferSize(123_456),
            ConfigValue::P2PStunServerList("inherited.example.org".into()),
        ],
    );
    // Set after creation, before the connection arrives: inherited as well.
    listener.set_config(&ConfigValue::RecvBufferMessages(777)).unwrap();

    let client = sockets.connect_ip(listener.local_addr().unwrap(), &[]).unwrap();
    let server = pump_until(&sockets, |event| match event {
        Event::Incoming(request) => Some(request.accept().unwrap()),
        _ => None,
    });

    for expected in [
        ConfigValue::SendBufferSize(123_456),
        ConfigValue::P2PStunServerList("inherited.example.org".into()),
        ConfigValue::RecvBufferMessages(777),
    ] {
        let (value, source) = server.config_with_source(expected.key()).unwrap();
        assert_eq!(value, expected);
        assert_eq!(source, ConfigSource::Inherited, "{expected:?} was not set on the connection");
    }
    // A later change on the socket reaches the connection that inherits the value.
    listener.set_config(&ConfigValue::RecvBufferMessages(888)).unwrap();
    assert_eq!(
        server.config_with_source(ConfigKey::RecvBufferMessages).unwrap(),
        (ConfigValue::RecvBufferMessages(888), ConfigSource::Inherited)
    );
    // The client connected from global scope, not through the listen socket.
    assert_eq!(
        client.config(ConfigKey::SendBufferSize).unwrap(),
        sockets.global_config(ConfigKey::SendBufferSize).unwrap()
    );

    // Setting it on the connection overrides the socket's value without changing it.
    server.set_config(&ConfigValue::SendBufferSize(200_000)).unwrap();
    assert_eq!(
        server.config_with_source(ConfigKey::SendBufferSize).unwrap(),
        (ConfigValue::SendBufferSize(200_000), ConfigSource::Explicit)
    );
    assert_eq!(
        listener.config(ConfigKey::SendBufferSize).unwrap(),
        ConfigValue::SendBufferSize(123_456)
    );
}

#[test]
fn string_from_a_dropped_temporary_reads_back_intact() {
    let pair = Pair::connect(&[]);
    {
        let temporary = format!("stun-{}.example.org:3478", 7);
        pair.client.set_config(&ConfigValue::P2PStunServerList(temporary)).unwrap();
    }
    churn_allocator();
    assert_eq!(
        pair.client.config(ConfigKey::P2PStunServerList).unwrap(),
        ConfigValue::P2PStunServerList("stun-7.example.org:3478".into())
    );

    // As a creation option: the option slice and its string die at the end of the statement.
    let conn = pair
        .sockets
        .connect_ip(
            pair.listener.local_addr().unwrap(),
            &[ConfigValue::P2PTurnPassList(String::from("secret-") + "password")],
        )
        .unwrap();
    churn_allocator();
    assert_eq!(
        conn.config_with_source(ConfigKey::P2PTurnPassList).unwrap(),
        (ConfigValue::P2PTurnPassList("secret-password".into()), ConfigSource::Explicit)
    );
}

#[test]
fn long_string_is_read_back_whole() {
    let pair = Pair::connect(&[]);
    let servers: Vec<String> = (0..300).map(|i| format!("stun{i}.example.org:3478")).collect();
    let long = servers.join(",");
    assert!(long.len() > 4096);
    pair.client.set_config(&ConfigValue::P2PStunServerList(long.clone())).unwrap();
    assert_eq!(
        pair.client.config(ConfigKey::P2PStunServerList).unwrap(),
        ConfigValue::P2PStunServerList(long)
    );
}

#[test]
fn global_value_on_a_socket_or_connection_is_refused_and_changes_nothing() {
    let pair = Pair::connect(&[]);
    let before = pair.sockets.global_config(ConfigKey::FakePacketLossSend).unwrap();
    let loss = ConfigValue::FakePacketLossSend(100.0);

    let refused = [
        pair.client.set_config(&loss).unwrap_err(),
        pair.listener.set_config(&loss).unwrap_err(),
        pair.client.reset_config(ConfigKey::FakePacketLossSend).unwrap_err(),
        pair.client.config(ConfigKey::FakePacketLossSend).unwrap_err(),
        pair.listener.config(ConfigKey::FakePacketLagRecv).unwrap_err(),
        pair.sockets.connect_ip(pair.listener.local_addr().unwrap(), &[loss]).unwrap_err(),
    ];
    for err in refused {
        assert!(matches!(&err, Error::WrongScope { .. }), "{err:?}");
        assert!(err.to_string().contains("global"), "{err}");
    }

    assert_eq!(pair.sockets.global_config(ConfigKey::FakePacketLossSend).unwrap(), before);
    pair.client.send(b"still delivered", SendFlags::RELIABLE).unwrap();
    assert_eq!(&*receive_n(&pair.sockets, &pair.server, 1)[0], b"still delivered");
}

#[test]
fn out_of_range_and_read_only_values_are_refused_and_change_nothing() {
    let pair = Pair::connect(&[]);
    let buffer = pair.client.config(ConfigKey::SendBufferSize).unwrap();
    let port = pair.client.config(ConfigKey::LocalVirtualPort).unwrap();
    let mtu_data = pair.client.config(ConfigKey::MtuDataSize).unwrap();
    let jitter = pair.sockets.global_config(ConfigKey::FakePacketJitterRecvPct).unwrap();

    let refused = [
        pair.client.set_config(&ConfigValue::SendBufferSize(u32::MAX)).unwrap_err(),
        pair.client.set_config(&ConfigValue::LocalVirtualPort(-2)).unwrap_err(),
        pair.client.set_config(&ConfigValue::MtuDataSize(500)).unwrap_err(),
        pair.listener.set_config(&ConfigValue::NagleTime(Duration::MAX)).unwrap_err(),
        pair.sockets.set_global_config(&ConfigValue::FakePacketJitterRecvPct(150.0)).unwrap_err(),
        pair.sockets
            .set_global_config(&ConfigValue::FakePacketJitterRecvPct(f32::NAN))
            .unwrap_err(),
        pair.sockets.set_global_config(&ConfigValue::Ecn(Some(3))).unwrap_err(),
    ];
    for err in refused {
        let expected = match &err {
            Error::ReadOnly { key, .. } => *key == ConfigKey::MtuDataSize,
            Error::OutOfRange { .. } => true,
            _ => false,
        };
        assert!(expected, "{err:?}");
    }

    assert_eq!(pair.client.config(ConfigKey::SendBufferSize).unwrap(), buffer);
    assert_eq!(pair.client.config(ConfigKey::LocalVirtualPort).unwrap(), port);
    assert_eq!(pair.client.config(ConfigKey::MtuDataSize).unwrap(), mtu_data);
    assert_eq!(pair.sockets.global_config(ConfigKey::FakePacketJitterRecvPct).unwrap(), jitter);
}

#[test]
fn read_only_mtu_data_size_follows_the_packet_size() {
    let pair = Pair::connect(&[]);
    pair.client.set_config(&ConfigValue::MtuPacketSize(1000)).unwrap();
    let ConfigValue::MtuDataSize(data) = pair.client.config(ConfigKey::MtuDataSize).unwrap() else {
        panic!("wrong variant")
    };
    assert!(0 < data && data < 1000, "{data}");
    pair.client.set_config(&ConfigValue::MtuPacketSize(1200)).unwrap();
    assert_eq!(
        pair.client.config(ConfigKey::MtuDataSize).unwrap(),
        ConfigValue::MtuDataSize(data + 200)
    );
}

#[test]
fn interior_nul_is_refused_and_changes_nothing() {
    let pair = Pair::connect(&[ConfigValue::P2PStunServerList("before".into())]);
    let bad = ConfigValue::P2PStunServerList("stun.example.org\0:3478".into());
    let refused = [
        pair.client.set_config(&bad).unwrap_err(),
        pair.listener.set_config(&bad).unwrap_err(),
        pair.sockets.set_global_config(&bad).unwrap_err(),
        pair.sockets.connect_ip(pair.listener.local_addr().unwrap(), &[bad]).unwrap_err(),
    ];
    for err in refused {
        assert_eq!(err, Error::InteriorNul { what: "P2PStunServerList", position: 16 });
    }
    let before = ConfigValue::P2PStunServerList("before".into());
    assert_eq!(pair.client.config(ConfigKey::P2PStunServerList).unwrap(), before);
    assert_eq!(pair.listener.config(ConfigKey::P2PStunServerList).unwrap(), before);
    assert_eq!(
        pair.sockets.global_config(ConfigKey::P2PStunServerList).unwrap(),
        ConfigValue::P2PStunServerList(String::new())
    );
}

#[test]
fn values_gns_does_not_have_are_unsupported() {
    let pair = Pair::connect(&[]);
    let ticket = ConfigValue::SdrClientDevTicket("dGlja2V0".into());
    let cluster = ConfigValue::SdrClientForceRelayCluster("iad".into());
    let unsupported = [
        pair.client.set_config(&ticket).unwrap_err(),
        pair.client.config(ConfigKey::SdrClientDevTicket).unwrap_err(),
        pair.sockets.set_global_config(&cluster).unwrap_err(),
        pair.sockets.global_config(ConfigKey::SdrClientForceRelayCluster).unwrap_err(),
        pair.sockets.connect_ip(pair.listener.local_addr().unwrap(), &[ticket]).unwrap_err(),
    ];
    for err in &unsupported[..4] {
        assert!(matches!(err, Error::Unsupported { backend: Backend::Gns, .. }), "{err:?}");
    }
    // A creation option the library does not know fails the creation, without a reason.
    assert!(matches!(unsupported[4], Error::Failed { .. }), "{:?}", unsupported[4]);
}

#[test]
fn values_of_a_destroyed_connection_report_an_invalid_handle() {
    let pair = Pair::connect(&[]);
    let Pair { sockets, listener, server, client: _client } = pair;
    // Closing the listen socket destroys the connections it accepted.
    drop(listener);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let err = loop {
        sockets.run_callbacks();
        match server.config(ConfigKey::SendBufferSize) {
            Err(err) => break err,
            Ok(_) => assert!(std::time::Instant::now() < deadline, "the handle stayed valid"),
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(matches!(err, Error::InvalidHandle { .. }), "{err:?}");
    let err = server.set_config(&ConfigValue::SendBufferSize(8192)).unwrap_err();
    assert!(matches!(err, Error::InvalidHandle { function: "SetConfigValue" }), "{err:?}");
}

#[test]
fn tiny_send_buffer_fills_sooner_than_the_default() {
    const MESSAGE: [u8; 1000] = [7; 1000];
    const BURST: usize = 100;
    let pair = Pair::connect(&[]);
    pair.client.set_config(&ConfigValue::SendBufferSize(4096)).unwrap();
    assert_eq!(
        pair.client.config(ConfigKey::SendBufferSize).unwrap(),
        ConfigValue::SendBufferSize(4096)
    );

    // The client's 4 KiB fill after a handful of 1000-byte messages (Nagle holds them).
    let mut queued = 0;
    let err = loop {
        match pair.client.send(&MESSAGE, SendFlags::RELIABLE) {
            Ok(_) => queued += 1,
            Err(err) => break err,
        }
        assert!(queued < BURST, "{BURST} messages fit in a 4 KiB send buffer");
    };
    assert!(matches!(err, Error::SendBufferFull { .. }), "{err:?}");
    assert!(queued <= 8, "{queued} messages of 1000 bytes fit in 4 KiB");

    // The server's default 512 KiB take the whole burst.
    for _ in 0..BURST {
        pair.server.send(&MESSAGE, SendFlags::RELIABLE).unwrap();
    }
    assert_eq!(receive_n(&pair.sockets, &pair.client, BURST).len(), BURST);
}

#[test]
fn every_key_reads_and_writes_back_at_every_scope_without_surprises() {
    let pair = Pair::connect(&[]);
    for &key in ConfigKey::ALL {
        let objects = [pair.listener.config(key), pair.client.config(key), pair.server.config(key)];
        for read in objects {
            match read {
                Ok(value) => assert_eq!(value.key(), key),
                Err(Error::Unsupported { .. }) => {}
                Err(Error::WrongScope { .. }) => assert!(key.is_global_only(), "{key:?}"),
                Err(other) => panic!("{key:?}: {other:?}"),
            }
        }
        // Writing the current value back, then resetting, leaves the socket as it was (unless
        // it locked the value when it was created, as it does for SymmetricConnect).
        let Ok(value) = pair.listener.config(key) else { continue };
        match pair.listener.set_config(&value) {
            Ok(()) => assert_eq!(pair.listener.config(key).unwrap(), value, "{key:?}"),
            Err(Error::ReadOnly { .. }) => assert_eq!(key, ConfigKey::MtuDataSize),
            Err(Error::Failed { .. }) => {
                assert_eq!(pair.listener.config(key).unwrap(), value, "{key:?}");
                continue;
            }
            Err(other) => panic!("{key:?}: {other:?}"),
        }
        if key != ConfigKey::MtuDataSize {
            pair.listener.reset_config(key).unwrap();
            let (_, source) = pair.listener.config_with_source(key).unwrap();
            assert_eq!(source, ConfigSource::Inherited, "{key:?}");
        }
    }
}
