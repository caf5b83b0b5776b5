//! The traffic through gns-rs (`game-networking-sockets` 0.3, crate `gns`), using its
//! fastest public API for each job.
//!
//! gns-rs has no call that copies a borrowed payload into a library buffer, so the copying
//! workloads give it an owned `Box<[u8]>` per message (an allocation and a copy, which is what
//! copying means there); the zero-copy workloads give it an `Arc<[u8]>` clone. Every send goes
//! through its `send_messages` (`send_message` is a batch of one). Receiving uses
//! `receive_messages_into` with one reused slot buffer; events are drained on every pump.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use gns::sys::{EResult, ESteamNetworkingConfigValue as Key, ESteamNetworkingConnectionState};
use gns::{
    GnsConfig, GnsConnection, GnsConnectionEvent, GnsGlobal, GnsSocket, IsClient, IsCreated,
    IsReady, IsServer, MessageSlot, SendFlags, SendOutcome,
};

use crate::clients;
use crate::latency::{Echo, ping_pong};
use crate::os::free_loopback_port;
use crate::storm::{Dispatch, storm};
use crate::workload::{
    BATCH, FILL, Failure, Kind, Measurement, Result, RoundRobin, SendMode, Setting, Side, Traffic,
    Transport, Workload, check_content, measure, measure_received, wait_for, wait_until,
};

fn key(setting: Setting) -> Key {
    match setting {
        Setting::SendRateMin => Key::k_ESteamNetworkingConfig_SendRateMin,
        Setting::SendRateMax => Key::k_ESteamNetworkingConfig_SendRateMax,
        Setting::SendBufferSize => Key::k_ESteamNetworkingConfig_SendBufferSize,
        Setting::RecvBufferSize => Key::k_ESteamNetworkingConfig_RecvBufferSize,
        Setting::RecvBufferMessages => Key::k_ESteamNetworkingConfig_RecvBufferMessages,
        Setting::NagleTime => Key::k_ESteamNetworkingConfig_NagleTime,
        Setting::MtuPacketSize => Key::k_ESteamNetworkingConfig_MTU_PacketSize,
        Setting::TimeoutConnected => Key::k_ESteamNetworkingConfig_TimeoutConnected,
    }
}

/// Runs `workload` once (warm-up, then timed).
pub(crate) fn run(
    workload: &Workload,
    messages: u64,
    settings: &[(Setting, i32)],
) -> Result<Measurement> {
    let global = start(settings)?;
    match (workload.kind, workload.transport) {
        (Kind::Storm(metric), Transport::PollGroup(clients)) => {
            let (measurement, setup) =
                storm(metric, clients, |dispatch| PollSetup::connect(global, clients, dispatch))?;
            drop(setup);
            Ok(measurement)
        }
        (Kind::Storm(_), _) => Err("a connect workload needs a listen socket".into()),
        (_, Transport::Pipe | Transport::Udp) => {
            let (one, two) = GnsSocket::<IsCreated>::new(global)
                .socket_pair(workload.transport == Transport::Udp)
                .map_err(|e| Failure(format!("socket_pair: {e}")))?;
            let targets = [one, two];
            let mut traffic = Pair::new(global, workload, &targets[..1], &targets[1]);
            if workload.kind == Kind::PingPong {
                return ping_pong(&mut PeerEcho { traffic, ends: &targets }, workload, messages);
            }
            measure(&mut traffic, workload, messages)
        }
        (_, Transport::PollGroup(clients)) => {
            // The server; the clients are in a child process (see `clients.rs`).
            let port = free_loopback_port()?;
            let mut server = GnsSocket::<IsCreated>::new(global)
                .listen(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
                .map_err(|e| Failure(format!("listen: {e}")))?;
            clients::serve(
                Side::Peer,
                workload,
                settings,
                port,
                &mut server,
                |server, ready| {
                    let limit = clients::accept_limit(clients);
                    let mut accepted = 0;
                    wait_for("connections", limit, || {
                        let ready = ready()?;
                        global.poll_callbacks();
                        accepted += accept(server, server.receive_events())?;
                        Ok(ready && accepted == clients)
                    })
                },
                |server, remote| {
                    let mut traffic = Pair::new(global, workload, &[], server);
                    measure_received(&mut traffic, workload, messages, remote)
                },
            )
        }
    }
}

/// The clients' process of a `poll-N` run: connects the workload's clients to
/// 127.0.0.1:`port` and sends what the server asks for, round-robin (see `clients.rs`).
pub(crate) fn clients(workload: &Workload, port: u16, settings: &[(Setting, i32)]) -> Result<()> {
    let Transport::PollGroup(count) = workload.transport else {
        return Err("the clients need a poll-N workload".into());
    };
    let global = start(settings)?;
    let mut sockets = Vec::with_capacity(count);
    clients::in_waves(count, |wave| {
        let first = sockets.len();
        add_clients(global, &mut sockets, port, wave)?;
        let mut connected = 0;
        wait_until("connections", || {
            global.poll_callbacks();
            connected += connected_clients(sockets[first..].iter().map(|c| c.receive_events()))?;
            Ok(connected == wave)
        })
    })?;
    // `sockets[0]` is never read: the server sends nothing back.
    clients::feed(&mut Pair::new(global, workload, &sockets, &sockets[0]))
}

/// Initialises the library and applies `settings` globally.
pub(crate) fn start(settings: &[(Setting, i32)]) -> Result<&'static GnsGlobal> {
    let global = GnsGlobal::get().map_err(|e| Failure(format!("GnsGlobal::get: {e}")))?;
    for &(setting, value) in settings {
        global
            .utils()
            .set_global_config_value(key(setting), GnsConfig::Int32(value))
            .map_err(|e| Failure(format!("{}: {e}", setting.name())))?;
    }
    Ok(global)
}

/// Starts `count` more client connections to 127.0.0.1:`port`.
fn add_clients(
    global: &'static GnsGlobal,
    sockets: &mut Vec<GnsSocket<IsClient>>,
    port: u16,
    count: usize,
) -> Result<()> {
    for _ in 0..count {
        let client = GnsSocket::<IsCreated>::new(global)
            .connect(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
            .map_err(|e| Failure(format!("connect: {e}")))?;
        sockets.push(client);
    }
    Ok(())
}

/// Accepts the incoming connections among the listen socket's `events`; returns how many.
fn accept(
    server: &GnsSocket<IsServer>,
    events: impl IntoIterator<Item = GnsConnectionEvent>,
) -> Result<usize> {
    let mut accepted = 0;
    for event in events {
        if event.info().state()
            == ESteamNetworkingConnectionState::k_ESteamNetworkingConnectionState_Connecting
        {
            server.accept(event.connection()).map_err(|e| Failure(format!("accept: {e}")))?;
            accepted += 1;
        }
    }
    Ok(accepted)
}

/// Counts the clients' connections that became connected among their `events`; fails if one
/// went anywhere else.
fn connected_clients<E: IntoIterator<Item = GnsConnectionEvent>>(
    events: impl IntoIterator<Item = E>,
) -> Result<usize> {
    let mut connected = 0;
    for event in events.into_iter().flatten() {
        let s = event.info().state();
        if s == ESteamNetworkingConnectionState::k_ESteamNetworkingConnectionState_Connected {
            connected += 1;
        } else if s != ESteamNetworkingConnectionState::k_ESteamNetworkingConnectionState_Connecting
        {
            return Err(Failure(format!("client connection went to {s:?}")));
        }
    }
    Ok(connected)
}

struct Pair<'a, R: IsReady> {
    global: &'static GnsGlobal,
    mode: SendMode,
    size: usize,
    /// Sending ends, used round-robin.
    targets: &'a [GnsSocket<IsClient>],
    next: RoundRobin,
    payload: Vec<u8>,
    shared: Arc<[u8]>,
    /// The receiving socket: a connection or a server's poll group.
    receiver: &'a GnsSocket<R>,
    slots: Vec<MessageSlot>,
}

impl<'a, R: IsReady> Pair<'a, R> {
    fn new(
        global: &'static GnsGlobal,
        workload: &Workload,
        targets: &'a [GnsSocket<IsClient>],
        receiver: &'a GnsSocket<R>,
    ) -> Self {
        Pair {
            global,
            mode: workload.mode,
            size: workload.size,
            targets,
            next: RoundRobin::default(),
            payload: vec![FILL; workload.size],
            shared: vec![FILL; workload.size].into(),
            receiver,
            slots: (0..BATCH).map(|_| MessageSlot::uninit()).collect(),
        }
    }

    fn advance(&mut self) {
        self.next.advance(self.targets.len());
    }

    fn message(&self, conn: GnsConnection) -> gns::GnsNetworkMessage<gns::ToSend> {
        let utils = self.global.utils();
        match self.mode {
            SendMode::SharedBatch | SendMode::SharedOne => {
                utils.allocate_message(conn, SendFlags::RELIABLE, Arc::clone(&self.shared))
            }
            SendMode::One | SendMode::Batch => utils.allocate_message(
                conn,
                SendFlags::RELIABLE,
                Box::<[u8]>::from(&self.payload[..]),
            ),
        }
    }

    fn send_each(&mut self, count: usize) -> Result<usize> {
        for sent in 0..count {
            let socket = &self.targets[self.next.get()];
            match socket.send_message(self.message(socket.connection())) {
                Ok(_) => self.advance(),
                Err(gns::GnsError::Api(EResult::k_EResultLimitExceeded)) => return Ok(sent),
                Err(e) => return Err(Failure(format!("send_message: {e}"))),
            }
        }
        Ok(count)
    }

    fn send_batch(&mut self, count: usize) -> Result<usize> {
        let (start, n) = (self.next.get(), self.targets.len());
        let batch = (0..count).map(|i| self.message(self.targets[(start + i) % n].connection()));
        let outcomes = self.targets[start].send_messages(batch);
        let accepted = outcomes.iter().take_while(|o| matches!(o, SendOutcome::Sent(_))).count();
        if let Some(SendOutcome::Failed(result, _)) = outcomes.get(accepted) {
            if *result != EResult::k_EResultLimitExceeded {
                return Err(Failure(format!("send_messages: {result:?}")));
            }
        }
        // Failed and skipped messages are released (and their payloads freed) here.
        drop(outcomes);
        for _ in 0..accepted {
            self.next.advance(n);
        }
        Ok(accepted)
    }

    fn drain_events(&self) -> Result<()> {
        let closed = |state| {
            state == ESteamNetworkingConnectionState::k_ESteamNetworkingConnectionState_ClosedByPeer
                || state
                    == ESteamNetworkingConnectionState::k_ESteamNetworkingConnectionState_ProblemDetectedLocally
        };
        for event in self.receiver.receive_events() {
            if closed(event.info().state()) {
                return Err("connection closed during the run".into());
            }
        }
        for socket in self.targets {
            for event in socket.receive_events() {
                if closed(event.info().state()) {
                    return Err("connection closed during the run".into());
                }
            }
        }
        Ok(())
    }
}

impl<R: IsReady> clients::Undelivered for Pair<'_, R> {
    fn undelivered(&self) -> Result<u64> {
        self.targets.iter().try_fold(0, |sum, socket| {
            let (status, _) = socket
                .get_connection_real_time_status(socket.connection(), 0)
                .map_err(|e| format!("get_connection_real_time_status: {e:?}"))?;
            let held = status.pending_bytes_reliable() + status.bytes_sent_unacked_reliable();
            Ok(sum + u64::from(held))
        })
    }
}

impl<R: IsReady> Traffic for Pair<'_, R> {
    fn send(&mut self, count: usize) -> Result<usize> {
        match self.mode {
            SendMode::One | SendMode::SharedOne => self.send_each(count),
            SendMode::Batch | SendMode::SharedBatch => self.send_batch(count),
        }
    }

    fn receive(&mut self) -> Result<usize> {
        let mut total = 0;
        loop {
            let messages = self
                .receiver
                .receive_messages_into(&mut self.slots)
                .map_err(|e| Failure(format!("receive_messages_into: {e}")))?;
            let n = messages.len();
            let size = self.size;
            // Each message is released as the iterator drops it.
            let bad = messages
                .filter(|m| {
                    let data = m.payload();
                    data.len() != size || data[size - 1] != FILL
                })
                .count();
            check_content(bad)?;
            total += n;
            if n < BATCH {
                return Ok(total);
            }
        }
    }

    fn pump(&mut self) -> Result<()> {
        self.global.poll_callbacks();
        self.drain_events()
    }

    fn diagnose(&self) -> String {
        let mut report = String::new();
        for socket in self.targets.iter().take(4) {
            let conn = socket.connection();
            let status = socket.get_detailed_connection_status(conn);
            report += &format!("\n{}", status.unwrap_or_else(|| "(invalid handle)".into()));
        }
        report
    }
}

/// `rtt-64`: both ends of the pair; each sends a boxed copy of the payload with
/// `RELIABLE | NO_NAGLE`.
struct PeerEcho<'a> {
    traffic: Pair<'a, IsClient>,
    ends: &'a [GnsSocket<IsClient>; 2],
}

impl Echo for PeerEcho<'_> {
    fn send(&mut self, end: usize) -> Result<()> {
        let socket = &self.ends[end];
        let message = self.traffic.global.utils().allocate_message(
            socket.connection(),
            SendFlags::RELIABLE | SendFlags::NO_NAGLE,
            Box::<[u8]>::from(&self.traffic.payload[..]),
        );
        socket.send_message(message).map(drop).map_err(|e| Failure(format!("send_message: {e}")))
    }

    fn receive(&mut self, end: usize) -> Result<usize> {
        self.traffic.receiver = &self.ends[end];
        self.traffic.receive()
    }
}

/// A server (listen socket and poll group, with the accepted connections) and its clients, in
/// one process: the storms only hold it, until their memory has been read.
struct PollSetup {
    _clients: Vec<GnsSocket<IsClient>>,
    _server: GnsSocket<IsServer>,
}

impl PollSetup {
    fn connect(
        global: &'static GnsGlobal,
        clients: usize,
        dispatch: &mut Dispatch,
    ) -> Result<PollSetup> {
        let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let port = free_loopback_port()?;
        let server = GnsSocket::<IsCreated>::new(global)
            .listen(localhost, port)
            .map_err(|e| Failure(format!("listen: {e}")))?;
        let mut sockets = Vec::with_capacity(clients);
        add_clients(global, &mut sockets, port, clients)?;
        let (mut accepted, mut connected) = (0, 0);
        wait_until("connections", || {
            let (server_events, client_events) = dispatch.deliver(
                || {
                    global.poll_callbacks();
                    let server_events: Vec<_> = server.receive_events().collect();
                    let client_events: Vec<Vec<_>> =
                        sockets.iter().map(|c| c.receive_events().collect()).collect();
                    (server_events, client_events)
                },
                |(s, c)| s.len() + c.iter().map(Vec::len).sum::<usize>(),
            );
            accepted += accept(&server, server_events)?;
            connected += connected_clients(client_events)?;
            Ok(accepted == clients && connected == clients)
        })?;
        Ok(PollSetup { _clients: sockets, _server: server })
    }
}

/// `p2p-bulk`'s data path over IP: sends go to `targets` (a client's own socket, or none on
/// the server), receives come from `receiver`, as in every other gns-rs workload.
pub(crate) fn connection_traffic<'a, R: IsReady>(
    global: &'static GnsGlobal,
    workload: &Workload,
    targets: &'a [GnsSocket<IsClient>],
    receiver: &'a GnsSocket<R>,
) -> impl Traffic + 'a {
    Pair::new(global, workload, targets, receiver)
}
