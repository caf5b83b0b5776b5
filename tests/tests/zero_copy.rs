//! Zero-copy sends with `Bytes` and zero-copy `Message` → `Bytes` (GNS, in-process socket pairs
//! and UDP loopback).
#![cfg(feature = "gns")]

use std::time::{Duration, Instant};

use bytes::Bytes;
use steam_sockets::{
    Connection, Error, MAX_MESSAGE_SIZE, Outgoing, PairTransport, SendFlags, Sockets,
};
use steam_sockets_tests::{DEADLINE, receive_n};

fn pair(loopback: bool) -> (Sockets, Connection, Connection) {
    let sockets = Sockets::init_gns().unwrap();
    let transport = if loopback { PairTransport::UdpLoopback } else { PairTransport::InProcess };
    let (a, b) = sockets.create_socket_pair(transport, None).unwrap();
    (sockets, a, b)
}

/// Waits until the library has released every reference it took to `bytes`.
fn wait_released(sockets: &Sockets, bytes: &mut Bytes) {
    let start = Instant::now();
    while !bytes.is_unique() {
        sockets.run_callbacks();
        assert!(start.elapsed() < DEADLINE, "the library never released the payload");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn an_in_process_receiver_reads_the_senders_buffer_itself() {
    let (sockets, a, b) = pair(false);
    let mut payload = Bytes::from(vec![42u8; 4096]);
    a.send(&payload, SendFlags::RELIABLE).unwrap();
    let got = receive_n(&sockets, &b, 1);
    assert_eq!(got[0].data(), &payload[..]);
    assert_eq!(got[0].data().as_ptr(), payload.as_ptr(), "no copy anywhere on the way");
    assert!(!payload.is_unique(), "the received message still holds the buffer");
    drop(got);
    wait_released(&sockets, &mut payload);
}

#[test]
fn shared_payloads_arrive_intact_over_udp_and_are_released() {
    let (sockets, a, b) = pair(true);
    let mut payload = Bytes::from((0..200_000u32).map(|i| (i % 251) as u8).collect::<Vec<_>>());
    // Two fit in the default 512 KiB send buffer.
    for _ in 0..2 {
        a.send(&payload, SendFlags::RELIABLE).unwrap();
    }
    let got = receive_n(&sockets, &b, 2);
    assert!(got.iter().all(|m| m.data() == &payload[..]));
    wait_released(&sockets, &mut payload);
}

#[test]
fn one_payload_broadcast_to_many_connections_shares_one_buffer() {
    let sockets = Sockets::init_gns().unwrap();
    let pairs: Vec<_> = (0..4)
        .map(|_| sockets.create_socket_pair(steam_sockets::PairTransport::InProcess, None).unwrap())
        .collect();
    let mut snapshot = Bytes::from(b"world state 42".to_vec());
    let batch: Vec<Outgoing> = pairs
        .iter()
        .map(|(a, _)| Outgoing {
            connection: a,
            data: (&snapshot).into(),
            flags: SendFlags::RELIABLE,
            lane: 0,
        })
        .collect();
    let mut results = Vec::new();
    sockets.send_messages(batch, |_, result| results.push(result));
    assert!(results.iter().all(|r| *r == Ok(1)), "{results:?}");
    for (_, b) in &pairs {
        let got = receive_n(&sockets, b, 1);
        assert_eq!(got[0].data().as_ptr(), snapshot.as_ptr());
    }
    wait_released(&sockets, &mut snapshot);
}

#[test]
fn refused_shared_payloads_are_not_kept() {
    let (sockets, a, b) = pair(false);
    let big = Bytes::from(vec![0u8; MAX_MESSAGE_SIZE + 1]);
    assert!(matches!(a.send(&big, SendFlags::RELIABLE), Err(Error::MessageTooLarge { .. })));
    assert!(big.is_unique());
    // A message the library refuses (dead connection) is released by the library.
    let mut payload = Bytes::from(vec![1u8; 100]);
    drop(b);
    let dead = loop {
        match a.send(&payload, SendFlags::RELIABLE) {
            Ok(_) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => break e,
        }
    };
    assert!(matches!(dead, Error::NotConnected { .. }), "{dead:?}");
    wait_released(&sockets, &mut payload);
}

#[test]
fn empty_shared_payloads_are_delivered_empty() {
    let (sockets, a, b) = pair(false);
    a.send(&Bytes::new(), SendFlags::RELIABLE).unwrap();
    let got = receive_n(&sockets, &b, 1);
    assert!(got[0].is_empty());
}

#[test]
fn a_message_becomes_bytes_without_a_copy_and_lives_as_long_as_they_do() {
    let (sockets, a, b) = pair(true);
    a.send(b"keep this around", SendFlags::RELIABLE).unwrap();
    let msg = receive_n(&sockets, &b, 1).pop().unwrap();
    let address = msg.data().as_ptr();
    let bytes = Bytes::from(msg);
    assert_eq!(bytes.as_ptr(), address, "the Bytes view the message's own buffer");
    let tail = bytes.slice(5..);
    drop(bytes);
    drop((a, b));
    assert_eq!(&tail[..], b"this around");
    let empty = {
        let (sockets, a, b) = pair(false);
        a.send(&[], SendFlags::RELIABLE).unwrap();
        Bytes::from(receive_n(&sockets, &b, 1).pop().unwrap())
    };
    assert!(empty.is_empty());
}

#[test]
fn payloads_sent_from_threads_that_exit_are_released_wherever_the_library_finishes() {
    // Each sending thread keeps spare owner slots of its own; the library releases messages on
    // its service thread (UDP) or on the receiving thread (in-process). Threads exit with
    // messages still in flight, so slots end up freed or recycled far from where they started.
    for loopback in [false, true] {
        let (sockets, a, b) = pair(loopback);
        let mut payload = Bytes::from((0..64u8).collect::<Vec<_>>());
        std::thread::scope(|scope| {
            for _ in 0..4 {
                let (a, payload) = (&a, &payload);
                scope.spawn(move || {
                    for _ in 0..250 {
                        a.send(payload, SendFlags::RELIABLE).unwrap();
                    }
                });
            }
        });
        let got = receive_n(&sockets, &b, 1000);
        assert!(got.iter().all(|m| m.data() == &payload[..]), "loopback: {loopback}");
        drop(got);
        wait_released(&sockets, &mut payload);
    }
}
