//! renet over the transport, over real UDP on 127.0.0.1 (GNS backend): messages on every
//! default channel, kicks, dead clients, shutdown, refusals, protocol errors and bad input.
//! Built on both backends; on `steam` each test says it is skipped (it needs GNS).

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{Client, DEADLINE, Relay, Server, connect_all, run_until};
use renet::{DefaultChannel, DisconnectReason, ServerEvent};
use steam_sockets::{ClosedBy, ConfigValue, ConnectionState, EndReason, Event, SendFlags, Sockets};
use steam_sockets_renet::{
    ClientTransport, CloseCode, Error, Listener, ServerConfig, ServerTransport,
    ServerTransportEvent,
};

/// Messages each side sends on each channel.
const PER_CHANNEL: usize = 40;

fn text(from: &str, channel: &str, n: usize) -> String {
    format!("{from}/{channel}/{n}")
}

fn parse(message: &[u8]) -> (String, String, usize) {
    let text = std::str::from_utf8(message).expect("utf-8");
    let mut parts = text.split('/');
    let (from, channel, n) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    (from.to_string(), channel.to_string(), n.parse().unwrap())
}

/// renet's default channels, by id (`u8::from(DefaultChannel::..)`), and the name each
/// message carries.
const CHANNELS: [(u8, &str); 3] = [(2, "ordered"), (1, "unordered"), (0, "unreliable")];

#[test]
fn the_channel_ids_are_renets() {
    assert_eq!(u8::from(DefaultChannel::ReliableOrdered), CHANNELS[0].0);
    assert_eq!(u8::from(DefaultChannel::ReliableUnordered), CHANNELS[1].0);
    assert_eq!(u8::from(DefaultChannel::Unreliable), CHANNELS[2].0);
}

/// What one side received on one channel from one peer, checked against what renet promises.
#[derive(Default, Debug)]
struct Inbox {
    ordered: Vec<usize>,
    unordered: HashSet<usize>,
    unreliable: HashSet<usize>,
}

impl Inbox {
    fn take(&mut self, from: &str, message: &[u8]) {
        let (sender, channel, n) = parse(message);
        assert_eq!(sender, from, "a message reached the wrong peer");
        assert!(n < PER_CHANNEL);
        match channel.as_str() {
            "ordered" => self.ordered.push(n),
            "unordered" => assert!(self.unordered.insert(n), "reliable message {n} twice"),
            "unreliable" => assert!(self.unreliable.insert(n), "unreliable message {n} twice"),
            other => panic!("message on channel {other}"),
        }
    }

    /// The reliable channels are complete, ordered where renet orders them.
    fn reliable_done(&self) -> bool {
        self.ordered.len() == PER_CHANNEL && self.unordered.len() == PER_CHANNEL
    }

    fn check(&self) {
        assert_eq!(self.ordered, (0..PER_CHANNEL).collect::<Vec<_>>(), "ReliableOrdered order");
        assert_eq!(self.unordered, (0..PER_CHANNEL).collect(), "ReliableUnordered content");
        // Unreliable: no duplicates (checked on arrival), no promise of delivery or order.
        assert!(!self.unreliable.is_empty(), "no unreliable message arrived over loopback");
    }
}

#[test]
fn three_clients_exchange_messages_on_every_channel() {
    if common::skip_unless_gns("three_clients_exchange_messages_on_every_channel") {
        return;
    }
    let mut server = Server::start(ServerConfig::new(8), &[]);
    let mut clients: Vec<Client> = (0..3).map(|_| Client::connect(server.addr, &[])).collect();
    let took = connect_all(&mut server, &mut clients);
    eprintln!("3 clients connected in {took:?}");

    let ids: Vec<u64> = server.renet.clients_id();
    assert_eq!(ids.len(), 3);
    let connected: Vec<u64> = server
        .events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::ClientConnected { client_id } => Some(*client_id),
            _ => None,
        })
        .collect();
    assert_eq!(connected.len(), 3, "one ClientConnected each: {:?}", server.events);
    for &id in &ids {
        let info = server.transport.client_info(id).expect("transport knows every renet client");
        assert!(info.addr.expect("an IP client has an address").ip().is_loopback());
        assert_eq!(info.listener, Listener::Ip(server.addr));
        assert!(server.transport.find_client(&info.identity).is_some());
        assert!(server.transport.connection(id).is_some());
    }

    // Which client is which: each says its name on the ordered channel first.
    for (i, client) in clients.iter_mut().enumerate() {
        for (channel, name) in CHANNELS {
            for n in 0..PER_CHANNEL {
                client.renet.send_message(channel, text(&format!("c{i}"), name, n));
            }
        }
    }
    let mut from_clients: Vec<Inbox> = (0..3).map(|_| Inbox::default()).collect();
    let mut names = std::collections::HashMap::new();
    for &id in &ids {
        for (channel, name) in CHANNELS {
            for n in 0..PER_CHANNEL {
                server.renet.send_message(id, channel, text(&format!("s{id}"), name, n));
            }
        }
    }
    let mut to_clients: Vec<Inbox> = (0..3).map(|_| Inbox::default()).collect();
    let mut client_ids: Vec<Option<u64>> = vec![None; 3];

    let took = run_until("messages both ways", &mut server, &mut clients, |server, clients| {
        for &id in &ids {
            for (channel, _) in CHANNELS {
                while let Some(message) = server.renet.receive_message(id, channel) {
                    let (from, _, _) = parse(&message);
                    let i: usize = from[1..].parse().unwrap();
                    let known = *names.entry(id).or_insert(i);
                    assert_eq!(known, i, "client {id} changed name");
                    from_clients[i].take(&from, &message);
                }
            }
        }
        for (i, client) in clients.iter_mut().enumerate() {
            for (channel, _) in CHANNELS {
                while let Some(message) = client.renet.receive_message(channel) {
                    let (from, _, _) = parse(&message);
                    let id: u64 = from[1..].parse().unwrap();
                    assert_eq!(*client_ids[i].get_or_insert(id), id, "two servers?");
                    to_clients[i].take(&from, &message);
                }
            }
        }
        from_clients.iter().chain(&to_clients).all(Inbox::reliable_done)
    });
    for inbox in from_clients.iter().chain(&to_clients) {
        inbox.check();
    }
    let unreliable: Vec<usize> =
        from_clients.iter().chain(&to_clients).map(|i| i.unreliable.len()).collect();
    eprintln!(
        "{} messages each way per client in {took:?}; unreliable ones that arrived (of {PER_CHANNEL}): {unreliable:?}",
        3 * PER_CHANNEL
    );
    // Every client heard from its own server-side id, and each id is a different client.
    let distinct: HashSet<u64> = client_ids.iter().map(|id| id.unwrap()).collect();
    assert_eq!(distinct, ids.iter().copied().collect());
}

#[test]
fn a_kicked_client_sees_itself_disconnected_and_why() {
    if common::skip_unless_gns("a_kicked_client_sees_itself_disconnected_and_why") {
        return;
    }
    let mut server = Server::start(ServerConfig::new(8), &[]);
    let mut clients = vec![Client::connect(server.addr, &[]), Client::connect(server.addr, &[])];
    connect_all(&mut server, &mut clients);
    let ids = server.renet.clients_id();

    // Through the transport, flushing a last message first.
    let kicked = ids[0];
    server.renet.send_message(kicked, DefaultChannel::ReliableOrdered, "bye");
    server.transport.disconnect_client(kicked, &mut server.renet, true).unwrap();
    assert!(server.transport.client_info(kicked).is_none());
    assert!(!server.renet.clients_id().contains(&kicked));
    // Through renet: the transport closes the connection on its next update.
    let other = ids[1];
    server.renet.disconnect(other);

    let mut last_words = Vec::new();
    run_until("both kicked clients notice", &mut server, &mut clients, |_, clients| {
        for client in clients.iter_mut() {
            while let Some(m) = client.renet.receive_message(DefaultChannel::ReliableOrdered) {
                last_words.push(m);
            }
        }
        clients.iter().all(|c| c.transport.is_disconnected() && c.renet.is_disconnected())
    });
    for client in clients.iter_mut() {
        let reason = client.transport.close_reason().expect("a reason").clone();
        assert_eq!(reason.closed_by, ClosedBy::Peer, "{reason:?}");
        assert_eq!(client.transport.close_code(), Some(CloseCode::Kicked), "{reason:?}");
        assert_eq!(reason.debug, CloseCode::Kicked.description());
        assert_eq!(client.renet.disconnect_reason(), Some(DisconnectReason::Transport));
        assert!(client.transport.connection().is_none());
        assert!(matches!(
            client.transport.send_packets(&mut client.renet),
            Err(Error::Disconnected(Some(r))) if r.end == CloseCode::Kicked.end_reason()
        ));
    }
    eprintln!("the flushed client received {} message(s) before its close", last_words.len());
    let reasons: Vec<_> = server
        .events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::ClientDisconnected { client_id, reason } => Some((*client_id, *reason)),
            _ => None,
        })
        .collect();
    assert!(reasons.contains(&(kicked, DisconnectReason::DisconnectedByServer)), "{reasons:?}");
    assert!(reasons.contains(&(other, DisconnectReason::DisconnectedByServer)), "{reasons:?}");
    assert_eq!(server.transport.client_count(), 0);
}

#[test]
fn a_dead_client_is_detected_by_the_server() {
    if common::skip_unless_gns("a_dead_client_is_detected_by_the_server") {
        return;
    }
    // A short connected timeout on the server's side (accepted connections inherit it).
    let timeout = Duration::from_secs(2);
    let mut server = Server::start(ServerConfig::new(8), &[ConfigValue::TimeoutConnected(timeout)]);
    let relay = Relay::start(server.addr);
    let mut clients = vec![Client::connect(relay.addr, &[])];
    connect_all(&mut server, &mut clients);
    let id = server.renet.clients_id()[0];
    // Traffic flows through the relay.
    clients[0].renet.send_message(DefaultChannel::ReliableOrdered, "alive");
    run_until("a message through the relay", &mut server, &mut clients, |server, _| {
        server.renet.receive_message(id, DefaultChannel::ReliableOrdered).is_some()
    });

    relay.cut();
    let cut = Instant::now();
    // Only the server is ticked: the client is gone (its transport, unticked, stays open).
    let mut ended = None;
    let start = Instant::now();
    while ended.is_none() {
        server.tick();
        while let Some(event) = server.transport.next_event() {
            if let ServerTransportEvent::Closed { client_id, reason, .. } = event {
                assert_eq!(client_id, id);
                ended = Some(reason);
            }
        }
        assert!(start.elapsed() < DEADLINE, "the dead client was not detected");
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = cut.elapsed();
    let reason = ended.unwrap();
    eprintln!(
        "dead client detected {took:?} after the cut (TimeoutConnected {timeout:?}): {reason:?}"
    );
    assert_eq!(reason.closed_by, ClosedBy::TimedOut, "GNS's timeout fired: {reason:?}");
    assert!(reason.end.is_timeout());
    assert!(took >= timeout / 2, "detected before the timeout could fire: {took:?}");
    // Without the transport's reliable probes the library notices only through its own
    // keepalive or statistics, 5 to 12 s after the cut; with them, about `timeout` after it.
    assert!(took < timeout + Duration::from_secs(6), "the probes did not start the timeout");
    assert!(server.events.contains(&ServerEvent::ClientDisconnected {
        client_id: id,
        reason: DisconnectReason::Transport
    }));
    assert_eq!(server.transport.client_count(), 0);
    assert_eq!(server.renet.connected_clients(), 0);
}

#[test]
fn a_server_shutdown_is_seen_by_every_client() {
    if common::skip_unless_gns("a_server_shutdown_is_seen_by_every_client") {
        return;
    }
    let mut server = Server::start(ServerConfig::new(8), &[]);
    let mut clients: Vec<Client> = (0..3).map(|_| Client::connect(server.addr, &[])).collect();
    connect_all(&mut server, &mut clients);
    server.transport.disconnect_all(&mut server.renet, true);
    assert_eq!(server.transport.client_count(), 0);
    assert_eq!(server.renet.connected_clients(), 0);
    run_until("every client notices", &mut server, &mut clients, |_, clients| {
        clients.iter().all(|c| c.renet.is_disconnected())
    });
    for client in &clients {
        assert_eq!(client.transport.close_code(), Some(CloseCode::ServerShutdown));
        assert_eq!(client.renet.disconnect_reason(), Some(DisconnectReason::Transport));
    }
    // The listen socket stays open: a new client gets in.
    let mut late = vec![Client::connect(server.addr, &[])];
    connect_all(&mut server, &mut late);
}

#[test]
fn the_access_check_and_max_clients_refuse_with_their_codes() {
    if common::skip_unless_gns("the_access_check_and_max_clients_refuse_with_their_codes") {
        return;
    }
    let mut server = Server::start(ServerConfig::new(1).with_access(|_| false), &[]);
    assert_eq!(server.transport.max_clients(), 1);

    // Not allowed.
    let mut refused = vec![Client::connect(server.addr, &[])];
    run_until("refusal: not allowed", &mut server, &mut refused, |_, c| {
        c[0].renet.is_disconnected()
    });
    assert_eq!(refused[0].transport.close_code(), Some(CloseCode::NotAllowed));
    assert_eq!(refused[0].transport.close_reason().unwrap().closed_by, ClosedBy::Peer);

    // Allowed now, and the server is then full.
    server.transport.set_access(|client| client.addr.is_some_and(|a| a.ip().is_loopback()));
    let mut first = vec![Client::connect(server.addr, &[])];
    connect_all(&mut server, &mut first);
    let mut full = vec![Client::connect(server.addr, &[])];
    run_until("refusal: full", &mut server, &mut full, |_, c| c[0].renet.is_disconnected());
    assert_eq!(full[0].transport.close_code(), Some(CloseCode::ServerFull));

    // The server saw both refusals, and the refused clients never reached renet.
    let mut codes = Vec::new();
    while let Some(event) = server.transport.next_event() {
        if let ServerTransportEvent::Refused { code, info } = event {
            assert!(code.is_refusal());
            assert!(info.addr.is_some());
            codes.push(code);
        }
    }
    assert_eq!(codes, [CloseCode::NotAllowed, CloseCode::ServerFull]);
    let connected =
        server.events.iter().filter(|e| matches!(e, ServerEvent::ClientConnected { .. })).count();
    assert_eq!(connected, 1);
    assert_eq!(server.renet.connected_clients(), 1);
    assert!(first[0].transport.is_connected());
}

#[test]
fn a_client_that_leaves_is_seen_leaving() {
    if common::skip_unless_gns("a_client_that_leaves_is_seen_leaving") {
        return;
    }
    let mut server = Server::start(ServerConfig::new(8), &[]);
    let mut clients = vec![Client::connect(server.addr, &[])];
    connect_all(&mut server, &mut clients);
    let id = server.renet.clients_id()[0];
    clients[0].transport.disconnect();
    assert!(clients[0].transport.is_disconnected());
    assert_eq!(clients[0].transport.close_code(), Some(CloseCode::ClientLeft));
    let mut reason = None;
    run_until("the server notices", &mut server, &mut clients, |server, _| {
        while let Some(event) = server.transport.next_event() {
            if let ServerTransportEvent::Closed { client_id, reason: r, .. } = event {
                assert_eq!(client_id, id);
                reason = Some(r);
            }
        }
        reason.is_some()
    });
    let reason = reason.unwrap();
    assert_eq!(reason.closed_by, ClosedBy::Peer);
    assert_eq!(CloseCode::from_end_reason(reason.end), Some(CloseCode::ClientLeft));
    assert!(clients[0].renet.is_disconnected(), "renet follows the transport");

    // renet's own disconnect closes the connection too.
    let mut clients = vec![Client::connect(server.addr, &[])];
    connect_all(&mut server, &mut clients);
    clients[0].renet.disconnect();
    run_until("renet's disconnect reaches the server", &mut server, &mut clients, |server, _| {
        server.renet.connected_clients() == 0
    });
    assert_eq!(clients[0].transport.close_code(), Some(CloseCode::ClientLeft));
}

#[test]
fn garbage_from_a_peer_ends_its_connection_with_the_protocol_code() {
    if common::skip_unless_gns("garbage_from_a_peer_ends_its_connection_with_the_protocol_code") {
        return;
    }
    let mut server = Server::start(ServerConfig::new(8), &[]);
    // A plain steam-sockets connection, not renet: it sends what renet cannot read.
    let sockets = Sockets::init_gns().unwrap();
    let events = sockets.events();
    let raw = sockets.connect_ip(server.addr, &[]).unwrap();
    let start = Instant::now();
    let mut sent = false;
    let end = loop {
        server.tick();
        sockets.run_callbacks();
        if !sent && raw.info().unwrap().state == ConnectionState::Connected {
            raw.send(&[0xffu8, 1, 2, 3][..], SendFlags::RELIABLE).unwrap();
            sent = true;
        }
        let closed = events.try_iter().find_map(|event| match event {
            Event::ConnectionStatus(change) => change.info.close_reason(),
            _ => None,
        });
        if let Some(reason) = closed {
            break reason;
        }
        assert!(start.elapsed() < DEADLINE, "the server did not close the connection");
        std::thread::sleep(Duration::from_millis(2));
    };
    assert_eq!(end.end, CloseCode::Protocol.end_reason(), "{end:?}");
    assert_eq!(end.end, EndReason::app_exception(1).unwrap());
    assert_eq!(server.transport.client_count(), 0);
    assert!(server.events.iter().any(|e| matches!(
        e,
        ServerEvent::ClientDisconnected { reason: DisconnectReason::PacketDeserialization(_), .. }
    )));
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    if common::skip_unless_gns("bad_input_is_an_error_not_a_panic") {
        return;
    }
    let mut server = Server::start(ServerConfig::new(8), &[]);
    // Unknown clients.
    assert_eq!(
        server.transport.disconnect_client(12345, &mut server.renet, true),
        Err(Error::UnknownClient(12345))
    );
    assert_eq!(
        server
            .transport
            .disconnect_client(u64::MAX, &mut server.renet, false)
            .unwrap_err()
            .to_string(),
        format!("no client {} on this transport", u64::MAX)
    );
    assert!(server.transport.client_info(7).is_none());
    assert!(server.transport.connection(7).is_none());
    server.transport.disconnect_all(&mut server.renet, true); // nobody: nothing happens
    // Bad addresses and options.
    assert!(matches!(server.transport.listen_ip("not an address", &[]), Err(Error::Sockets(_))));
    assert!(matches!(
        server.transport.listen_ip("127.0.0.1:0", &[ConfigValue::TimeoutConnected(Duration::MAX)]),
        Err(Error::Sockets(steam_sockets::Error::OutOfRange { .. }))
    ));
    let taken = server.addr;
    assert!(matches!(server.transport.listen_ip(taken, &[]), Err(Error::Sockets(_))));
    assert_eq!(server.transport.listeners().count(), 1, "failed listens add nothing");
    let sockets = Sockets::init_gns().unwrap();
    assert!(matches!(
        ClientTransport::connect_ip(sockets.clone(), "127.0.0.1", &[]),
        Err(Error::Sockets(_))
    ));
    // A client whose server is not there: it connects, times out, and says so.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap(); // a port nobody answers on
    let options = [ConfigValue::TimeoutInitial(Duration::from_secs(1))];
    let mut lonely = vec![Client::connect(silent.local_addr().unwrap(), &options)];
    assert!(lonely[0].transport.is_connecting());
    let Client { transport, renet, .. } = &mut lonely[0];
    assert!(transport.send_packets(renet).is_ok(), "nothing to do yet");
    run_until("connecting times out", &mut server, &mut lonely, |_, c| {
        c[0].renet.is_disconnected()
    });
    let reason = lonely[0].transport.close_reason().unwrap();
    assert_eq!(reason.closed_by, ClosedBy::TimedOut, "{reason:?}");
    assert_eq!(lonely[0].transport.close_code(), None);
    let Client { transport, renet, .. } = &mut lonely[0];
    assert!(matches!(transport.send_packets(renet), Err(Error::Disconnected(Some(_)))));
    lonely[0].transport.disconnect(); // already ended: nothing happens
    assert_eq!(lonely[0].transport.close_reason().unwrap().closed_by, ClosedBy::TimedOut);
    // A transport with no listen socket at all is fine too.
    let mut idle = ServerTransport::new(sockets, ServerConfig::new(0)).unwrap();
    assert_eq!(idle.listeners().count(), 0);
    idle.update(&mut server.renet);
    idle.send_packets(&mut server.renet);
}
