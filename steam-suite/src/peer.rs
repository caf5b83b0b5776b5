//! The peers: what runs inside a network namespace, under the Steam test double. Each role
//! prints its findings as lines the harness checks, and fails with a message on stderr.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use steam_sockets::{
    Availability, Connection, ConnectionId, ConnectionState, EndReason, Error, Event, GlobalEvents,
    Message, NetworkIdentity, SendFlags, Sockets, SteamId,
};

/// Result of a role.
pub type Outcome = Result<(), String>;

/// Reliable messages the echo client sends, and gets back.
pub const ECHO_COUNT: u32 = 1000;

/// The end reason the echo client closes with (application code 7) and its text.
const ECHO_END: u16 = 7;
const ECHO_BYE: &str = "done";

/// The virtual ports of the coexistence host: the `steamworks` crate's listen socket, and
/// steam-sockets'.
pub const STEAMWORKS_PORT: i32 = 1;
pub const STEAM_SOCKETS_PORT: i32 = 2;

/// How long a role waits for its peer (the test double takes about 3 s to find one).
const PATIENCE: Duration = Duration::from_secs(60);

/// How long a role keeps pumping after it closed, so that the close reaches the peer (the
/// test double moves packets only while Steam's callbacks run).
const LINGER: Duration = Duration::from_secs(3);

fn err(context: &str) -> impl Fn(Error) -> String + '_ {
    move |e| format!("{context}: {e}")
}

/// A deadline for one wait.
struct Deadline(Instant);

impl Deadline {
    fn start() -> Deadline {
        Deadline(Instant::now() + PATIENCE)
    }

    fn check(&self, what: impl FnOnce() -> String) -> Outcome {
        if Instant::now() > self.0 { Err(format!("timed out: {}", what())) } else { Ok(()) }
    }
}

fn nap() {
    std::thread::sleep(Duration::from_millis(2));
}

fn peer_identity(text: &str) -> Result<NetworkIdentity, String> {
    let id: u64 = text.parse().map_err(|e| format!("peer {text:?}: {e}"))?;
    Ok(NetworkIdentity::SteamId(SteamId(id)))
}

/// The echo client's message `seq`: 64 bytes derived from it.
fn payload(seq: u32) -> Vec<u8> {
    let mut data = seq.to_le_bytes().to_vec();
    data.extend((0..60u32).map(|i| (seq.wrapping_mul(31).wrapping_add(i) % 251) as u8));
    data
}

/// Checks that `message` is message `seq` of the echo stream. (Not its reliable flag: the test
/// double delivers every message flagged unreliable.)
fn check_payload(message: &Message, seq: u32) -> Outcome {
    if message.data() == payload(seq) {
        Ok(())
    } else {
        Err(format!("message {seq} arrived changed or out of order: {message:?}"))
    }
}

/// `identity`: Steam initialises under the test double and reports this user's SteamID.
pub fn identity() -> Outcome {
    let sockets = Sockets::init_steam_client().map_err(err("init_steam_client"))?;
    let identity = sockets.identity().map_err(err("identity"))?;
    println!("IDENTITY {identity}");
    Ok(())
}

/// `echo-server`: listens on virtual port 0, accepts one connection, checks and echoes every
/// message, and reports how the peer closed.
pub fn echo_server() -> Outcome {
    let sockets = Sockets::init_steam_client().map_err(err("init_steam_client"))?;
    let events = sockets.events();
    let _listener = sockets.listen_p2p(0, &[]).map_err(err("listen_p2p"))?;
    let (mut conn, mut next, mut inbox) = (None::<Connection>, 0u32, Vec::new());
    let deadline = Deadline::start();
    loop {
        deadline.check(|| format!("echo server: {next} messages, no close"))?;
        sockets.run_callbacks();
        for event in events.try_iter() {
            match event {
                Event::Incoming(request) => {
                    println!("INCOMING {}", request.info().remote_identity);
                    conn = Some(request.accept().map_err(err("accept"))?);
                }
                Event::ConnectionStatus(change) => {
                    if let Some(reason) = change.info.close_reason() {
                        println!("RECEIVED {next}");
                        println!(
                            "CLOSED closed_by={:?} end={} debug={}",
                            reason.closed_by,
                            reason.end.raw(),
                            reason.debug
                        );
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        if let Some(conn) = &conn {
            conn.receive(&mut inbox, 256).map_err(err("receive"))?;
            for message in inbox.drain(..) {
                check_payload(&message, next)?;
                conn.send(&message, SendFlags::RELIABLE).map_err(err("echo"))?;
                next += 1;
            }
        }
        nap();
    }
}

/// Waits for `conns` to be connected; fails if one closes.
fn wait_connected(sockets: &Sockets, conns: &[&Connection]) -> Outcome {
    let events = sockets.events();
    let mut connected: Vec<ConnectionId> = Vec::new();
    let deadline = Deadline::start();
    while conns.iter().any(|c| !connected.contains(&c.id())) {
        deadline.check(|| format!("{} of {} connected", connected.len(), conns.len()))?;
        sockets.run_callbacks();
        for event in events.try_iter() {
            if let Event::ConnectionStatus(change) = event {
                if let Some(reason) = change.info.close_reason() {
                    return Err(format!(
                        "{} closed while connecting: {reason:?}",
                        change.connection
                    ));
                }
                if change.info.state == ConnectionState::Connected {
                    connected.push(change.connection);
                }
            }
        }
        nap();
    }
    Ok(())
}

/// Pumps `sockets` for [`LINGER`] after a close.
fn linger(sockets: &Sockets) {
    let until = Instant::now() + LINGER;
    while Instant::now() < until {
        sockets.run_callbacks();
        nap();
    }
}

/// `echo-client <steamid>`: connects to the echo server by SteamID, sends [`ECHO_COUNT`]
/// reliable messages, checks every echo, and closes with application code 7, "done".
pub fn echo_client(server: &str) -> Outcome {
    let sockets = Sockets::init_steam_client().map_err(err("init_steam_client"))?;
    let conn = sockets.connect_p2p(&peer_identity(server)?, 0, &[]).map_err(err("connect_p2p"))?;
    wait_connected(&sockets, &[&conn])?;
    let (mut sent, mut echoed, mut inbox) = (0u32, 0u32, Vec::new());
    let deadline = Deadline::start();
    while echoed < ECHO_COUNT {
        deadline.check(|| format!("{echoed} of {ECHO_COUNT} echoes"))?;
        while sent < ECHO_COUNT {
            match conn.send(&payload(sent), SendFlags::RELIABLE) {
                Ok(_) => sent += 1,
                Err(Error::SendBufferFull { .. }) => break,
                Err(e) => return Err(format!("send {sent}: {e}")),
            }
        }
        sockets.run_callbacks();
        conn.receive(&mut inbox, 256).map_err(err("receive"))?;
        for message in inbox.drain(..) {
            check_payload(&message, echoed)?;
            echoed += 1;
        }
        nap();
    }
    println!("ECHOED {echoed}");
    let end = EndReason::app(ECHO_END).map_err(err("end reason"))?;
    conn.close(end, ECHO_BYE, steam_sockets::QueuedMessages::Deliver)
        .map_err(|e| format!("close: {}", e.error()))?;
    linger(&sockets);
    Ok(())
}

/// `coexist-host`: the `steamworks` crate initialises Steam (manual dispatch) and listens on
/// virtual port 1; steam-sockets attaches to that Steam and listens on port 2. Each accepts
/// one connection from the guest, answers its message and sees it close; each must see all
/// of its own events and none of the other's.
pub fn coexist_host() -> Outcome {
    let client = steamworks::Client::init().map_err(|e| format!("steamworks init: {e}"))?;
    let sockets = Sockets::attach_steam_client().map_err(err("attach_steam_client"))?;
    let events = sockets.events();
    let steamworks_sockets = client.networking_sockets();
    let steamworks_listener = steamworks_sockets
        .create_listen_socket_p2p(STEAMWORKS_PORT, Vec::new())
        .map_err(|e| format!("steamworks listen: {e:?}"))?;
    let listener = sockets.listen_p2p(STEAM_SOCKETS_PORT, &[]).map_err(err("listen_p2p"))?;

    // What each library reported.
    let (mut steamworks_seen, mut ours_seen) = (Vec::<&str>::new(), Vec::<String>::new());
    let (mut steamworks_conn, mut our_conn) = (None, None::<Connection>);
    let (mut steamworks_answered, mut ours_answered) = (false, false);
    let mut our_closed = false;
    let mut inbox = Vec::new();
    let deadline = Deadline::start();
    while !(steamworks_seen.contains(&"disconnected") && our_closed) {
        deadline
            .check(|| format!("steamworks saw {steamworks_seen:?}, steam-sockets {ours_seen:?}"))?;
        // Each library's own pumping: manual dispatch for `steamworks`, and steam-sockets'
        // interface callbacks (it leaves Steam's dispatch to `steamworks`, which owns it).
        client.run_callbacks();
        sockets.run_callbacks();
        while let Some(event) = steamworks_listener.try_receive_event() {
            use steamworks::networking_types::ListenSocketEvent;
            match event {
                ListenSocketEvent::Connecting(request) => {
                    steamworks_seen.push("connecting");
                    request.accept().map_err(|e| format!("steamworks accept: {e:?}"))?;
                }
                ListenSocketEvent::Connected(connected) => {
                    steamworks_seen.push("connected");
                    steamworks_conn = Some(connected.take_connection());
                }
                ListenSocketEvent::Disconnected(_) => steamworks_seen.push("disconnected"),
            }
        }
        for event in events.try_iter() {
            match event {
                Event::Incoming(request) => {
                    if request.info().listen_socket != Some(listener.id()) {
                        return Err(format!(
                            "steam-sockets got a request it does not own: {request:?}"
                        ));
                    }
                    ours_seen.push(format!("incoming {}", request.id()));
                    our_conn = Some(request.accept().map_err(err("accept"))?);
                }
                Event::ConnectionStatus(change) => {
                    if our_conn.as_ref().map(Connection::id) != Some(change.connection) {
                        return Err(format!(
                            "steam-sockets got another connection's event: {change:?}"
                        ));
                    }
                    ours_seen.push(format!("{:?} {}", change.info.state, change.connection));
                    our_closed |= change.info.state == ConnectionState::ClosedByPeer;
                }
                other => return Err(format!("steam-sockets got {other:?}")),
            }
        }
        if let Some(conn) = steamworks_conn.as_mut() {
            let messages =
                conn.receive_messages(16).map_err(|e| format!("steamworks receive: {e:?}"))?;
            for message in messages {
                if message.data() != b"to steamworks" {
                    return Err(format!(
                        "steamworks got {:?}",
                        String::from_utf8_lossy(message.data())
                    ));
                }
                conn.send_message(
                    b"steamworks got it",
                    steamworks::networking_types::SendFlags::RELIABLE,
                )
                .map_err(|e| format!("steamworks send: {e:?}"))?;
                steamworks_answered = true;
            }
        }
        if let Some(conn) = &our_conn {
            inbox.clear();
            conn.receive(&mut inbox, 16).map_err(err("receive"))?;
            for message in &inbox {
                if message.data() != b"to steam-sockets" {
                    return Err(format!(
                        "steam-sockets got {:?}",
                        String::from_utf8_lossy(message)
                    ));
                }
                conn.send(b"steam-sockets got it", SendFlags::RELIABLE).map_err(err("send"))?;
                ours_answered = true;
            }
        }
        nap();
    }
    if steamworks_seen != ["connecting", "connected", "disconnected"] {
        return Err(format!("steamworks saw {steamworks_seen:?}"));
    }
    if !(steamworks_answered && ours_answered) {
        return Err("a message did not reach its library".into());
    }
    println!("COEXIST steamworks saw {}", steamworks_seen.join(", "));
    println!("COEXIST steam-sockets saw {}", ours_seen.join(", "));
    println!("COEXIST each answered its own message; no event crossed");
    Ok(())
}

/// `coexist-guest <steamid>`: steam-sockets alone; connects to the host's two listen sockets,
/// sends each its message, checks each answer, and closes both.
pub fn coexist_guest(host: &str) -> Outcome {
    let sockets = Sockets::init_steam_client().map_err(err("init_steam_client"))?;
    let host = peer_identity(host)?;
    let to_steamworks =
        sockets.connect_p2p(&host, STEAMWORKS_PORT, &[]).map_err(err("connect_p2p 1"))?;
    let to_ours =
        sockets.connect_p2p(&host, STEAM_SOCKETS_PORT, &[]).map_err(err("connect_p2p 2"))?;
    wait_connected(&sockets, &[&to_steamworks, &to_ours])?;
    to_steamworks.send(b"to steamworks", SendFlags::RELIABLE).map_err(err("send 1"))?;
    to_ours.send(b"to steam-sockets", SendFlags::RELIABLE).map_err(err("send 2"))?;
    let mut answers: Vec<(ConnectionId, Vec<u8>)> = Vec::new();
    let mut inbox = Vec::new();
    let deadline = Deadline::start();
    while answers.len() < 2 {
        deadline.check(|| format!("{} of 2 answers", answers.len()))?;
        sockets.run_callbacks();
        for conn in [&to_steamworks, &to_ours] {
            conn.receive(&mut inbox, 16).map_err(err("receive"))?;
            answers.extend(inbox.drain(..).map(|m| (conn.id(), m.to_vec())));
        }
        nap();
    }
    let expected = [
        (to_steamworks.id(), b"steamworks got it".to_vec()),
        (to_ours.id(), b"steam-sockets got it".to_vec()),
    ];
    if !expected.iter().all(|e| answers.contains(e)) {
        return Err(format!("answers: {answers:?}"));
    }
    for conn in [to_steamworks, to_ours] {
        conn.close(EndReason::APP_GENERIC, "bye", steam_sockets::QueuedMessages::Deliver)
            .map_err(|e| format!("close: {}", e.error()))?;
    }
    linger(&sockets);
    println!("GUEST both answered");
    Ok(())
}

/// Relay status events the other code's global handler saw.
static OTHER_RELAY_EVENTS: AtomicU32 = AtomicU32::new(0);

/// Another user's global relay-status handler (installed through the raw bindings of
/// `steamworks-sys`), which steam-sockets must keep calling once it installs its own.
unsafe extern "C" fn other_relay_handler(_: *mut steamworks_sys::SteamRelayNetworkStatus_t) {
    OTHER_RELAY_EVENTS.fetch_add(1, Ordering::Relaxed);
}

/// `global-chain`: another handler for relay status is installed first; steam-sockets then
/// enables the event, and both see the relay network become available.
pub fn global_chain() -> Outcome {
    let sockets = Sockets::init_steam_client().map_err(err("init_steam_client"))?;
    let handler: unsafe extern "C" fn(*mut steamworks_sys::SteamRelayNetworkStatus_t) =
        other_relay_handler;
    // SAFETY: Steam is initialised (above), so the accessor returns its live interface.
    let utils = unsafe { steamworks_sys::SteamAPI_SteamNetworkingUtils_SteamAPI_v004() };
    // SAFETY: live interface; the handler has the signature the key expects.
    let set = unsafe {
        steamworks_sys::SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValuePtr(
            utils,
            steamworks_sys::ESteamNetworkingConfigValue::k_ESteamNetworkingConfig_Callback_RelayNetworkStatusChanged,
            handler as *mut std::ffi::c_void,
        )
    };
    if !set {
        return Err("the other handler was refused".into());
    }
    sockets.enable_global_events(GlobalEvents::RELAY_NETWORK_STATUS).map_err(err("enable"))?;
    sockets.init_relay_network_access().map_err(err("init_relay_network_access"))?;
    let events = sockets.events();
    let mut ours = Vec::new();
    let deadline = Deadline::start();
    while !ours.contains(&Availability::Current) {
        deadline.check(|| format!("steam-sockets saw {ours:?}"))?;
        sockets.run_callbacks();
        for event in events.try_iter() {
            if let Event::RelayNetworkStatus(status) = event {
                ours.push(status.availability);
            }
        }
        nap();
    }
    let other = OTHER_RELAY_EVENTS.load(Ordering::Relaxed);
    if other != ours.len() as u32 {
        return Err(format!(
            "steam-sockets saw {} relay events, the other handler {other}",
            ours.len()
        ));
    }
    println!("CHAIN steam-sockets saw {ours:?}; the handler it replaced saw {other} events too");
    Ok(())
}

/// The server of a transport scenario, on this peer's Steam `Sockets`.
pub fn serve_transport(server: fn(Sockets) -> Outcome) -> Outcome {
    server(Sockets::init_steam_client().map_err(err("init_steam_client"))?)
}

/// The client of a transport scenario, on this peer's Steam `Sockets`, connecting to the
/// SteamID `server`.
pub fn join_transport(server: &str, client: fn(Sockets, &NetworkIdentity) -> Outcome) -> Outcome {
    let server = peer_identity(server)?;
    client(Sockets::init_steam_client().map_err(err("init_steam_client"))?, &server)
}
