//! FakeIP server: asks Steam for a FakeIP (a globally unique IPv4 address and ports that route
//! through the Steam Datagram Relay), listens for connections on its first port and exchanges
//! datagrams on its second with a `FakeUdpPort`. `steam` backend only; see `fake_ip_client`.
//!
//! ```text
//! cargo run -p steam-sockets-examples --example fake_ip_server
//! #   prints "FakeIP: 169.254.x.y, connections on port P, datagrams on port Q"
//! cargo run -p steam-sockets-examples --example fake_ip_client -- 169.254.x.y:P --udp 169.254.x.y:Q
//! ```
//!
//! Options: `--app-id N` (default 480, Valve's public "Spacewar" test app), `--seconds N` (stop
//! after N seconds; default: run until killed). The server echoes every message on every
//! connection, and answers each datagram `ping <n>` with `pong <n>`, sent back to the
//! datagram's sender (`Message::peer`, the client's own FakeIP).
//!
//! FakeIP lets code written for IP addresses (game-server browsers, UDP protocols) work over
//! SDR: peers use the FakeIP like a real address (`Sockets::connect_ip` or
//! `FakeUdpPort::send_to`), and the relays carry the traffic. Steam must allow FakeIP for the
//! app.
//!
//! Expected output without a Steam client: one line,
//! `fake_ip_server: error: Steam client not running (or not logged in): ...`, exit code 1.

#[allow(dead_code)]
mod common;

use std::process::ExitCode;
use std::time::Duration;

use steam_sockets::{
    Event, FakeIpResult, GlobalEvents, Message, NetworkIdentity, ResultCode, SendFlags, Sockets,
};

use common::{BoxError, Deadline, EchoServer};

fn main() -> ExitCode {
    common::steam_main("fake_ip_server", &["seconds"], run)
}

/// Asks for a FakeIP with `ports` ports and waits for the answer.
fn request_fake_ip(
    sockets: &Sockets,
    events: &crossbeam_channel::Receiver<Event>,
    ports: u8,
) -> Result<FakeIpResult, BoxError> {
    sockets.enable_global_events(GlobalEvents::FAKE_IP_RESULT)?;
    sockets.begin_async_request_fake_ip(ports)?;
    let deadline = Deadline::after(Duration::from_secs(30));
    loop {
        if deadline.passed() {
            return fail!("no FakeIP within 30 s");
        }
        sockets.run_callbacks();
        for event in events.try_iter() {
            if let Event::FakeIpResult(result) = event {
                if result.result != ResultCode::OK {
                    return fail!("FakeIP request failed: {}", result.result);
                }
                return Ok(result);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run(args: &common::Args) -> Result<(), BoxError> {
    let seconds = args.value("seconds", 0u64)?;
    let stop = (seconds > 0).then(|| Deadline::after(Duration::from_secs(seconds)));

    let sockets = Sockets::init_steam_client().map_err(common::explain)?;
    let events = sockets.events();
    let fake = request_fake_ip(&sockets, &events, 2)?;
    let (Some(&conn_port), Some(&udp_port)) = (fake.ports.first(), fake.ports.get(1)) else {
        return fail!("Steam granted {} FakeIP port(s), 2 were asked for", fake.ports.len());
    };
    println!(
        "FakeIP: {}, connections on port {conn_port}, datagrams on port {udp_port} (for {})",
        fake.ip, fake.identity
    );

    // Port index 0: connections. Port index 1: datagrams.
    let _listener = sockets.listen_p2p_fake_ip(0, &[])?;
    let udp = sockets.create_fake_udp_port(Some(1))?;
    let mut server = EchoServer::new(&sockets)?;
    let mut inbox: Vec<Message> = Vec::with_capacity(64);

    while !stop.is_some_and(Deadline::passed) {
        sockets.run_callbacks();
        for event in events.try_iter() {
            server.handle(event, |conn| match conn.remote_fake_ip() {
                Ok(addr) => format!("FakeIP {addr}"),
                Err(_) => "unknown".into(),
            })?;
        }
        // Connections: echo.
        server.echo()?;
        // Datagrams: `ping <n>` gets `pong <n>`, back to its sender.
        udp.receive(&mut inbox, 64)?;
        for msg in inbox.drain(..) {
            let text = String::from_utf8_lossy(&msg).into_owned();
            let mut words = text.split_whitespace();
            match (words.next(), words.next(), msg.peer()) {
                (Some("ping"), Some(n), NetworkIdentity::Ip(reply_to)) => {
                    println!("datagram from {reply_to}: {text}");
                    let pong = format!("pong {n}");
                    if let Err(e) = udp.send_to(reply_to, pong.as_bytes(), SendFlags::UNRELIABLE) {
                        eprintln!("pong to {reply_to}: {e}");
                    }
                }
                _ => eprintln!("ignored datagram: {text:?}"),
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}
