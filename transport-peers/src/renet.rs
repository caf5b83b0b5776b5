//! The `renet` scenario's peers: a renet server on `steam-sockets-renet`'s transport,
//! listening by P2P virtual port, and a renet client connecting to it by identity. The client
//! sends messages on renet's reliable-ordered channel, gets each echoed, in order and intact,
//! then disconnects; the server sees it leave.

use std::time::{Duration, Instant};

use netlab::Finished;
use renet::{ConnectionConfig, DefaultChannel, RenetClient, RenetServer, ServerEvent};
use steam_sockets::{NetworkIdentity, Sockets};
use steam_sockets_renet::{ClientTransport, ServerConfig, ServerTransport};

use crate::{Outcome, STEP};

/// Messages the renet client sends (each echoed).
pub const RENET_COUNT: usize = 200;

/// renet's tick here.
const TICK: Duration = Duration::from_millis(5);

fn message(seq: usize) -> Vec<u8> {
    format!("renet message {seq}").into_bytes()
}

/// The server: echoes every reliable-ordered message until its one client leaves; prints
/// `RENET CLIENT <id>` and `RENET LEFT <reason>`.
pub fn server(sockets: Sockets) -> Outcome {
    let mut server = RenetServer::new(ConnectionConfig::default());
    let mut transport =
        ServerTransport::new(sockets, ServerConfig::new(4)).map_err(|e| format!("server: {e}"))?;
    transport.listen_p2p(0, &[]).map_err(|e| format!("listen_p2p: {e}"))?;
    let start = Instant::now();
    let mut joined = false;
    while start.elapsed() < STEP {
        server.update(TICK);
        transport.update(&mut server);
        while let Some(event) = server.get_event() {
            match event {
                ServerEvent::ClientConnected { client_id } => {
                    println!("RENET CLIENT {client_id}");
                    joined = true;
                }
                ServerEvent::ClientDisconnected { reason, .. } => {
                    println!("RENET LEFT {reason:?}");
                    return Ok(());
                }
            }
        }
        for id in server.clients_id() {
            while let Some(text) = server.receive_message(id, DefaultChannel::ReliableOrdered) {
                server.send_message(id, DefaultChannel::ReliableOrdered, text);
            }
        }
        transport.send_packets(&mut server);
        std::thread::sleep(TICK);
    }
    Err(format!("no client left within {STEP:?} (joined: {joined})"))
}

/// The client: connects to `server` by identity, sends [`RENET_COUNT`] messages, checks the
/// echoes, and disconnects; prints `RENET CONNECTED ms=<n>` and `RENET ECHOED <n> ms=<n>`.
pub fn client(sockets: Sockets, server: &NetworkIdentity) -> Outcome {
    let mut client = RenetClient::new(ConnectionConfig::default());
    let mut transport = ClientTransport::connect_p2p(sockets, server, 0, &[])
        .map_err(|e| format!("connect_p2p: {e}"))?;
    let start = Instant::now();
    let (mut connected_at, mut sent, mut echoed) = (None, 0, 0);
    while echoed < RENET_COUNT {
        if start.elapsed() > STEP {
            return Err(format!("{echoed} of {RENET_COUNT} echoes within {STEP:?}"));
        }
        client.update(TICK);
        transport.update(&mut client);
        if transport.is_disconnected() {
            return Err(format!("disconnected: {:?}", transport.close_reason()));
        }
        if client.is_connected() {
            if connected_at.is_none() {
                connected_at = Some(start.elapsed());
                println!("RENET CONNECTED ms={}", start.elapsed().as_millis());
            }
            // A few per tick, as a game sends.
            for _ in 0..10 {
                if sent < RENET_COUNT {
                    client.send_message(DefaultChannel::ReliableOrdered, message(sent));
                    sent += 1;
                }
            }
        }
        while let Some(echo) = client.receive_message(DefaultChannel::ReliableOrdered) {
            if echo[..] != message(echoed)[..] {
                return Err(format!("echo {echoed}: {:?}", String::from_utf8_lossy(&echo)));
            }
            echoed += 1;
        }
        transport.send_packets(&mut client).map_err(|e| format!("send: {e}"))?;
        std::thread::sleep(TICK);
    }
    let since = connected_at.unwrap_or_default();
    println!("RENET ECHOED {echoed} ms={}", (start.elapsed() - since).as_millis());
    transport.disconnect();
    // Let the library deliver the close.
    let closing = Instant::now();
    while closing.elapsed() < Duration::from_millis(500) {
        transport.update(&mut client);
        std::thread::sleep(TICK);
    }
    Ok(())
}

/// The scenario's verdict from what the two peers printed, and its detail line.
pub fn report(server: &Finished, client: &Finished) -> Result<Vec<String>, String> {
    let count = RENET_COUNT;
    let echoed = client.field(&format!("RENET ECHOED {count}"), "ms");
    let ok = server.ok
        && client.ok
        && echoed.is_some()
        && !server.lines("RENET CLIENT ").is_empty()
        && !server.lines("RENET LEFT ").is_empty();
    if !ok {
        return Err(format!("{}\n{}", server.describe("server"), client.describe("client")));
    }
    let connected = client.field("RENET CONNECTED", "ms").unwrap_or_default();
    let left = server.lines("RENET LEFT ").first().cloned().unwrap_or_default();
    Ok(vec![format!(
        "renet over steam-sockets-renet by identity and P2P virtual port: connected in \
         {connected} ms, {count} reliable-ordered messages echoed in order in {} ms; the \
         server saw the client leave ({})",
        echoed.unwrap_or_default(),
        left.trim_start_matches("RENET LEFT ")
    )])
}
