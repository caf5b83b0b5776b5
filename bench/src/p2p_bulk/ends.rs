//! The two processes of a `p2p-bulk` run, one in each namespace: `p2p-sink` (namespace A,
//! 10.78.0.1) receives and times, `p2p-source` (namespace B) sends.
//!
//! The raw and wrapper sides make their connection through steam-sockets (over ICE: a
//! [`SignalingServer`] in the sink, a [`SignalingClient`] in each process, `listen_p2p` /
//! `connect_p2p` by identity; over IP: `listen_ip` / `connect_ip`); the flat API has no
//! signaling of its own. Only the data path differs: the side's own send and receive code
//! (`raw::connection_traffic`, `wrapper::connection_traffic`). The peer side (gns-rs) has no
//! P2P or signaling API, so it runs over IP only, set up and carried entirely by gns-rs.
//!
//! The protocol uses the connection itself: the source sends the warm-up, waits for one
//! message back (go), sends the timed run, and waits for one more (done); the sink times from
//! sending go to the last message of the run. Both ends use the benchmark's loop
//! ([`drive`]), so every message is counted and its size and content checked.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use gns::sys::ESteamNetworkingConnectionState as GnsState;
use gns::{GnsConnection, GnsGlobal, GnsSocket, IsCreated, IsServer};
use steam_sockets::{
    Connection, ConnectionId, ConnectionState, Error, Event, ListenSocket, NetworkIdentity,
    SignalingClient, SignalingServer, Sockets,
};

use super::Net;
use crate::workload::{
    FILL, Failure, Measurement, Result, Role, SETUP_LIMIT, Setting, Side, Traffic, Workload, drive,
    timed_section, wait_until, warm_up,
};

/// The sink's address (namespace A).
const SINK_IP: Ipv4Addr = Ipv4Addr::new(10, 78, 0, 1);
/// The sink's listen port over IP.
const DATA_PORT: u16 = 27078;
/// The signaling server's port, in the sink.
const SIGNALING_PORT: u16 = 10078;
/// The identities over ICE.
const SINK: &str = "bulk-sink";
const SOURCE: &str = "bulk-source";

/// How long the sink waits for the source to close after done, so that done reaches it.
const LINGER: Duration = Duration::from_secs(2);

/// The failure of `what`, with the library's error.
fn fail<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> Failure + '_ {
    move |e| Failure(format!("{what}: {e}"))
}

/// `p2p-sink`: receives one run and prints its `MEASURE` line. gns-rs runs over IP only (the
/// caller checks).
pub(crate) fn sink(
    side: Side,
    net: Net,
    workload: &Workload,
    settings: &[(Setting, i32)],
) -> Result<()> {
    let messages = workload.messages;
    let measurement = if side == Side::Peer {
        let global = crate::peer::start(settings)?;
        let (server, conn) = gns_accept(global)?;
        let mut traffic = crate::peer::connection_traffic(global, workload, &[], &server);
        let signal = |_: &mut _| gns_signal(global, &server, conn, workload.size);
        let measurement = receive(&mut traffic, workload, messages, signal)?;
        gns_linger(global, &server);
        measurement
    } else {
        let end = CrateEnd::accept(net, settings)?;
        let measurement = if side == Side::Raw {
            let mut traffic = crate::raw::connection_traffic(workload, end.conn.id().raw())?;
            receive(&mut traffic, workload, messages, signal_back)?
        } else {
            let payloads = crate::wrapper::payloads(workload);
            let mut traffic =
                crate::wrapper::connection_traffic(&end.sockets, workload, &end.conn, &payloads);
            receive(&mut traffic, workload, messages, signal_back)?
        };
        end.linger();
        measurement
    };
    println!("{}", measurement.to_line());
    Ok(())
}

/// `p2p-source`: sends one run (gns-rs: over IP only, as for [`sink`]).
pub(crate) fn source(
    side: Side,
    net: Net,
    workload: &Workload,
    settings: &[(Setting, i32)],
) -> Result<()> {
    if side == Side::Peer {
        let global = crate::peer::start(settings)?;
        let client = gns_connect(global)?;
        let targets = std::slice::from_ref(&client);
        let mut traffic = crate::peer::connection_traffic(global, workload, targets, &client);
        return send(&mut traffic, workload.messages);
    }
    let end = CrateEnd::connect(net, settings)?;
    if side == Side::Raw {
        send(&mut crate::raw::connection_traffic(workload, end.conn.id().raw())?, workload.messages)
    } else {
        let payloads = crate::wrapper::payloads(workload);
        let mut traffic =
            crate::wrapper::connection_traffic(&end.sockets, workload, &end.conn, &payloads);
        send(&mut traffic, workload.messages)
    }
}

/// The sink's part once connected: the warm-up, go, the timed run, done.
fn receive<T: Traffic>(
    traffic: &mut T,
    workload: &Workload,
    messages: u64,
    mut signal: impl FnMut(&mut T) -> Result<()>,
) -> Result<Measurement> {
    drive(traffic, Role::Receiver, warm_up(messages))?;
    let (elapsed, cpu) = timed_section(|| {
        signal(traffic)?;
        drive(traffic, Role::Receiver, messages)
    });
    let elapsed = elapsed?;
    signal(traffic)?;
    Ok(Measurement { elapsed, messages, bytes: messages * workload.size as u64, ..cpu })
}

/// The sink's go and done on the raw and wrapper sides: one message through the side's own
/// sending code.
fn signal_back<T: Traffic>(traffic: &mut T) -> Result<()> {
    drive(traffic, Role::Sender, 1).map(drop)
}

/// The source's part once connected: the warm-up, wait for go, the run, wait for done.
fn send(traffic: &mut impl Traffic, messages: u64) -> Result<()> {
    drive(traffic, Role::Sender, warm_up(messages))?;
    drive(traffic, Role::Receiver, 1)?;
    drive(traffic, Role::Sender, messages)?;
    drive(traffic, Role::Receiver, 1).map(drop)
}

/// A connection made by steam-sockets, and what keeps it going. Fields drop in order: the
/// connection first, the library last.
struct CrateEnd {
    conn: Connection,
    _listen: Option<ListenSocket>,
    _signaling: Option<SignalingClient>,
    _server: Option<SignalingServer>,
    events: crossbeam_channel::Receiver<Event>,
    sockets: Sockets,
}

impl CrateEnd {
    /// The sink: listens (over ICE, serving the signaling too) and accepts the source.
    fn accept(net: Net, settings: &[(Setting, i32)]) -> Result<CrateEnd> {
        let signaling_addr = SocketAddr::from((SINK_IP, SIGNALING_PORT));
        let server = match net {
            Net::Ice => {
                Some(SignalingServer::bind(signaling_addr).map_err(fail("signaling server"))?)
            }
            Net::Ip => None,
        };
        let sockets = init(SINK, settings)?;
        let signaling = signaling(&sockets, net)?;
        let listen = match net {
            Net::Ice => sockets.listen_p2p(0, &[]).map_err(fail("listen_p2p"))?,
            Net::Ip => sockets
                .listen_ip(SocketAddr::from((SINK_IP, DATA_PORT)), &[])
                .map_err(fail("listen_ip"))?,
        };
        let events = sockets.events();
        let mut accepted: Option<Connection> = None;
        let mut connected = false;
        wait_until("the source's connection", || {
            sockets.run_callbacks();
            for event in events.try_iter() {
                if let Event::Incoming(request) = event {
                    if accepted.is_none() {
                        accepted = Some(request.accept().map_err(fail("accept"))?);
                    }
                } else if let Some(conn) = &accepted {
                    connected |= is_connected(&event, conn.id())?;
                }
            }
            Ok(connected)
        })?;
        let conn = accepted.ok_or(Failure::from("no connection"))?;
        Ok(CrateEnd {
            conn,
            _listen: Some(listen),
            _signaling: signaling,
            _server: server,
            events,
            sockets,
        })
    }

    /// The source: connects to the sink by identity (ICE) or address (IP).
    fn connect(net: Net, settings: &[(Setting, i32)]) -> Result<CrateEnd> {
        let sockets = init(SOURCE, settings)?;
        let signaling = signaling(&sockets, net)?;
        let conn = match net {
            Net::Ice => {
                sockets.connect_p2p(&identity(SINK), 0, &[]).map_err(fail("connect_p2p"))?
            }
            Net::Ip => sockets
                .connect_ip(SocketAddr::from((SINK_IP, DATA_PORT)), &[])
                .map_err(fail("connect_ip"))?,
        };
        let events = sockets.events();
        let mut connected = false;
        wait_until("the connection to the sink", || {
            sockets.run_callbacks();
            for event in events.try_iter() {
                connected |= is_connected(&event, conn.id())?;
            }
            Ok(connected)
        })?;
        Ok(CrateEnd { conn, _listen: None, _signaling: signaling, _server: None, events, sockets })
    }

    /// Keeps the library going until the source closes (it has then received done), or
    /// [`LINGER`].
    fn linger(self) {
        let start = Instant::now();
        while start.elapsed() < LINGER {
            self.sockets.run_callbacks();
            let closed = self.events.try_iter().any(|event| {
                matches!(event, Event::ConnectionStatus(change)
                    if change.connection == self.conn.id() && change.info.close_reason().is_some())
            });
            if closed {
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// Whether `event` says `id` is connected; fails if it says `id` closed.
fn is_connected(event: &Event, id: ConnectionId) -> Result<bool> {
    let Event::ConnectionStatus(change) = event else { return Ok(false) };
    if change.connection != id {
        return Ok(false);
    }
    if let Some(reason) = change.info.close_reason() {
        return Err(format!("connection {id} closed while connecting: {reason:?}").into());
    }
    Ok(change.info.state == ConnectionState::Connected)
}

fn identity(name: &str) -> NetworkIdentity {
    NetworkIdentity::GenericString(name.into())
}

/// Initialises the library with identity `name` (ICE needs one; IP gets one too, so that the
/// two differ only in the network) and applies `settings` globally.
fn init(name: &str, settings: &[(Setting, i32)]) -> Result<Sockets> {
    let sockets =
        Sockets::init_gns_with_identity(&identity(name)).map_err(fail("init_gns_with_identity"))?;
    crate::wrapper::configure(&sockets, settings)?;
    Ok(sockets)
}

/// Over ICE, a signaling client, once the sink's server answers ([`SETUP_LIMIT`]).
fn signaling(sockets: &Sockets, net: Net) -> Result<Option<SignalingClient>> {
    if net == Net::Ip {
        return Ok(None);
    }
    let start = Instant::now();
    loop {
        match SignalingClient::connect(sockets, SocketAddr::from((SINK_IP, SIGNALING_PORT))) {
            Ok(client) => return Ok(Some(client)),
            Err(Error::Io { .. }) if start.elapsed() < SETUP_LIMIT => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(Failure(format!("signaling client: {e}"))),
        }
    }
}

/// gns-rs's sink over IP: a listen socket on the sink's address, and the source accepted.
fn gns_accept(global: &'static GnsGlobal) -> Result<(GnsSocket<IsServer>, GnsConnection)> {
    let server = GnsSocket::<IsCreated>::new(global)
        .listen(IpAddr::V4(SINK_IP), DATA_PORT)
        .map_err(fail("listen"))?;
    let mut conn = None;
    let mut connected = false;
    wait_until("the source's connection", || {
        global.poll_callbacks();
        for event in server.receive_events() {
            match event.info().state() {
                GnsState::k_ESteamNetworkingConnectionState_Connecting => {
                    server.accept(event.connection()).map_err(fail("accept"))?;
                    conn = Some(event.connection());
                }
                GnsState::k_ESteamNetworkingConnectionState_Connected => connected = true,
                other => return Err(format!("the source's connection went to {other:?}").into()),
            }
        }
        Ok(connected)
    })?;
    Ok((server, conn.ok_or(Failure::from("no connection"))?))
}

/// gns-rs's source over IP: connected to the sink.
fn gns_connect(global: &'static GnsGlobal) -> Result<GnsSocket<gns::IsClient>> {
    let client = GnsSocket::<IsCreated>::new(global)
        .connect(IpAddr::V4(SINK_IP), DATA_PORT)
        .map_err(fail("connect"))?;
    let mut connected = false;
    wait_until("the connection to the sink", || {
        global.poll_callbacks();
        for event in client.receive_events() {
            match event.info().state() {
                GnsState::k_ESteamNetworkingConnectionState_Connecting => {}
                GnsState::k_ESteamNetworkingConnectionState_Connected => connected = true,
                other => return Err(format!("the connection went to {other:?}").into()),
            }
        }
        Ok(connected)
    })?;
    Ok(client)
}

/// gns-rs's go and done: one message of the workload's size from the server to the source
/// (gns-rs's server has no client socket, which its sending code takes).
fn gns_signal(
    global: &'static GnsGlobal,
    server: &GnsSocket<IsServer>,
    conn: GnsConnection,
    size: usize,
) -> Result<()> {
    let message = global.utils().allocate_message(
        conn,
        gns::SendFlags::RELIABLE,
        vec![FILL; size].into_boxed_slice(),
    );
    server.send_message(message).map(drop).map_err(fail("send_message"))
}

/// [`CrateEnd::linger`] for gns-rs.
fn gns_linger(global: &'static GnsGlobal, server: &GnsSocket<IsServer>) {
    let start = Instant::now();
    while start.elapsed() < LINGER {
        global.poll_callbacks();
        let closed = server.receive_events().any(|event| {
            event.info().state() != GnsState::k_ESteamNetworkingConnectionState_Connected
        });
        if closed {
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}
