//! Chat: a server and clients over IP, with a poll group, two lanes (chat, and file transfer at a
//! lower priority) and zero-copy relaying.
//!
//! ```text
//! # Self-contained (a server and two clients in this process over 127.0.0.1; no Steam):
//! cargo run -p steam-sockets-examples --example chat --no-default-features --features gns -- --demo
//!
//! # By hand, in three terminals (GNS backend; drop the feature flags for Steam, which then
//! # needs a running Steam client):
//! cargo run -p steam-sockets-examples --example chat --no-default-features --features gns -- server --port 27020
//! cargo run -p steam-sockets-examples --example chat --no-default-features --features gns -- client 127.0.0.1:27020 alice
//! cargo run -p steam-sockets-examples --example chat --no-default-features --features gns -- client 127.0.0.1:27020 bob
//! ```
//!
//! In a client, type a line to say it, `/send <path>` to send a file to everyone, `/quit` to
//! leave. Files arrive in the receiving client's memory and are checked (size and FNV-1a hash);
//! nothing is written to disk.
//!
//! How it works: the server puts every accepted connection into one [`PollGroup`] and reads all
//! of them with one call. Every connection (both directions) has two lanes: lane 0 for chat
//! (priority 0) and lane 1 for files (priority 10). Lane priorities are served lowest number
//! first, so a chat line sent while a file is streaming overtakes the file's queued data. A
//! sender keeps at most [`FILE_WINDOW`] bytes of file data queued (read from the lane's queue
//! status), so the send buffer always has room for chat. The server relays each message to the
//! other clients as one shared `Bytes` (`Payload::Shared`), sent in batches with
//! `Sockets::send_messages`: no copy per recipient.
//!
//! `--demo` starts the server and clients `alice` and `bob` on threads, each with its own
//! `Sockets` handle. Alice sends a 1 MiB file and then 20 chat lines; bob says 5 lines. It checks
//! that every line arrived intact and in order, that the file arrived intact, and that all of
//! alice's lines overtook her file (the lanes at work), prints a summary and exits 0; any
//! failure exits 1 with the reason. On the steam backend without a Steam client it exits 1 with
//! "Steam client not running".

#[allow(dead_code)]
mod common;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use crossbeam_channel::{Receiver, Sender};
use steam_sockets::{
    ConfigValue, Connection, ConnectionId, EndReason, Error, Event, Lane, Message, Outgoing,
    PollGroup, SendFlags, Sockets,
};

use common::{BoxError, Deadline};

/// Chat lines: lane 0, served first.
const LANE_CHAT: u16 = 0;
/// File data: lane 1, served only while the chat lane is empty.
const LANE_FILE: u16 = 1;
/// The two lanes every connection uses, in both directions.
const LANES: [Lane; 2] = [Lane { priority: 0, weight: 1 }, Lane { priority: 10, weight: 1 }];
/// File data a sender keeps queued on the file lane at most, so chat always finds room.
const FILE_WINDOW: usize = 128 * 1024;
/// Size of one file chunk.
const CHUNK: usize = 16 * 1024;

// Message kinds, the first byte of every message.
/// Client to server: my name is (text).
const HELLO: u8 = 1;
/// A chat line (text).
const CHAT: u8 = 2;
/// A file starts: size (u64 LE), FNV-1a hash (u64 LE), name (text).
const FILE_START: u8 = 3;
/// The next chunk of the current file.
const FILE_DATA: u8 = 4;
/// Server to client: someone joined.
const JOIN: u8 = 5;
/// Server to client: someone left.
const LEAVE: u8 = 6;

fn main() -> ExitCode {
    common::finish("chat", run())
}

fn run() -> Result<(), BoxError> {
    let args = common::Args::parse(&["port", "seconds", "file-size"])?;
    if args.flag("demo") {
        return demo(&args);
    }
    match args.word(0) {
        Some("server") => {
            let port = args.value("port", 27020u16)?;
            let sockets = common::init_client()?;
            let addr = SocketAddr::from(([0, 0, 0, 0], port));
            println!(
                "chat server ({}) listening on {addr}; Ctrl-C to stop",
                steam_sockets::BACKEND
            );
            let seconds = args.value("seconds", 0u64)?;
            let deadline = (seconds > 0).then(|| Deadline::after(Duration::from_secs(seconds)));
            serve(&sockets, addr, &AtomicBool::new(false), deadline)
        }
        Some("client") => {
            let (Some(addr), Some(name)) = (args.word(1), args.word(2)) else {
                return fail!("usage: chat client <server ip:port> <name>");
            };
            let addr: SocketAddr =
                addr.parse().map_err(|e| common::Fail(format!("server address {addr}: {e}")))?;
            let sockets = common::init_client()?;
            interactive_client(&sockets, addr, name)
        }
        _ => fail!(
            "usage: chat --demo | chat server [--port P] [--seconds N] | chat client <ip:port> \
             <name>"
        ),
    }
}

/// A message from the server to clients: kind, sender's name, payload.
fn relayed(kind: u8, from: &str, payload: &[u8]) -> Bytes {
    let name = &from.as_bytes()[..from.len().min(255)];
    let mut b = BytesMut::with_capacity(2 + name.len() + payload.len());
    b.put_u8(kind);
    b.put_u8(name.len() as u8);
    b.put_slice(name);
    b.put_slice(payload);
    b.freeze()
}

/// Splits a relayed message into kind, sender and payload.
fn parse_relayed(data: &[u8]) -> Option<(u8, String, &[u8])> {
    let (&kind, rest) = data.split_first()?;
    let (&len, rest) = rest.split_first()?;
    let name = rest.get(..usize::from(len))?;
    Some((kind, String::from_utf8_lossy(name).into_owned(), &rest[usize::from(len)..]))
}

fn connection_options() -> [ConfigValue; 2] {
    // 1 MiB/s: slow enough that a 1 MiB file visibly takes a second, so chat can overtake it.
    [ConfigValue::SendRateMax(1 << 20), ConfigValue::SendRateMin(256 << 10)]
}

// ---------------------------------------------------------------------------------------------
// Server

/// One client as the server sees it.
struct Client {
    conn: Connection,
    name: Option<String>,
    /// Messages waiting for room in the connection's send buffer, per lane.
    backlog: [VecDeque<Bytes>; 2],
}

/// Runs the server until `stop` is set or `deadline` passes.
fn serve(
    sockets: &Sockets,
    addr: SocketAddr,
    stop: &AtomicBool,
    deadline: Option<Deadline>,
) -> Result<(), BoxError> {
    let events = sockets.events();
    let _listener = sockets.listen_ip(addr, &connection_options())?;
    let group: PollGroup = sockets.create_poll_group()?;
    let mut clients: HashMap<ConnectionId, Client> = HashMap::new();
    let mut inbox: Vec<Message> = Vec::with_capacity(256);

    while !stop.load(Ordering::Relaxed) && !deadline.is_some_and(Deadline::passed) {
        sockets.run_callbacks();
        for event in events.try_iter() {
            match event {
                Event::Incoming(request) => {
                    let conn = request.accept()?;
                    conn.configure_lanes(&LANES)?;
                    conn.set_poll_group(Some(&group))?;
                    let backlog = [VecDeque::new(), VecDeque::new()];
                    clients.insert(conn.id(), Client { conn, name: None, backlog });
                }
                Event::ConnectionStatus(change) => {
                    if let Some(reason) = change.info.close_reason() {
                        // Dropping the `Connection` frees it.
                        if let Some(gone) = clients.remove(&change.connection) {
                            let name = gone.name.unwrap_or_else(|| "?".into());
                            println!("server: {name} left ({:?})", reason.closed_by);
                            broadcast(&mut clients, None, LANE_CHAT, relayed(LEAVE, &name, b""));
                        }
                    }
                }
                _ => {}
            }
        }

        group.receive(&mut inbox, 256)?;
        for msg in inbox.drain(..) {
            let from = msg.connection();
            let Some((&kind, payload)) = msg.data().split_first() else { continue };
            let Some(client) = clients.get_mut(&from) else { continue };
            match (kind, &client.name) {
                (HELLO, None) => {
                    let name = String::from_utf8_lossy(payload).into_owned();
                    println!("server: {name} joined from {}", client.conn.id());
                    client.conn.set_name(&format!("chat:{name}")).ok();
                    let others: Vec<String> =
                        clients.values().filter_map(|c| c.name.clone()).collect();
                    if let Some(me) = clients.get_mut(&from) {
                        for other in &others {
                            me.backlog[0].push_back(relayed(JOIN, other, b""));
                        }
                        me.name = Some(name.clone());
                    }
                    broadcast(&mut clients, Some(from), LANE_CHAT, relayed(JOIN, &name, b""));
                }
                (CHAT, Some(name)) => {
                    let out = relayed(CHAT, &name.clone(), payload);
                    broadcast(&mut clients, Some(from), LANE_CHAT, out);
                }
                (FILE_START | FILE_DATA, Some(name)) => {
                    let out = relayed(kind, &name.clone(), payload);
                    broadcast(&mut clients, Some(from), LANE_FILE, out);
                }
                _ => {
                    eprintln!("server: unexpected message kind {kind} from {from}; ignored");
                }
            }
        }

        flush_backlogs(sockets, &mut clients);
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(())
}

/// Queues `msg` on `lane` for every named client except `except`. One `Bytes`, shared.
fn broadcast(
    clients: &mut HashMap<ConnectionId, Client>,
    except: Option<ConnectionId>,
    lane: u16,
    msg: Bytes,
) {
    for (id, client) in clients.iter_mut() {
        if Some(*id) != except && client.name.is_some() {
            client.backlog[usize::from(lane)].push_back(msg.clone());
        }
    }
}

/// Sends what the send buffers take: the chat lane first, then file data while the file lane's
/// queue is below [`FILE_WINDOW`].
fn flush_backlogs(sockets: &Sockets, clients: &mut HashMap<ConnectionId, Client>) {
    let mut dead = Vec::new();
    for (id, client) in clients.iter_mut() {
        for lane in [LANE_CHAT, LANE_FILE] {
            let queue = &mut client.backlog[usize::from(lane)];
            if queue.is_empty() {
                continue;
            }
            let mut take = queue.len().min(64);
            if lane == LANE_FILE {
                let queued = match client.conn.realtime_status() {
                    Ok(status) => status.lanes.get(1).map_or(0, |l| l.pending_reliable),
                    Err(_) => continue,
                };
                take = take.min(FILE_WINDOW.saturating_sub(queued).div_ceil(CHUNK + 32));
            }
            let batch = queue.iter().take(take).map(|b| Outgoing {
                connection: &client.conn,
                data: b.into(),
                flags: SendFlags::RELIABLE,
                lane,
            });
            // Results arrive in order: count the messages sent before the first refusal.
            let (mut sent, mut failure) = (0, None);
            sockets.send_messages(batch, |_, result| match result {
                Ok(_) if failure.is_none() => sent += 1,
                Ok(_) => {}
                Err(e) => drop(failure.get_or_insert(e)),
            });
            if let Some(e) = failure {
                if !matches!(e, Error::SendBufferFull { .. } | Error::NotConnected { .. }) {
                    eprintln!("server: dropping {id}: {e}");
                    dead.push(*id);
                }
            }
            queue.drain(..sent);
        }
    }
    for id in dead {
        clients.remove(&id);
    }
}

// ---------------------------------------------------------------------------------------------
// Client

/// What a client is asked to do.
enum Command {
    Say(String),
    SendFile { name: String, data: Vec<u8> },
    Quit,
}

/// What a client reports.
#[derive(Debug)]
enum Output {
    Connected,
    Joined(String),
    Left(String),
    /// A chat line was handed to the library, while `file_handed` bytes of the file being
    /// sent (if any) had been handed to it.
    Said {
        text: String,
        file_handed: Option<usize>,
    },
    /// A chat line arrived, while `file_received` bytes of a file from the same sender had.
    Chat {
        from: String,
        text: String,
        file_received: u64,
    },
    FileStart {
        from: String,
        name: String,
        size: u64,
    },
    FileSent {
        name: String,
        size: usize,
    },
    File {
        from: String,
        name: String,
        size: u64,
        intact: bool,
    },
}

/// A file being received from one sender.
struct Incoming {
    name: String,
    size: u64,
    hash: u64,
    received: u64,
    running: u64,
}

/// A file being sent: its header (until sent), then its data.
struct FileOut {
    header: Option<Vec<u8>>,
    data: Vec<u8>,
    sent: usize,
    name: String,
}

/// Runs a client until `Command::Quit`, the commands' sender goes away, or the connection
/// closes.
fn client(
    sockets: &Sockets,
    addr: SocketAddr,
    name: &str,
    commands: &Receiver<Command>,
    out: &Sender<Output>,
    deadline: Deadline,
) -> Result<(), BoxError> {
    let events = sockets.events();
    let conn = sockets.connect_ip(addr, &connection_options())?;
    conn.configure_lanes(&LANES)?;
    let mut connected = false;
    let mut chat_out: VecDeque<Vec<u8>> = VecDeque::new();
    let mut files_out: VecDeque<FileOut> = VecDeque::new();
    let mut files_in: HashMap<String, Incoming> = HashMap::new();
    let mut inbox: Vec<Message> = Vec::with_capacity(256);
    let mut quitting = false;
    chat_out.push_back([&[HELLO], name.as_bytes()].concat());

    loop {
        if deadline.passed() {
            return fail!("{name}: timed out");
        }
        sockets.run_callbacks();
        for event in events.try_iter() {
            if let Event::ConnectionStatus(change) = event {
                if let Some(reason) = change.info.close_reason() {
                    return fail!("{name}: connection closed: {reason:?}");
                }
                if change.info.state == steam_sockets::ConnectionState::Connected {
                    connected = true;
                    out.send(Output::Connected).ok();
                }
            }
        }

        // Commands.
        loop {
            match commands.try_recv() {
                Ok(Command::Say(text)) => chat_out.push_back([&[CHAT], text.as_bytes()].concat()),
                Ok(Command::SendFile { name: file, data }) => {
                    let mut start = vec![FILE_START];
                    start.extend((data.len() as u64).to_le_bytes());
                    start.extend(common::fnv1a(&data, common::FNV_START).to_le_bytes());
                    start.extend(file.as_bytes());
                    let header = Some(start);
                    files_out.push_back(FileOut { header, data, sent: 0, name: file });
                }
                Ok(Command::Quit) | Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    quitting = true;
                    break;
                }
                Err(crossbeam_channel::TryRecvError::Empty) => break,
            }
        }

        // Send: chat first; then file data, keeping at most FILE_WINDOW queued on its lane.
        if connected {
            while let Some(msg) = chat_out.front() {
                match conn.send(msg, SendFlags::RELIABLE.on_lane(LANE_CHAT)) {
                    Ok(_) => {
                        if msg[0] == CHAT {
                            let text = String::from_utf8_lossy(&msg[1..]).into_owned();
                            let file = files_out.front().filter(|f| f.header.is_none());
                            let file_handed = file.map(|f| f.sent);
                            out.send(Output::Said { text, file_handed }).ok();
                        }
                        chat_out.pop_front();
                    }
                    Err(Error::SendBufferFull { .. }) => break,
                    Err(e) => return Err(e.into()),
                }
            }
            if chat_out.is_empty() {
                if let Some(file) = files_out.front_mut() {
                    let status = conn.realtime_status()?;
                    let queued = status.lanes.get(1).map_or(0, |l| l.pending_reliable);
                    let mut room = FILE_WINDOW.saturating_sub(queued);
                    if let Some(header) = &file.header {
                        match conn.send(header, SendFlags::RELIABLE.on_lane(LANE_FILE)) {
                            Ok(_) => file.header = None,
                            Err(Error::SendBufferFull { .. }) => room = 0,
                            Err(e) => return Err(e.into()),
                        }
                    }
                    while room >= CHUNK && file.sent < file.data.len() {
                        let end = (file.sent + CHUNK).min(file.data.len());
                        let chunk = [&[FILE_DATA], &file.data[file.sent..end]].concat();
                        match conn.send(&chunk, SendFlags::RELIABLE.on_lane(LANE_FILE)) {
                            Ok(_) => {
                                room -= chunk.len();
                                file.sent = end;
                            }
                            Err(Error::SendBufferFull { .. }) => break,
                            Err(e) => return Err(e.into()),
                        }
                    }
                    if file.header.is_none() && file.sent == file.data.len() {
                        let size = file.data.len();
                        let name = std::mem::take(&mut file.name);
                        files_out.pop_front();
                        out.send(Output::FileSent { name, size }).ok();
                    }
                }
            }
        }
        if quitting && chat_out.is_empty() && files_out.is_empty() {
            // Linger: what is queued is still delivered before the connection goes.
            conn.close(EndReason::APP_GENERIC, "bye", steam_sockets::QueuedMessages::Deliver)
                .map_err(Error::from)?;
            return Ok(());
        }

        // Receive.
        conn.receive(&mut inbox, 256)?;
        for msg in inbox.drain(..) {
            let Some((kind, from, payload)) = parse_relayed(&msg) else {
                return fail!("{name}: malformed message from the server");
            };
            match kind {
                JOIN => drop(out.send(Output::Joined(from))),
                LEAVE => drop(out.send(Output::Left(from))),
                CHAT => {
                    let text = String::from_utf8_lossy(payload).into_owned();
                    let file_received = files_in.get(&from).map_or(0, |f| f.received);
                    out.send(Output::Chat { from, text, file_received }).ok();
                }
                FILE_START if payload.len() >= 16 => {
                    let size = u64::from_le_bytes(payload[..8].try_into()?);
                    let hash = u64::from_le_bytes(payload[8..16].try_into()?);
                    let file = String::from_utf8_lossy(&payload[16..]).into_owned();
                    let (who, name) = (from.clone(), file.clone());
                    out.send(Output::FileStart { from: who, name, size }).ok();
                    let incoming = Incoming {
                        name: file,
                        size,
                        hash,
                        received: 0,
                        running: common::FNV_START,
                    };
                    if size == 0 {
                        let intact = incoming.hash == incoming.running;
                        let file = incoming.name;
                        out.send(Output::File { from, name: file, size, intact }).ok();
                    } else {
                        files_in.insert(from, incoming);
                    }
                }
                FILE_DATA => {
                    let Some(file) = files_in.get_mut(&from) else {
                        return fail!("{name}: file data from {from} without a file header");
                    };
                    file.running = common::fnv1a(payload, file.running);
                    file.received += payload.len() as u64;
                    if file.received >= file.size {
                        let intact = file.received == file.size && file.running == file.hash;
                        let (size, file) = (file.size, files_in.remove(&from));
                        let file = file.map(|f| f.name).unwrap_or_default();
                        out.send(Output::File { from, name: file, size, intact }).ok();
                    }
                }
                other => return fail!("{name}: unexpected message kind {other}"),
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// `chat client`: stdin to the server, the server's messages to stdout.
fn interactive_client(sockets: &Sockets, addr: SocketAddr, name: &str) -> Result<(), BoxError> {
    let (cmd_tx, cmd_rx) = crossbeam_channel::unbounded();
    let (out_tx, out_rx) = crossbeam_channel::unbounded::<Output>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            let cmd = if line.trim() == "/quit" {
                Command::Quit
            } else if let Some(path) = line.strip_prefix("/send ") {
                match std::fs::read(path.trim()) {
                    Ok(data) => Command::SendFile { name: path.trim().to_string(), data },
                    Err(e) => {
                        eprintln!("cannot read {path}: {e}");
                        continue;
                    }
                }
            } else {
                Command::Say(line)
            };
            let quit = matches!(cmd, Command::Quit);
            if cmd_tx.send(cmd).is_err() || quit {
                break;
            }
        }
        // Dropping `cmd_tx` at end of input quits the client.
    });
    std::thread::spawn(move || {
        for output in out_rx {
            match output {
                Output::Connected => println!("* connected"),
                Output::Joined(who) => println!("* {who} joined"),
                Output::Left(who) => println!("* {who} left"),
                Output::Said { .. } => {}
                Output::Chat { from, text, .. } => println!("<{from}> {text}"),
                Output::FileStart { from, name, size } => {
                    println!("* {from} is sending {name} ({size} bytes)")
                }
                Output::FileSent { name, size } => println!("* sent {name} ({size} bytes)"),
                Output::File { from, name, size, intact } => println!(
                    "* {from} sent {name}: {size} bytes, {}",
                    if intact { "intact" } else { "CORRUPTED" }
                ),
            }
        }
    });
    // A day: an interactive session ends with /quit or end of input.
    client(sockets, addr, name, &cmd_rx, &out_tx, Deadline::after(Duration::from_secs(86_400)))
}

// ---------------------------------------------------------------------------------------------
// Demo

/// The client threads of the demo, with their command and output channels.
struct DemoClient {
    commands: Sender<Command>,
    output: Receiver<Output>,
    thread: std::thread::JoinHandle<Result<(), BoxError>>,
}

fn spawn_client(addr: SocketAddr, name: &'static str, deadline: Deadline) -> DemoClient {
    let (commands, cmd_rx) = crossbeam_channel::unbounded();
    let (out_tx, output) = crossbeam_channel::unbounded();
    let thread = std::thread::spawn(move || {
        let sockets = common::init_client()?;
        client(&sockets, addr, name, &cmd_rx, &out_tx, deadline)
    });
    DemoClient { commands, output, thread }
}

/// Waits for the next output of `client`, failing at the deadline or if the client stopped.
fn next(client: &DemoClient, who: &str, deadline: Deadline) -> Result<Output, BoxError> {
    loop {
        match client.output.recv_timeout(Duration::from_millis(50)) {
            Ok(output) => return Ok(output),
            Err(crossbeam_channel::RecvTimeoutError::Timeout) if !deadline.passed() => {}
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                return fail!("{who}: timed out waiting for the chat");
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                return fail!("{who}: client stopped early");
            }
        }
    }
}

fn demo(args: &common::Args) -> Result<(), BoxError> {
    let seconds = args.value("seconds", 30u64)?;
    let file_size = args.value("file-size", 1usize << 20)?;
    let deadline = Deadline::after(Duration::from_secs(seconds));
    // Fail early, with the clear message, if the backend cannot start.
    let sockets = common::init_client()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], common::free_port()?));
    let stop = Arc::new(AtomicBool::new(false));
    let server_stop = Arc::clone(&stop);
    let server = std::thread::spawn(move || serve(&sockets, addr, &server_stop, Some(deadline)));
    let start = Instant::now();
    let outcome = drive_demo(addr, deadline, file_size, start);
    stop.store(true, Ordering::Relaxed);
    match server.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(format!("server: {e}").into()),
        Err(_) => return fail!("server thread panicked"),
    }
    let summary = outcome?;
    println!("{summary}");
    Ok(())
}

fn drive_demo(
    addr: SocketAddr,
    deadline: Deadline,
    file_size: usize,
    start: Instant,
) -> Result<String, BoxError> {
    const ALICE_LINES: usize = 20;
    const BOB_LINES: usize = 5;
    let alice = spawn_client(addr, "alice", deadline);
    let bob = spawn_client(addr, "bob", deadline);

    // Both connected, and each has seen the other join.
    for (me, other, c) in [("alice", "bob", &alice), ("bob", "alice", &bob)] {
        loop {
            match next(c, me, deadline)? {
                Output::Joined(who) if who == other => break,
                Output::Connected | Output::Joined(_) => {}
                unexpected => return fail!("{me}: unexpected {unexpected:?} before the chat"),
            }
        }
    }
    let joined_ms = start.elapsed().as_millis();

    // A file from alice. Once it is streaming (bob has its header), alice's chat lines, which
    // must overtake the file data already queued ahead of them; bob talks back.
    let data: Vec<u8> =
        (0..file_size).map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3]).collect();
    let send = |c: &DemoClient, cmd| c.commands.send(cmd).map_err(|_| "client stopped early");
    send(&alice, Command::SendFile { name: "level.bin".into(), data })?;
    match next(&bob, "bob", deadline)? {
        Output::FileStart { from, size, .. } if from == "alice" && size == file_size as u64 => {}
        unexpected => return fail!("bob: unexpected {unexpected:?} before the file"),
    }
    for i in 0..ALICE_LINES {
        send(&alice, Command::Say(format!("alice line {i}")))?;
    }
    for i in 0..BOB_LINES {
        send(&bob, Command::Say(format!("bob line {i}")))?;
    }

    // Bob: alice's lines in order, each before the file data that alice had queued ahead of
    // it; then the file, intact.
    let mut arrived_with: Vec<u64> = Vec::new();
    let mut lines_done_ms = 0;
    let file_ms = loop {
        match next(&bob, "bob", deadline)? {
            Output::Chat { from, text, file_received } => {
                let i = arrived_with.len();
                if from != "alice" || text != format!("alice line {i}") {
                    return fail!("bob: expected \"alice line {i}\", got <{from}> {text}");
                }
                arrived_with.push(file_received);
                lines_done_ms = start.elapsed().as_millis();
            }
            Output::File { from, name, size, intact } => {
                if !intact || size != file_size as u64 || from != "alice" || name != "level.bin" {
                    return fail!("bob: file {name} from {from}: {size} bytes, intact: {intact}");
                }
                break start.elapsed().as_millis();
            }
            Output::Said { .. } => {}
            unexpected => return fail!("bob: unexpected {unexpected:?}"),
        }
    };
    if arrived_with.len() != ALICE_LINES {
        return fail!(
            "bob: only {}/{ALICE_LINES} chat lines arrived before the {file_size}-byte file \
             completed: the chat lane did not overtake the file lane",
            arrived_with.len()
        );
    }

    // Alice: when each line was handed over, how much of the file was; and bob's lines.
    let (mut handed_with, mut bob_lines) = (Vec::new(), 0);
    while bob_lines < BOB_LINES || handed_with.len() < ALICE_LINES {
        match next(&alice, "alice", deadline)? {
            Output::Said { text, file_handed } => {
                if text != format!("alice line {}", handed_with.len()) {
                    return fail!("alice: sent {text:?} out of order");
                }
                handed_with.push(file_handed);
            }
            Output::Chat { from, text, .. }
                if from == "bob" && text == format!("bob line {bob_lines}") =>
            {
                bob_lines += 1
            }
            Output::FileSent { .. } => {}
            unexpected => return fail!("alice: unexpected {unexpected:?}"),
        }
    }
    // The lanes at work: a line sent after `handed` file bytes reached bob before he had
    // received them all. (On one lane, it would have queued behind them.)
    let mut overtaken = 0u64;
    for (i, (&received, &handed)) in arrived_with.iter().zip(&handed_with).enumerate() {
        let Some(handed) = handed else {
            return fail!("alice: line {i} was sent when no file data was queued");
        };
        if received >= handed as u64 {
            return fail!(
                "line {i} did not overtake the file: sent after {handed} file bytes, arrived \
                 after {received}"
            );
        }
        overtaken = overtaken.max(handed as u64 - received);
    }

    // Both leave cleanly.
    for (who, c) in [("alice", alice), ("bob", bob)] {
        c.commands.send(Command::Quit).ok();
        match c.thread.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => return fail!("{who}: client thread panicked"),
        }
    }
    Ok(format!(
        "chat ({}): alice and bob joined at {joined_ms} ms; bob got alice's {ALICE_LINES} lines \
         in order by {lines_done_ms} ms, each ahead of file data queued before it (up to \
         {overtaken} bytes overtaken: chat lane first); her {file_size}-byte file completed \
         intact at {file_ms} ms; alice got bob's {BOB_LINES} lines",
        steam_sockets::BACKEND
    ))
}
