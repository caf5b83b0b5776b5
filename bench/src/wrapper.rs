//! The traffic through `steam-sockets`, written as an application would write it:
//! [`Connection::send`], [`Sockets::send_messages`] with [`Payload::Copied`] or
//! [`Payload::Shared`], [`Connection::send`] with `&Bytes`, and [`Connection::receive`] /
//! [`PollGroup::receive`] into one reused `Vec`; [`Sockets::run_callbacks`] with the events
//! channel drained.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;
use crossbeam_channel::Receiver;
use steam_sockets::{
    ConfigValue, Connection, ConnectionState, Error, Event, ListenSocket, Message, Outgoing,
    PairTransport, Payload, PollGroup, SendFlags, Sockets,
};

use crate::clients;
use crate::latency::{Echo, ping_pong};
use crate::os::free_loopback_port;
use crate::storm::{Dispatch, storm};
use crate::workload::{
    BATCH, FILL, Failure, Kind, Measurement, Result, RoundRobin, SETUP_LIMIT, SendMode, Setting,
    Side, Traffic, Transport, Workload, check_content, measure, measure_received, wait_for,
};

fn fail(what: &str, e: Error) -> Failure {
    Failure(format!("{what}: {e}"))
}

fn config_value(setting: Setting, value: i32) -> Result<ConfigValue> {
    let count =
        u32::try_from(value).map_err(|_| format!("{} must not be negative", setting.name()))?;
    Ok(match setting {
        Setting::SendRateMin => ConfigValue::SendRateMin(count),
        Setting::SendRateMax => ConfigValue::SendRateMax(count),
        Setting::SendBufferSize => ConfigValue::SendBufferSize(count),
        Setting::RecvBufferSize => ConfigValue::RecvBufferSize(count),
        Setting::RecvBufferMessages => ConfigValue::RecvBufferMessages(count),
        Setting::NagleTime => ConfigValue::NagleTime(Duration::from_micros(u64::from(count))),
        Setting::MtuPacketSize => ConfigValue::MtuPacketSize(count),
        Setting::TimeoutConnected => {
            ConfigValue::TimeoutConnected(Duration::from_millis(u64::from(count)))
        }
    })
}

/// Runs `workload` once (warm-up, then timed).
pub(crate) fn run(
    workload: &Workload,
    messages: u64,
    settings: &[(Setting, i32)],
) -> Result<Measurement> {
    let sockets = start(settings)?;
    let (payload, shared) = payloads(workload);
    let ends = Ends { sockets: &sockets, payload: &payload, shared: &shared };
    match (workload.kind, workload.transport) {
        (Kind::Storm(metric), Transport::PollGroup(clients)) => {
            let (measurement, setup) =
                storm(metric, clients, |dispatch| PollSetup::connect(&sockets, clients, dispatch))?;
            drop(setup);
            Ok(measurement)
        }
        (Kind::Storm(_), _) => Err("a connect workload needs a listen socket".into()),
        (_, Transport::Pipe | Transport::Udp) => {
            let (one, two) = sockets
                .create_socket_pair(
                    if workload.transport == Transport::Udp {
                        PairTransport::UdpLoopback
                    } else {
                        PairTransport::InProcess
                    },
                    None,
                )
                .map_err(|e| fail("create_socket_pair", e))?;
            if workload.kind == Kind::PingPong {
                let traffic = ends.traffic(workload, &[], Source::Connection(&two));
                let mut echo = WrapperEcho { traffic, ends: [&one, &two] };
                return ping_pong(&mut echo, workload, messages);
            }
            let targets = [one];
            let mut traffic = ends.traffic(workload, &targets, Source::Connection(&two));
            measure(&mut traffic, workload, messages)
        }
        (_, Transport::PollGroup(clients)) => {
            // The server; the clients are in a child process (see `clients.rs`).
            let mut setup = PollSetup::listen(&sockets)?;
            let port = setup.addr.port();
            clients::serve(
                Side::Wrapper,
                workload,
                settings,
                port,
                &mut setup,
                |setup, ready| {
                    let limit = clients::accept_limit(clients);
                    setup.settle(&sockets, &mut Dispatch::default(), clients, limit, ready)
                },
                |setup, remote| {
                    let mut traffic = ends.traffic(workload, &[], Source::PollGroup(&setup.group));
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
    let sockets = start(settings)?;
    let mut setup = PollSetup::dial(&sockets, SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    clients::in_waves(count, |wave| {
        setup.add_clients(&sockets, wave)?;
        setup.settle(&sockets, &mut Dispatch::default(), 0, SETUP_LIMIT, &mut || Ok(true))
    })?;
    let (payload, shared) = payloads(workload);
    let ends = Ends { sockets: &sockets, payload: &payload, shared: &shared };
    // Never read: the server sends nothing back.
    let source = Source::Connection(&setup.clients[0]);
    clients::feed(&mut ends.traffic(workload, &setup.clients, source))
}

/// Initialises the library and applies `settings` globally.
fn start(settings: &[(Setting, i32)]) -> Result<Sockets> {
    let sockets = Sockets::init_gns().map_err(|e| fail("init_gns", e))?;
    configure(&sockets, settings)?;
    Ok(sockets)
}

/// Applies `settings` globally.
pub(crate) fn configure(sockets: &Sockets, settings: &[(Setting, i32)]) -> Result<()> {
    for &(setting, value) in settings {
        let value = config_value(setting, value)?;
        sockets.set_global_config(&value).map_err(|e| fail(setting.name(), e))?;
    }
    Ok(())
}

/// The payload the copying modes send, and the one the zero-copy modes share.
pub(crate) fn payloads(workload: &Workload) -> (Vec<u8>, Bytes) {
    (vec![FILL; workload.size], Bytes::from(vec![FILL; workload.size]))
}

/// What every run shares: the interface and the payloads.
struct Ends<'a> {
    sockets: &'a Sockets,
    payload: &'a [u8],
    shared: &'a Bytes,
}

impl<'a> Ends<'a> {
    fn traffic(
        &self,
        workload: &Workload,
        targets: &'a [Connection],
        source: Source<'a>,
    ) -> Pair<'a> {
        Pair {
            sockets: self.sockets,
            events: self.sockets.events(),
            mode: workload.mode,
            size: workload.size,
            targets,
            next: RoundRobin::default(),
            payload: self.payload,
            shared: self.shared,
            source,
            inbox: Vec::with_capacity(BATCH),
        }
    }
}

/// Where the receiver reads from.
enum Source<'a> {
    Connection(&'a Connection),
    PollGroup(&'a PollGroup),
}

struct Pair<'a> {
    sockets: &'a Sockets,
    events: Receiver<Event>,
    mode: SendMode,
    size: usize,
    /// Sending ends, used round-robin.
    targets: &'a [Connection],
    next: RoundRobin,
    payload: &'a [u8],
    shared: &'a Bytes,
    source: Source<'a>,
    /// Reused receive buffer.
    inbox: Vec<Message>,
}

impl Pair<'_> {
    fn advance(&mut self) {
        self.next.advance(self.targets.len());
    }

    fn send_each(&mut self, count: usize) -> Result<usize> {
        for sent in 0..count {
            let conn = &self.targets[self.next.get()];
            let result = match self.mode {
                SendMode::SharedOne => conn.send(self.shared, SendFlags::RELIABLE),
                _ => conn.send(self.payload, SendFlags::RELIABLE),
            };
            match result {
                Ok(_) => self.advance(),
                // Back-pressure: the driver retries later.
                Err(Error::SendBufferFull { .. }) => return Ok(sent),
                Err(e) => return Err(fail("send", e)),
            }
        }
        Ok(count)
    }

    fn send_batch(&mut self, count: usize) -> Result<usize> {
        let targets = self.targets;
        let data = match self.mode {
            SendMode::SharedBatch => Payload::Shared(self.shared),
            _ => Payload::Copied(self.payload),
        };
        let next = &mut self.next;
        let batch = (0..count).map(|_| {
            let connection = &targets[next.get()];
            next.advance(targets.len());
            Outgoing { connection, data, flags: SendFlags::RELIABLE, lane: 0 }
        });
        // Sent messages come first; after a connection's first failure (here: back-pressure)
        // its later messages are `NotAttempted`, and are sent again next time.
        let mut accepted = count;
        let mut failure = None;
        self.sockets.send_messages(batch, |index, result| {
            if index < accepted {
                if let Err(e) = result {
                    accepted = index;
                    failure = Some(e);
                }
            }
        });
        if accepted < count {
            match failure {
                None | Some(Error::SendBufferFull { .. }) => {}
                Some(e) => return Err(Failure(format!("send_messages: {e}"))),
            }
            self.next.rewind(count - accepted, targets.len());
        }
        Ok(accepted)
    }
}

impl clients::Undelivered for Pair<'_> {
    fn undelivered(&self) -> Result<u64> {
        self.targets.iter().try_fold(0, |sum, conn| {
            let status = conn.realtime_status().map_err(|e| fail("realtime_status", e))?;
            Ok(sum + (status.pending_reliable + status.sent_unacked_reliable) as u64)
        })
    }
}

impl Traffic for Pair<'_> {
    fn send(&mut self, count: usize) -> Result<usize> {
        match self.mode {
            SendMode::One | SendMode::SharedOne => self.send_each(count),
            SendMode::Batch | SendMode::SharedBatch => self.send_batch(count),
        }
    }

    fn receive(&mut self) -> Result<usize> {
        let mut total = 0;
        loop {
            let received = match self.source {
                Source::Connection(conn) => conn.receive(&mut self.inbox, BATCH),
                Source::PollGroup(group) => group.receive(&mut self.inbox, BATCH),
            };
            let n = received.map_err(|e| fail("receive", e))?;
            let size = self.size;
            let bad = self.inbox.iter().filter(|m| m.len() != size || m[size - 1] != FILL).count();
            check_content(bad)?;
            // Dropping the messages releases them; the capacity stays for the next call.
            self.inbox.clear();
            total += n;
            if n < BATCH {
                return Ok(total);
            }
        }
    }

    fn pump(&mut self) -> Result<()> {
        self.sockets.run_callbacks();
        for event in self.events.try_iter() {
            check_event(&event)?;
        }
        Ok(())
    }

    fn diagnose(&self) -> String {
        let mut report = String::new();
        let receiver = match self.source {
            Source::Connection(conn) => Some(conn),
            Source::PollGroup(_) => None,
        };
        for conn in self.targets.iter().chain(receiver).take(4) {
            match conn.detailed_status() {
                Ok(status) => report += &format!("\n{status}"),
                Err(e) => report += &format!("\n{}: {e}", conn.id()),
            }
        }
        report
    }
}

/// `rtt-64`: both ends of the pair; receiving is the streaming workloads' (the pair's source
/// switched to the end that waits).
struct WrapperEcho<'a> {
    traffic: Pair<'a>,
    ends: [&'a Connection; 2],
}

impl Echo for WrapperEcho<'_> {
    fn send(&mut self, end: usize) -> Result<()> {
        self.ends[end]
            .send(self.traffic.payload, SendFlags::RELIABLE | SendFlags::NO_NAGLE)
            .map(drop)
            .map_err(|e| fail("send", e))
    }

    fn receive(&mut self, end: usize) -> Result<usize> {
        self.traffic.source = Source::Connection(self.ends[end]);
        self.traffic.receive()
    }
}

/// A connection that closes during a benchmark is an error.
fn check_event(event: &Event) -> Result<()> {
    if let Event::ConnectionStatus(change) = event {
        if let Some(reason) = change.info.close_reason() {
            return Err(format!("connection {} closed: {reason:?}", change.connection).into());
        }
    }
    Ok(())
}

/// A listen socket, a poll group with the accepted connections, and the clients: in one
/// process (the storms), or one of the two halves of a `poll-N` run: the server (no
/// clients) or the clients' process (no listen socket; its poll group stays empty).
struct PollSetup {
    clients: Vec<Connection>,
    group: PollGroup,
    /// The server's ends. Kept open for the run; dropped (closed) after the traffic.
    accepted: Vec<Connection>,
    _listen: Option<ListenSocket>,
    /// Where the clients connect: the listen socket's address.
    addr: SocketAddr,
    events: Receiver<Event>,
    /// Clients that reached `Connected`.
    connected: usize,
}

impl PollSetup {
    /// Both ends in this process: a listen socket and `clients` clients, all accepted into
    /// the poll group.
    fn connect(sockets: &Sockets, clients: usize, dispatch: &mut Dispatch) -> Result<PollSetup> {
        let mut setup = PollSetup::listen(sockets)?;
        setup.add_clients(sockets, clients)?;
        setup.settle(sockets, dispatch, clients, SETUP_LIMIT, &mut || Ok(true))?;
        Ok(setup)
    }

    /// The server: a listen socket on a free loopback port and an empty poll group.
    fn listen(sockets: &Sockets) -> Result<PollSetup> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_loopback_port()?));
        let mut setup = PollSetup::dial(sockets, addr)?;
        setup._listen = Some(sockets.listen_ip(addr, &[]).map_err(|e| fail("listen_ip", e))?);
        Ok(setup)
    }

    /// The clients' side, with no client yet: they will connect to `addr`.
    fn dial(sockets: &Sockets, addr: SocketAddr) -> Result<PollSetup> {
        let events = sockets.events();
        let group = sockets.create_poll_group().map_err(|e| fail("create_poll_group", e))?;
        Ok(PollSetup {
            clients: Vec::new(),
            group,
            accepted: Vec::new(),
            _listen: None,
            addr,
            events,
            connected: 0,
        })
    }

    /// Starts `count` more client connections.
    fn add_clients(&mut self, sockets: &Sockets, count: usize) -> Result<()> {
        for _ in 0..count {
            self.clients
                .push(sockets.connect_ip(self.addr, &[]).map_err(|e| fail("connect_ip", e))?);
        }
        Ok(())
    }

    /// Pumps the events, accepting incoming connections into the poll group, until every
    /// client is connected, `incoming` connections are accepted and `ready` holds, for at
    /// most `limit`.
    fn settle(
        &mut self,
        sockets: &Sockets,
        dispatch: &mut Dispatch,
        incoming: usize,
        limit: Duration,
        ready: &mut dyn FnMut() -> Result<bool>,
    ) -> Result<()> {
        wait_for("connections", limit, || {
            let ready = ready()?;
            let batch = dispatch.deliver(
                || {
                    sockets.run_callbacks();
                    self.events.try_iter().collect::<Vec<_>>()
                },
                Vec::len,
            );
            for event in batch {
                match event {
                    Event::Incoming(request) => {
                        let conn = request.accept().map_err(|e| fail("accept", e))?;
                        conn.set_poll_group(Some(&self.group))
                            .map_err(|e| fail("set_poll_group", e))?;
                        self.accepted.push(conn);
                    }
                    // A client of this process: it did not arrive on a listen socket.
                    Event::ConnectionStatus(change)
                        if change.info.state == ConnectionState::Connected
                            && change.info.listen_socket.is_none() =>
                    {
                        self.connected += 1;
                    }
                    other => check_event(&other)?,
                }
            }
            Ok(ready && self.connected == self.clients.len() && self.accepted.len() == incoming)
        })
    }
}

/// `p2p-bulk`'s data path on `conn`, made by the caller (over ICE or IP): the same sends and
/// receives as every other wrapper workload, on the one connection, both ways (the bulk one
/// way, a go and a done message back). `payloads` comes from [`payloads`].
pub(crate) fn connection_traffic<'a>(
    sockets: &'a Sockets,
    workload: &Workload,
    conn: &'a Connection,
    (payload, shared): &'a (Vec<u8>, Bytes),
) -> impl Traffic + 'a {
    let ends = Ends { sockets, payload, shared };
    ends.traffic(workload, std::slice::from_ref(conn), Source::Connection(conn))
}
