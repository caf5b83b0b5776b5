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
    ConfigValue, Connection, ConnectionId, ConnectionState, Error, Event, ListenSocket, Message,
    Outgoing, PairTransport, Payload, PollGroup, SendFlags, Sockets,
};

use crate::latency::{Echo, ping_pong};
use crate::os::free_loopback_port;
use crate::storm::{Dispatch, storm};
use crate::workload::{
    BATCH, FILL, Failure, Kind, Measurement, Result, RoundRobin, SendMode, Setting, Traffic,
    Transport, Workload, check_content, measure, wait_until,
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
    })
}

/// Runs `workload` once (warm-up, then timed).
pub(crate) fn run(
    workload: &Workload,
    messages: u64,
    settings: &[(Setting, i32)],
) -> Result<Measurement> {
    let sockets = Sockets::init_gns().map_err(|e| fail("init_gns", e))?;
    for &(setting, value) in settings {
        let value = config_value(setting, value)?;
        sockets.set_global_config(&value).map_err(|e| fail(setting.name(), e))?;
    }
    let payload = vec![FILL; workload.size];
    let shared = Bytes::from(vec![FILL; workload.size]);
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
            let setup = PollSetup::connect(&sockets, clients, &mut Dispatch::default())?;
            let mut traffic =
                ends.traffic(workload, &setup.clients, Source::PollGroup(&setup.group));
            measure(&mut traffic, workload, messages)
        }
    }
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

/// A listen socket, a poll group with the accepted connections, and the clients.
struct PollSetup {
    clients: Vec<Connection>,
    group: PollGroup,
    // Kept open for the run; dropped (closed) after the traffic.
    _accepted: Vec<Connection>,
    _listen: ListenSocket,
}

impl PollSetup {
    fn connect(sockets: &Sockets, clients: usize, dispatch: &mut Dispatch) -> Result<PollSetup> {
        let events = sockets.events();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_loopback_port()?));
        let listen = sockets.listen_ip(addr, &[]).map_err(|e| fail("listen_ip", e))?;
        let group = sockets.create_poll_group().map_err(|e| fail("create_poll_group", e))?;
        let mut connecting = Vec::with_capacity(clients);
        for _ in 0..clients {
            connecting.push(sockets.connect_ip(addr, &[]).map_err(|e| fail("connect_ip", e))?);
        }
        let client_ids: Vec<ConnectionId> = connecting.iter().map(Connection::id).collect();
        let mut accepted = Vec::with_capacity(clients);
        let mut connected = 0;
        wait_until("connections", || {
            let batch = dispatch.deliver(
                || {
                    sockets.run_callbacks();
                    events.try_iter().collect::<Vec<_>>()
                },
                Vec::len,
            );
            for event in batch {
                match event {
                    Event::Incoming(request) => {
                        let conn = request.accept().map_err(|e| fail("accept", e))?;
                        conn.set_poll_group(Some(&group)).map_err(|e| fail("set_poll_group", e))?;
                        accepted.push(conn);
                    }
                    Event::ConnectionStatus(change)
                        if change.info.state == ConnectionState::Connected
                            && client_ids.contains(&change.connection) =>
                    {
                        connected += 1;
                    }
                    other => check_event(&other)?,
                }
            }
            Ok(connected == clients && accepted.len() == clients)
        })?;
        Ok(PollSetup { clients: connecting, group, _accepted: accepted, _listen: listen })
    }
}
