//! The baseline: the flat C API called directly through `steam-sockets-sys`, the way a
//! careful C++ programmer would use it. Buffers are reused, every received message is
//! released, `SendMessageToConnection` gets no out-pointer when the number is not needed,
//! and zero-copy payloads are reference-counted (one atomic increment per send, one decrement
//! when the library frees the message), just as a `shared_ptr` owner would be.

use std::ffi::{c_int, c_void};
use std::sync::Arc;

use steam_sockets_sys as sys;

mod poll;

use poll::{PollSetup, take_events};

use crate::clients;
use crate::latency::{Echo, ping_pong};
use crate::storm::{Dispatch, storm};
use crate::workload::{
    BATCH, FILL, Failure, Kind, Measurement, Result, RoundRobin, SETUP_LIMIT, SendMode, Setting,
    Side, Traffic, Transport, Workload, check_content, measure, measure_received,
};

/// The two interface pointers.
#[derive(Clone, Copy)]
struct Api {
    sockets: *mut sys::ISteamNetworkingSockets,
    utils: *mut sys::ISteamNetworkingUtils,
}

fn init() -> Result<Api> {
    let mut err: sys::SteamNetworkingErrMsg = [0; sys::k_cchMaxSteamNetworkingErrMsg];
    // SAFETY: a null identity is allowed; `err` is writable. Only this thread initialises.
    if !unsafe { sys::GameNetworkingSockets_Init(std::ptr::null(), &mut err) } {
        let bytes: Vec<u8> = err.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
        return Err(
            format!("GameNetworkingSockets_Init: {}", String::from_utf8_lossy(&bytes)).into()
        );
    }
    interfaces()
}

/// The interface pointers of the initialised library (`p2p-bulk`: initialised by
/// steam-sockets, which made the connection).
fn interfaces() -> Result<Api> {
    // SAFETY: the library is initialised.
    let sockets = unsafe { sys::SteamAPI_SteamNetworkingSockets_v009() };
    // SAFETY: as above.
    let utils = unsafe { sys::SteamAPI_SteamNetworkingUtils_v003() };
    if sockets.is_null() || utils.is_null() {
        return Err("GameNetworkingSockets returned no interface".into());
    }
    Ok(Api { sockets, utils })
}

fn set_global(api: Api, settings: &[(Setting, i32)]) -> Result<()> {
    for &(setting, value) in settings {
        let key = match setting {
            Setting::SendRateMin => sys::ESteamNetworkingConfigValue::SendRateMin,
            Setting::SendRateMax => sys::ESteamNetworkingConfigValue::SendRateMax,
            Setting::SendBufferSize => sys::ESteamNetworkingConfigValue::SendBufferSize,
            Setting::RecvBufferSize => sys::ESteamNetworkingConfigValue::RecvBufferSize,
            Setting::RecvBufferMessages => sys::ESteamNetworkingConfigValue::RecvBufferMessages,
            Setting::NagleTime => sys::ESteamNetworkingConfigValue::NagleTime,
            Setting::MtuPacketSize => sys::ESteamNetworkingConfigValue::MTU_PacketSize,
            Setting::TimeoutConnected => sys::ESteamNetworkingConfigValue::TimeoutConnected,
        };
        // SAFETY: live interface; an Int32 value for an Int32 key.
        if !unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValueInt32(api.utils, key, value)
        } {
            return Err(
                format!("SetGlobalConfigValueInt32({}={value}) refused", setting.name()).into()
            );
        }
    }
    Ok(())
}

/// Runs `workload` once (warm-up, then timed).
pub(crate) fn run(
    workload: &Workload,
    messages: u64,
    settings: &[(Setting, i32)],
) -> Result<Measurement> {
    let api = start(settings)?;
    let mut sender = Sender::new(api, workload);
    match (workload.kind, workload.transport) {
        (Kind::Storm(metric), Transport::PollGroup(clients)) => {
            let (measurement, mut setup) =
                storm(metric, clients, |dispatch| PollSetup::connect(api, clients, dispatch))?;
            setup.close();
            Ok(measurement)
        }
        (Kind::Storm(_), _) => Err("a connect workload needs a listen socket".into()),
        (_, Transport::Pipe | Transport::Udp) => {
            let (mut one, mut two) =
                (sys::k_HSteamNetConnection_Invalid, sys::k_HSteamNetConnection_Invalid);
            // SAFETY: live interface; the out-pointers are writable; null identities allowed.
            let ok = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_CreateSocketPair(
                    api.sockets,
                    &mut one,
                    &mut two,
                    workload.transport == Transport::Udp,
                    std::ptr::null(),
                    std::ptr::null(),
                )
            };
            if !ok {
                return Err("CreateSocketPair failed".into());
            }
            sender.targets.push(one);
            let mut traffic =
                Pair { sender, receiver: Receiver::new(api, workload, Source::Connection(two)) };
            let result = if workload.kind == Kind::PingPong {
                let mut echo = RawEcho {
                    traffic,
                    ends: [one, two],
                    receivers: [Source::Connection(one), Source::Connection(two)],
                };
                ping_pong(&mut echo, workload, messages)
            } else {
                measure(&mut traffic, workload, messages)
            };
            close(api, one);
            close(api, two);
            result
        }
        (_, Transport::PollGroup(clients)) => {
            // The server; the clients are in a child process (see `clients.rs`).
            let mut poll = PollSetup::listen(api)?;
            let port = poll.port();
            clients::serve(
                Side::Raw,
                workload,
                settings,
                port,
                &mut poll,
                |poll, ready| {
                    let limit = clients::accept_limit(clients);
                    poll.settle(&mut Dispatch::default(), clients, limit, ready)
                },
                |poll, remote| {
                    let source = Source::PollGroup(poll.group);
                    let mut traffic =
                        Pair { sender, receiver: Receiver::new(api, workload, source) };
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
    let api = start(settings)?;
    let mut poll = PollSetup::dial(api, port)?;
    clients::in_waves(count, |wave| {
        poll.add_clients(wave)?;
        poll.settle(&mut Dispatch::default(), 0, SETUP_LIMIT, &mut || Ok(true))
    })?;
    let mut sender = Sender::new(api, workload);
    sender.targets.extend_from_slice(&poll.clients);
    // Never read: the server sends nothing back.
    let source = Source::Connection(poll.clients[0]);
    let mut traffic = Pair { sender, receiver: Receiver::new(api, workload, source) };
    clients::feed(&mut traffic)
}

/// Initialises the library and applies `settings` globally.
fn start(settings: &[(Setting, i32)]) -> Result<Api> {
    let api = init()?;
    set_global(api, settings)?;
    Ok(api)
}

fn close(api: Api, conn: sys::HSteamNetConnection) {
    // SAFETY: live interface; a null debug string is allowed.
    unsafe {
        sys::SteamAPI_ISteamNetworkingSockets_CloseConnection(
            api.sockets,
            conn,
            0,
            std::ptr::null(),
            false,
        )
    };
}

/// The sending end(s): one connection, or clients used round-robin.
struct Sender {
    api: Api,
    mode: SendMode,
    targets: Vec<sys::HSteamNetConnection>,
    /// Index into `targets` of the next message's connection.
    next: RoundRobin,
    /// The payload copied by the copying modes.
    payload: Vec<u8>,
    /// The payload shared by the zero-copy modes.
    shared: Arc<Vec<u8>>,
    pointers: [*mut sys::SteamNetworkingMessage_t; BATCH],
    results: [i64; BATCH],
}

impl Sender {
    fn new(api: Api, workload: &Workload) -> Sender {
        Sender {
            api,
            mode: workload.mode,
            targets: Vec::new(),
            next: RoundRobin::default(),
            payload: vec![FILL; workload.size],
            shared: Arc::new(vec![FILL; workload.size]),
            pointers: [std::ptr::null_mut(); BATCH],
            results: [0; BATCH],
        }
    }

    fn target(&mut self) -> sys::HSteamNetConnection {
        self.targets[self.next.get()]
    }

    fn advance(&mut self) {
        self.next.advance(self.targets.len());
    }

    /// Sends `count` messages one call each, stopping at a full send buffer.
    fn send_each(&mut self, count: usize) -> Result<usize> {
        for sent in 0..count {
            let conn = self.target();
            let result = if self.mode == SendMode::SharedOne {
                let message = self.shared_message(conn)?;
                let mut number = 0i64;
                // SAFETY: live interface; `message` came from AllocateMessage and is handed
                // over (the wrapper in steam-sockets-sys passes bDeleteFailedMessages = true);
                // `number` has room for one result.
                unsafe {
                    sys::SteamAPI_ISteamNetworkingSockets_SendMessages(
                        self.api.sockets,
                        1,
                        &message,
                        &mut number,
                    )
                };
                match number {
                    n if n > 0 => sys::EResult::OK,
                    n => sys::EResult(i32::try_from(-n).unwrap_or(i32::MAX)),
                }
            } else {
                // SAFETY: live interface; the payload is readable for its length; a null
                // message-number pointer is allowed.
                unsafe {
                    sys::SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(
                        self.api.sockets,
                        conn,
                        self.payload.as_ptr().cast(),
                        self.payload.len() as u32,
                        sys::k_nSteamNetworkingSend_Reliable,
                        std::ptr::null_mut(),
                    )
                }
            };
            match result {
                sys::EResult::OK => self.advance(),
                sys::EResult::LimitExceeded => return Ok(sent),
                other => return Err(format!("send failed: {other}").into()),
            }
        }
        Ok(count)
    }

    /// Sends `count` messages (at most one batch) with one `SendMessages` call.
    fn send_batch(&mut self, count: usize) -> Result<usize> {
        let size = self.payload.len();
        for i in 0..count {
            let conn = self.target();
            self.pointers[i] = if self.mode == SendMode::SharedBatch {
                self.shared_message(conn)?
            } else {
                // SAFETY: live interface; the size fits in c_int.
                let raw = unsafe {
                    sys::SteamAPI_ISteamNetworkingUtils_AllocateMessage(
                        self.api.utils,
                        size as c_int,
                    )
                };
                // SAFETY: a non-null result is a message this function owns, with a buffer of
                // `size` bytes.
                let Some(message) = (unsafe { raw.as_mut() }) else {
                    self.free_unsent(i);
                    return Err("AllocateMessage failed".into());
                };
                // SAFETY: `m_pData` points to `size` writable bytes, apart from `payload`.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        self.payload.as_ptr(),
                        message.m_pData.cast::<u8>(),
                        size,
                    )
                };
                message.m_conn = conn;
                message.m_nFlags = sys::k_nSteamNetworkingSend_Reliable;
                raw
            };
            self.advance();
        }
        // SAFETY: live interface; `pointers[..count]` are messages from AllocateMessage, all
        // handed over (sent or deleted by the library); `results` has room for `count`.
        unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_SendMessages(
                self.api.sockets,
                count as c_int,
                self.pointers.as_ptr(),
                self.results.as_mut_ptr(),
            )
        };
        // Per connection, GNS stops at the first failure: later messages get 0 (not tried).
        let accepted = self.results[..count].iter().take_while(|&&r| r > 0).count();
        if accepted < count {
            let first = self.results[accepted];
            if first != 0 && first != -i64::from(sys::EResult::LimitExceeded.0) {
                return Err(format!(
                    "SendMessages failed: {}",
                    sys::EResult(i32::try_from(-first).unwrap_or(0))
                )
                .into());
            }
            // Rewind the round-robin so the rejected messages are sent again, in order.
            self.next.rewind(count - accepted, self.targets.len());
        }
        Ok(accepted)
    }

    /// A message pointing at the shared payload, holding one reference to it.
    fn shared_message(
        &self,
        conn: sys::HSteamNetConnection,
    ) -> Result<*mut sys::SteamNetworkingMessage_t> {
        // SAFETY: live interface; 0 asks for a message without a buffer.
        let raw = unsafe { sys::SteamAPI_ISteamNetworkingUtils_AllocateMessage(self.api.utils, 0) };
        // SAFETY: a non-null result is a message this function owns.
        let message = unsafe { raw.as_mut() }.ok_or(Failure::from("AllocateMessage failed"))?;
        message.m_pData = self.shared.as_ptr().cast_mut().cast::<c_void>();
        message.m_cbSize = self.shared.len() as c_int;
        message.m_nUserData = Arc::into_raw(Arc::clone(&self.shared)) as i64;
        message.m_pfnFreeData = Some(release_shared);
        message.m_conn = conn;
        message.m_nFlags = sys::k_nSteamNetworkingSend_Reliable;
        Ok(raw)
    }

    /// Releases the first `count` messages of a batch that could not be completed.
    fn free_unsent(&mut self, count: usize) {
        for &message in &self.pointers[..count] {
            // SAFETY: each is a message from AllocateMessage that was never handed over.
            unsafe { sys::SteamAPI_SteamNetworkingMessage_t_Release(message) };
        }
    }
}

/// `m_pfnFreeData` of shared payloads: drops the reference kept in `m_nUserData`.
unsafe extern "C" fn release_shared(message: *mut sys::SteamNetworkingMessage_t) {
    // SAFETY: the library passes the message this function was installed on, valid for the
    // call.
    let owner = unsafe { (*message).m_nUserData } as *const Vec<u8>;
    // SAFETY: `owner` is the pointer `Arc::into_raw` returned in `shared_message`; the library
    // frees each message once, so it is reclaimed exactly once. Dropping it cannot panic.
    drop(unsafe { Arc::from_raw(owner) });
}

/// Where the receiver reads from.
#[derive(Clone, Copy)]
enum Source {
    Connection(sys::HSteamNetConnection),
    PollGroup(sys::HSteamNetPollGroup),
}

struct Receiver {
    api: Api,
    source: Source,
    size: usize,
    inbox: [*mut sys::SteamNetworkingMessage_t; BATCH],
}

impl Receiver {
    fn new(api: Api, workload: &Workload, source: Source) -> Receiver {
        Receiver { api, source, size: workload.size, inbox: [std::ptr::null_mut(); BATCH] }
    }

    fn receive(&mut self) -> Result<usize> {
        let mut total = 0;
        loop {
            let out = self.inbox.as_mut_ptr();
            let (sockets, max) = (self.api.sockets, BATCH as c_int);
            let n = match self.source {
                // SAFETY: live interface; `inbox` has room for BATCH message pointers.
                Source::Connection(conn) => unsafe {
                    sys::SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnConnection(
                        sockets, conn, out, max,
                    )
                },
                // SAFETY: as above.
                Source::PollGroup(group) => unsafe {
                    sys::SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnPollGroup(
                        sockets, group, out, max,
                    )
                },
            };
            let n = usize::try_from(n).map_err(|_| Failure::from("receive: invalid handle"))?;
            let mut bad = 0;
            for &message in &self.inbox[..n] {
                // SAFETY: the library returned `n` valid messages, now owned here.
                let m = unsafe { &*message };
                let ok = usize::try_from(m.m_cbSize) == Ok(self.size) && !m.m_pData.is_null() && {
                    // SAFETY: `m_pData` holds `m_cbSize` (= size > 0) readable bytes.
                    let data =
                        unsafe { std::slice::from_raw_parts(m.m_pData.cast::<u8>(), self.size) };
                    data[self.size - 1] == FILL
                };
                bad += usize::from(!ok);
                // SAFETY: released exactly once, not used afterwards.
                unsafe { sys::SteamAPI_SteamNetworkingMessage_t_Release(message) };
            }
            check_content(bad)?;
            total += n;
            if n < BATCH {
                return Ok(total);
            }
        }
    }
}

struct Pair {
    sender: Sender,
    receiver: Receiver,
}

/// `rtt-64`: both ends of the pair, each receiving on its own connection.
struct RawEcho {
    traffic: Pair,
    ends: [sys::HSteamNetConnection; 2],
    receivers: [Source; 2],
}

impl Echo for RawEcho {
    fn send(&mut self, end: usize) -> Result<()> {
        let payload = &self.traffic.sender.payload;
        // SAFETY: live interface; the payload is readable for its length; a null
        // message-number pointer is allowed.
        let result = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(
                self.traffic.sender.api.sockets,
                self.ends[end],
                payload.as_ptr().cast(),
                payload.len() as u32,
                sys::k_nSteamNetworkingSend_Reliable | sys::k_nSteamNetworkingSend_NoNagle,
                std::ptr::null_mut(),
            )
        };
        if result == sys::EResult::OK {
            Ok(())
        } else {
            Err(format!("send failed: {result}").into())
        }
    }

    fn receive(&mut self, end: usize) -> Result<usize> {
        self.traffic.receiver.source = self.receivers[end];
        self.traffic.receiver.receive()
    }
}

impl clients::Undelivered for Pair {
    fn undelivered(&self) -> Result<u64> {
        self.sender.targets.iter().try_fold(0, |sum, &conn| {
            let mut status =
                std::mem::MaybeUninit::<sys::SteamNetConnectionRealTimeStatus_t>::zeroed();
            // SAFETY: live interface; `status` is writable; no lanes are asked for (0, null).
            let result = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_GetConnectionRealTimeStatus(
                    self.sender.api.sockets,
                    conn,
                    status.as_mut_ptr(),
                    0,
                    std::ptr::null_mut(),
                )
            };
            if result != sys::EResult::OK {
                return Err(format!("GetConnectionRealTimeStatus: {result:?}").into());
            }
            // SAFETY: zero-initialised plain data, filled by the library on success.
            let status = unsafe { status.assume_init() };
            let held =
                i64::from(status.m_cbPendingReliable) + i64::from(status.m_cbSentUnackedReliable);
            Ok(sum + u64::try_from(held).unwrap_or(0))
        })
    }
}

impl Traffic for Pair {
    fn send(&mut self, count: usize) -> Result<usize> {
        match self.sender.mode {
            SendMode::One | SendMode::SharedOne => self.sender.send_each(count),
            SendMode::Batch | SendMode::SharedBatch => self.sender.send_batch(count),
        }
    }

    fn receive(&mut self) -> Result<usize> {
        self.receiver.receive()
    }

    fn pump(&mut self) -> Result<()> {
        run_callbacks(self.sender.api);
        take_events()?;
        Ok(())
    }

    fn diagnose(&self) -> String {
        let mut report = String::new();
        let mut ends = self.sender.targets.clone();
        if let Source::Connection(conn) = self.receiver.source {
            ends.push(conn);
        }
        for conn in ends.into_iter().take(4) {
            let mut buf = vec![0 as std::ffi::c_char; 4096];
            // SAFETY: live interface; `buf` is writable for its length, which is passed.
            let r = unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_GetDetailedConnectionStatus(
                    self.sender.api.sockets,
                    conn,
                    buf.as_mut_ptr(),
                    buf.len() as c_int,
                )
            };
            let text: Vec<u8> = buf.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
            report +=
                &format!("\n[connection {conn}, result {r}]\n{}", String::from_utf8_lossy(&text));
        }
        report
    }
}

fn run_callbacks(api: Api) {
    // SAFETY: live interface; the only callback installed is `on_status`.
    unsafe { sys::SteamAPI_ISteamNetworkingSockets_RunCallbacks(api.sockets) };
}

/// `p2p-bulk`'s data path on `conn`, a connection steam-sockets made in this process (over
/// ICE or IP): the same flat send and receive calls as every other raw workload, on the one
/// connection, both ways (the bulk one way, a go and a done message back).
pub(crate) fn connection_traffic(
    workload: &Workload,
    conn: sys::HSteamNetConnection,
) -> Result<impl Traffic + use<>> {
    let api = interfaces()?;
    let mut sender = Sender::new(api, workload);
    sender.targets.push(conn);
    Ok(Pair { sender, receiver: Receiver::new(api, workload, Source::Connection(conn)) })
}
