//! FakeIP client: connects to a `fake_ip_server` by its FakeIP address, exchanges a few echoed
//! messages, then ping-pongs datagrams through a `FakeUdpPort`. `steam` backend only.
//!
//! ```text
//! cargo run -p steam-sockets-examples --example fake_ip_server
//! cargo run -p steam-sockets-examples --example fake_ip_client -- <FakeIP>:<port> [--udp <FakeIP>:<udp port>]
//! ```
//!
//! The client connects with the ordinary `Sockets::connect_ip`: to code that only knows IP
//! addresses, a FakeIP is an address like any other, and Steam routes it over the relay
//! network. It sends 5 reliable messages and checks each echo. With `--udp`, it gets a FakeIP of
//! its own (one port), opens a `FakeUdpPort` on it and sends 5 `ping <n>` datagrams, expecting `pong <n>` back (datagrams are unreliable: it reports how many came
//! back and fails only if none did). Prints a summary and exits 0; any failure exits 1.
//! Options: `--app-id N` (default 480, Valve's public "Spacewar" test app), `--seconds N`
//! (time limit, default 60).
//!
//! Expected output without a Steam client: one line,
//! `fake_ip_client: error: Steam client not running (or not logged in): ...`, exit code 1.

#[allow(dead_code)]
mod common;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use steam_sockets::{
    ConnectionState, Event, GlobalEvents, Message, ResultCode, SendFlags, Sockets,
};

use common::{BoxError, Deadline};

fn main() -> ExitCode {
    common::steam_main("fake_ip_client", &["seconds", "udp"], run)
}

fn run(args: &common::Args) -> Result<(), BoxError> {
    let Some(server) = args.word(0) else {
        return fail!("usage: fake_ip_client <FakeIP:port> [--udp <FakeIP:port>]");
    };
    let server: SocketAddr =
        server.parse().map_err(|e| common::Fail(format!("server address {server}: {e}")))?;
    let udp_server: Option<SocketAddr> = match args.value("udp", String::new())? {
        s if s.is_empty() => None,
        s => Some(s.parse().map_err(|e| common::Fail(format!("--udp {s}: {e}")))?),
    };
    let deadline = Deadline::after(Duration::from_secs(args.value("seconds", 60u64)?));

    let sockets = Sockets::init_steam_client().map_err(common::explain)?;
    let events = sockets.events();

    // Connection to the FakeIP, as to any IP address.
    let conn = sockets.connect_ip(server, &[])?;
    let mut inbox: Vec<Message> = Vec::with_capacity(16);
    let (mut sent, mut echoed) = (0u32, 0u32);
    while echoed < 5 {
        if deadline.passed() {
            return fail!("timed out: {echoed}/5 echoes from {server}");
        }
        sockets.run_callbacks();
        for event in events.try_iter() {
            if let Event::ConnectionStatus(change) = event {
                if let Some(reason) = change.info.close_reason() {
                    return fail!("connection to {server} closed: {reason:?}");
                }
                if change.info.state == ConnectionState::Connected {
                    println!("connected to {server} ({})", change.info.description);
                }
            }
        }
        if sent < 5 && conn.info()?.state == ConnectionState::Connected {
            conn.send(format!("hello {sent}").as_bytes(), SendFlags::RELIABLE)?;
            sent += 1;
        }
        conn.receive(&mut inbox, 16)?;
        for msg in inbox.drain(..) {
            let expected = format!("hello {echoed}");
            if msg.data() != expected.as_bytes() {
                return fail!("echo {echoed}: got {:?}", String::from_utf8_lossy(&msg));
            }
            echoed += 1;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    println!("5/5 messages echoed intact over {server}");

    let Some(udp_server) = udp_server else { return Ok(()) };
    // Our own FakeIP, so the server can answer our datagrams.
    sockets.enable_global_events(GlobalEvents::FAKE_IP_RESULT)?;
    sockets.begin_async_request_fake_ip(1)?;
    let me = loop {
        if deadline.passed() {
            return fail!("no FakeIP for this client in time");
        }
        sockets.run_callbacks();
        if let Some(Event::FakeIpResult(result)) =
            events.try_iter().find(|e| matches!(e, Event::FakeIpResult(_)))
        {
            if result.result != ResultCode::OK {
                return fail!("FakeIP request failed: {}", result.result);
            }
            let Some(&port) = result.ports.first() else {
                return fail!("Steam granted no FakeIP port");
            };
            break SocketAddr::from((result.ip, port));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let udp = sockets.create_fake_udp_port(Some(0))?;
    let mut pongs = 0;
    for n in 0..5 {
        udp.send_to(udp_server, format!("ping {n}").as_bytes(), SendFlags::UNRELIABLE)?;
        let wait = Deadline::after(Duration::from_secs(2));
        while !wait.passed() && !deadline.passed() {
            udp.receive(&mut inbox, 16)?;
            if inbox.drain(..).any(|m| m.data() == format!("pong {n}").as_bytes()) {
                pongs += 1;
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    if pongs == 0 {
        return fail!("no datagram came back from {udp_server}");
    }
    println!("{pongs}/5 datagrams answered by {udp_server} (from our FakeIP {me})");
    Ok(())
}
