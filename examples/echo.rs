//! Echo: a server and a client exchanging a few thousand messages over real UDP.
//!
//! ```text
//! cargo xtask demo                                   # GNS backend, no Steam needed
//! cargo run -p steam-sockets-examples --example echo --no-default-features --features gns
//! cargo run -p steam-sockets-examples --example echo # steam backend: needs a running Steam client
//! ```
//!
//! Both ends run in this process on 127.0.0.1. The client sends 3000 messages, two thirds
//! reliable (up to 4 KiB) and one third unreliable; the server echoes each back with the same
//! flags. The client checks that every reliable echo came back intact and in order, counts the
//! unreliable ones, prints one summary line and exits 0. Any failure exits 1 with the reason.
//! On the steam backend without a Steam client it exits 1 with "Steam client not running" and
//! Steam's own reason.

#[allow(dead_code)]
mod common;

use std::collections::VecDeque;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use steam_sockets::{ConfigValue, Connection, Error, Event, Message, SendFlags};

const MESSAGES: u32 = 3000;
const DEADLINE: Duration = Duration::from_secs(60);

fn main() -> ExitCode {
    match run() {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("echo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Message `seq`: its sequence number, then a pattern derived from it (so corruption shows).
fn payload(seq: u32) -> Vec<u8> {
    let len = 4 + (seq as usize * 37) % 4096;
    let mut bytes = seq.to_le_bytes().to_vec();
    bytes.extend((4..len).map(|i| (seq as usize * 31 + i) as u8));
    bytes
}

fn is_reliable(seq: u32) -> bool {
    seq % 3 != 2
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn run() -> Result<String, Box<dyn std::error::Error>> {
    let sockets = common::init_client().map_err(|e| -> Box<dyn std::error::Error> { e })?;
    let events = sockets.events();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()?));
    // The library caps each connection at 256 KiB/s by default; loopback takes far more. Only
    // the maximum is raised: a high minimum rate would defeat congestion control and overflow
    // the sockets' buffers.
    let options = [ConfigValue::SendRateMax(32 << 20)];
    let _listener = sockets.listen_ip(addr, &options)?;
    let client = sockets.connect_ip(addr, &options)?;

    let start = Instant::now();
    let mut server: Option<Connection> = None;
    // Received by the server, not yet echoed (its send buffer was full).
    let mut to_echo: VecDeque<Message> = VecDeque::new();
    let mut next_seq = 0u32;
    let mut expected_reliable = 0u32;
    let (mut reliable_back, mut unreliable_back, mut bytes) = (0u32, 0u32, 0usize);
    let mut inbox: Vec<Message> = Vec::with_capacity(256);
    let reliable_total = (0..MESSAGES).filter(|&s| is_reliable(s)).count() as u32;

    while reliable_back < reliable_total {
        if start.elapsed() > DEADLINE {
            return Err(
                format!("timed out: {reliable_back}/{reliable_total} reliable echoes").into()
            );
        }
        sockets.run_callbacks();
        for event in events.try_iter() {
            match event {
                Event::Incoming(request) => server = Some(request.accept()?),
                Event::ConnectionStatus(change) => {
                    if let Some(reason) = change.info.close_reason() {
                        return Err(
                            format!("connection {} closed: {reason:?}", change.connection).into()
                        );
                    }
                }
                _ => {}
            }
        }

        // Client: send while the send buffer takes it; a full buffer (or a connection still
        // being set up) just means "later".
        while next_seq < MESSAGES {
            let flags =
                if is_reliable(next_seq) { SendFlags::RELIABLE } else { SendFlags::UNRELIABLE };
            match client.send(&payload(next_seq), flags) {
                Ok(_) => next_seq += 1,
                Err(Error::SendBufferFull { .. } | Error::NotConnected { .. }) => break,
                Err(e) => return Err(e.into()),
            }
        }

        // Server: echo everything with the flags it arrived with, in order.
        if let Some(server) = &server {
            if to_echo.len() < 256 {
                server.receive(&mut inbox, 256)?;
                to_echo.extend(inbox.drain(..));
            }
            while let Some(msg) = to_echo.front() {
                let flags =
                    if msg.is_reliable() { SendFlags::RELIABLE } else { SendFlags::UNRELIABLE };
                match server.send(msg, flags) {
                    Ok(_) => drop(to_echo.pop_front()),
                    Err(Error::SendBufferFull { .. }) => break,
                    Err(e) => return Err(e.into()),
                }
            }
        }

        // Client: check the echoes.
        client.receive(&mut inbox, 256)?;
        for msg in inbox.drain(..) {
            let seq = u32::from_le_bytes(msg[..4].try_into()?);
            if msg.data() != payload(seq).as_slice() {
                return Err(format!("echo of message {seq} is corrupted").into());
            }
            bytes += msg.len();
            if msg.is_reliable() {
                if seq != expected_reliable {
                    return Err(format!(
                        "reliable echo {seq} arrived, expected {expected_reliable}"
                    )
                    .into());
                }
                expected_reliable =
                    (seq + 1..MESSAGES).find(|&s| is_reliable(s)).unwrap_or(MESSAGES);
                reliable_back += 1;
            } else {
                unreliable_back += 1;
            }
        }
        std::thread::sleep(Duration::from_micros(100));
    }

    let elapsed = start.elapsed().as_secs_f64();
    Ok(format!(
        "echo ({}): {MESSAGES} messages over UDP {addr}; {reliable_back}/{reliable_total} reliable \
         echoed intact and in order, {unreliable_back}/{} unreliable; {:.2} MB in {elapsed:.2} s",
        steam_sockets::BACKEND,
        MESSAGES - reliable_total,
        bytes as f64 / 1e6,
    ))
}
