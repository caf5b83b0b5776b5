//! Tests that load the library's service thread: floods, the reliable backlog limit and many
//! connections (GNS backend, UDP loopback). They have this process to themselves (cargo runs
//! test binaries one after another) and run one at a time (`serial`), so that none of them
//! slows the functional tests, or another load test, past a deadline. Each prints how long it
//! took (`--nocapture` shows it) and fails when its traffic stops moving, not at a fixed time.
#![cfg(feature = "gns")]

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use steam_sockets::{
    ConfigValue, Connection, Error, Event, RELIABLE_BACKLOG_LIMIT, SendFlags, Sockets,
};
use steam_sockets_tests::{Pair, Progress, listen, pump_until};

/// Held by each test for its whole run: the tests of this file run one at a time.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    // A test that failed while holding it does not make the others fail.
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Sends `message` reliably until the connection refuses, and returns how many it took.
fn send_until_refused(conn: &Connection, message: &[u8]) -> usize {
    let mut sent = 0;
    loop {
        match conn.send(message, SendFlags::RELIABLE) {
            Ok(_) => sent += 1,
            Err(Error::SendBufferFull { .. }) => return sent,
            Err(e) => panic!("after {sent} messages: {e}"),
        }
    }
}

#[test]
fn reliable_sends_stop_at_the_backlog_limit_and_resume_once_the_library_has_room() {
    let _serial = serial();
    let sockets = Sockets::init_gns().unwrap();
    let (a, b) =
        sockets.create_socket_pair(steam_sockets::PairTransport::UdpLoopback, None).unwrap();
    a.set_config(&ConfigValue::SendBufferSize(64 << 20)).unwrap();
    // Nothing else bounds empty messages (the send buffer counts bytes): the backlog limit is
    // what refuses them while the library still holds some.
    assert_eq!(send_until_refused(&a, b""), RELIABLE_BACKLOG_LIMIT);
    // Unreliable messages are not counted.
    a.send(b"", SendFlags::UNRELIABLE).unwrap();
    // Once everything has arrived and been acknowledged, a new round starts; larger messages
    // count one more unit per KiB.
    let (mut reliable, mut inbox) = (0, Vec::new());
    let mut progress = Progress::new("backlog round");
    loop {
        progress.check(RELIABLE_BACKLOG_LIMIT);
        sockets.run_callbacks();
        inbox.clear();
        b.receive(&mut inbox, 4096).unwrap();
        let arrived = inbox.iter().filter(|m| m.is_reliable()).count();
        reliable += arrived;
        progress.advance(arrived);
        let status = a.realtime_status().unwrap();
        if reliable == RELIABLE_BACKLOG_LIMIT
            && status.pending_reliable == 0
            && status.sent_unacked_reliable == 0
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    progress.finish();
    assert_eq!(send_until_refused(&a, &[1u8; 2048]), RELIABLE_BACKLOG_LIMIT / 3);
}

#[test]
fn batches_stop_at_the_backlog_limit_as_single_sends_do() {
    let _serial = serial();
    let sockets = Sockets::init_gns().unwrap();
    let (a, _b) =
        sockets.create_socket_pair(steam_sockets::PairTransport::UdpLoopback, None).unwrap();
    a.set_config(&ConfigValue::SendBufferSize(64 << 20)).unwrap();
    // A batch counts its messages once per run to a connection, not one by one: it must still
    // let exactly the limit through, and refuse the rest with back-pressure.
    let (mut accepted, mut refused, mut other) = (0, 0, Vec::new());
    for _ in 0..(RELIABLE_BACKLOG_LIMIT / 100 + 2) {
        let batch = (0..100).map(|_| steam_sockets::Outgoing {
            connection: &a,
            data: b"".into(),
            flags: SendFlags::RELIABLE,
            lane: 0,
        });
        sockets.send_messages(batch, |_, result| match result {
            Ok(_) => accepted += 1,
            Err(Error::SendBufferFull { .. }) => refused += 1,
            Err(e) => other.push(e),
        });
    }
    assert!(other.is_empty(), "{other:?}");
    assert_eq!(accepted, RELIABLE_BACKLOG_LIMIT);
    assert_eq!(refused, (RELIABLE_BACKLOG_LIMIT / 100 + 2) * 100 - RELIABLE_BACKLOG_LIMIT);
}

#[test]
fn a_flood_of_empty_reliable_messages_over_udp_meets_back_pressure_not_an_abort() {
    let _serial = serial();
    // Empty reliable messages at a high send rate used to put more than 65,535 segments in
    // flight, and GameNetworkingSockets ended the process. The backlog refuses first; and
    // with few enough segments in flight, a late acknowledgement (its retry queue costs the
    // square of the segments it re-queues) no longer stalls the library for seconds.
    let fast = [
        ConfigValue::SendRateMax(64 << 20),
        ConfigValue::SendBufferSize(64 * 1024),
        ConfigValue::RecvBufferMessages(64 * 1024),
        ConfigValue::RecvBufferSize(16 << 20),
    ];
    let pair = Pair::connect(&fast);
    let total = 300_000;
    let (mut sent, mut received, mut refused, mut inbox) = (0, 0, 0, Vec::new());
    let mut progress = Progress::new("empty reliable messages received");
    while received < total {
        progress.check(total);
        while sent < total {
            match pair.client.send(b"", SendFlags::RELIABLE) {
                Ok(_) => sent += 1,
                Err(Error::SendBufferFull { .. }) => {
                    refused += 1;
                    break;
                }
                Err(e) => panic!("send: {e}"),
            }
        }
        pair.sockets.run_callbacks();
        inbox.clear();
        let arrived = pair.server.receive(&mut inbox, 4096).unwrap();
        received += arrived;
        progress.advance(arrived);
    }
    progress.finish();
    assert_eq!(received, total);
    assert!(refused > 0, "the flood never met back-pressure");
}

#[test]
fn a_poll_group_receives_from_fifty_clients() {
    let _serial = serial();
    let sockets = Sockets::init_gns().unwrap();
    let listener = listen(&sockets, &[]);
    let group = sockets.create_poll_group().unwrap();
    let clients: Vec<_> =
        (0..50).map(|_| sockets.connect_ip(listener.local_addr().unwrap(), &[]).unwrap()).collect();
    let mut accepted = Vec::new();
    pump_until(&sockets, |event| {
        if let Event::Incoming(request) = event {
            let conn = request.accept().unwrap();
            conn.set_poll_group(Some(&group)).unwrap();
            accepted.push(conn);
        }
        (accepted.len() == 50).then_some(())
    });
    for (i, client) in clients.iter().enumerate() {
        client.send(format!("client {i}").as_bytes(), SendFlags::RELIABLE).unwrap();
    }
    let mut inbox = Vec::with_capacity(64);
    let mut progress = Progress::new("poll group messages");
    while inbox.len() < 50 {
        sockets.run_callbacks();
        progress.advance(group.receive(&mut inbox, 64).unwrap());
        progress.check(50);
        // A loop that never pauses keeps taking the library's locks: under valgrind, which
        // runs one thread at a time, the service thread then hardly ran (0 of 50 in 20 s).
        std::thread::sleep(Duration::from_micros(200));
    }
    progress.finish();
    let mut texts: Vec<String> =
        inbox.iter().map(|m| String::from_utf8(m.to_vec()).unwrap()).collect();
    texts.sort();
    let mut expected: Vec<String> = (0..50).map(|i| format!("client {i}")).collect();
    expected.sort();
    assert_eq!(texts, expected);
    // Each message names the server-side connection it arrived on.
    let ids: std::collections::HashSet<_> = inbox.iter().map(|m| m.connection()).collect();
    assert_eq!(ids, accepted.iter().map(|c| c.id()).collect());
}
