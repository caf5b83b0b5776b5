//! Life beside another user of GameNetworkingSockets in the same process (GNS backend).
//!
//! The other user has its own bindings (`game-networking-sockets-sys`, called directly) and the
//! simplest method Valve's header describes: one *global* connection-status handler. Each side
//! makes a listen socket and connects to the other's; each must see all of its own events and
//! none of the other's, whether the other set its handler before steam-sockets initialised the
//! library or after. Library initialisation and global handlers are process-wide, so each order
//! runs in a child process of its own (this binary, re-run on one test).
#![cfg(feature = "gns")]

use std::collections::HashSet;
use std::ffi::CString;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use gns_sys as other;
use steam_sockets::{ConnectionId, ConnectionState, Event, Sockets};
use steam_sockets_tests::{DEADLINE, free_port, listen};

/// Names the order a child process runs: `before` or `after`.
const ORDER_VAR: &str = "STEAM_SOCKETS_TEST_COEXISTENCE_ORDER";

#[test]
fn another_user_with_a_global_handler_set_before_init_and_this_crate_see_their_own_events() {
    in_child(
        "before",
        "another_user_with_a_global_handler_set_before_init_and_this_crate_see_their_own_events",
    );
}

#[test]
fn another_user_with_a_global_handler_set_after_init_and_this_crate_see_their_own_events() {
    in_child(
        "after",
        "another_user_with_a_global_handler_set_after_init_and_this_crate_see_their_own_events",
    );
}

/// Runs the scenario in `order` in a child process (or, in that child, the scenario itself).
fn in_child(order: &str, test: &str) {
    match std::env::var(ORDER_VAR) {
        Ok(wanted) if wanted == order => return scenario(order == "before"),
        // Another order's child: not this test's process.
        Ok(_) => return,
        Err(_) => {}
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(ORDER_VAR, order)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    // The figures, for the reader of `--nocapture`.
    // (The harness may print the test's name on the same line first.)
    for line in text.lines().filter_map(|l| l.find("coexistence:").map(|at| &l[at..])) {
        eprintln!("{line}");
    }
    assert!(output.status.success(), "child ({order}) failed:\n{text}");
    assert!(text.contains("coexistence: done"), "child ({order}) did not run:\n{text}");
}

/// A status change the other user's handler saw.
#[derive(Debug, Clone, Copy)]
struct Seen {
    connection: u32,
    listen_socket: u32,
    new_state: i32,
}

/// Everything the other user's handler saw.
static OTHER_SEEN: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

/// `k_ESteamNetworkingConnectionState_Connecting` and `_Connected`.
const CONNECTING: i32 = 1;
const CONNECTED: i32 = 3;

/// The other user's global handler: records each change and accepts its incoming connections.
unsafe extern "C" fn other_handler(info: *mut other::SteamNetConnectionStatusChangedCallback_t) {
    // SAFETY: the library passes a valid struct for the call.
    let info = unsafe { &*info };
    // The state is read as the integer it is (never as a Rust enum).
    // SAFETY: the field is a C enum, four bytes, valid for the call.
    let new_state = unsafe { std::ptr::addr_of!(info.m_info.m_eState).cast::<i32>().read() };
    let seen =
        Seen { connection: info.m_hConn, listen_socket: info.m_info.m_hListenSocket, new_state };
    if seen.listen_socket != 0 && new_state == CONNECTING {
        // SAFETY: the library is initialised (it is calling us).
        let sockets = unsafe { other::SteamAPI_SteamNetworkingSockets_v009() };
        // SAFETY: live interface; a connection the library just reported.
        unsafe { other::SteamAPI_ISteamNetworkingSockets_AcceptConnection(sockets, info.m_hConn) };
    }
    OTHER_SEEN.lock().unwrap_or_else(PoisonError::into_inner).push(seen);
}

/// The other user's start: its own `GameNetworkingSockets_Init` (a second one in the process
/// is fine), then its global handler.
fn other_start() {
    let mut err = [0 as std::ffi::c_char; 1024];
    // SAFETY: a null identity is allowed; `err` is larger than the library's message buffer.
    let ok =
        unsafe { other::GameNetworkingSockets_Init(std::ptr::null(), err.as_mut_ptr().cast()) };
    assert!(ok, "the other user's GameNetworkingSockets_Init failed");
    let handler: unsafe extern "C" fn(*mut other::SteamNetConnectionStatusChangedCallback_t) =
        other_handler;
    // SAFETY: the library is initialised.
    let utils = unsafe { other::SteamAPI_SteamNetworkingUtils_v003() };
    // SAFETY: live interface; the handler has the signature the key expects.
    let set = unsafe {
        other::SteamAPI_ISteamNetworkingUtils_SetGlobalConfigValuePtr(
            utils,
            other::ESteamNetworkingConfigValue::k_ESteamNetworkingConfig_Callback_ConnectionStatusChanged,
            handler as *mut std::ffi::c_void,
        )
    };
    assert!(set, "the other user's global handler was refused");
}

/// An address on 127.0.0.1, in the other user's bindings.
fn other_addr(port: u16) -> other::SteamNetworkingIPAddr {
    // SAFETY: plain data; all zeros is a valid (cleared) address.
    let mut addr: other::SteamNetworkingIPAddr = unsafe { std::mem::zeroed() };
    let text = CString::new(format!("127.0.0.1:{port}")).unwrap();
    // SAFETY: `addr` is writable; `text` is NUL-terminated.
    let ok = unsafe { other::SteamAPI_SteamNetworkingIPAddr_ParseString(&mut addr, text.as_ptr()) };
    assert!(ok);
    addr
}

fn scenario(other_first: bool) {
    if other_first {
        other_start();
    }
    let sockets = Sockets::init_gns().unwrap();
    if !other_first {
        other_start();
    }
    // SAFETY: the library is initialised.
    let other_sockets = unsafe { other::SteamAPI_SteamNetworkingSockets_v009() };

    // Each side listens, and connects to the other's listen socket.
    let other_port = free_port();
    // SAFETY: live interface; the address is valid for the call; no options.
    let other_listener = unsafe {
        other::SteamAPI_ISteamNetworkingSockets_CreateListenSocketIP(
            other_sockets,
            &other_addr(other_port),
            0,
            std::ptr::null(),
        )
    };
    assert_ne!(other_listener, 0, "the other user could not listen");
    let listener = listen(&sockets, &[]);
    let our_port = listener.local_addr().unwrap().port();
    // SAFETY: as above.
    let other_client = unsafe {
        other::SteamAPI_ISteamNetworkingSockets_ConnectByIPAddress(
            other_sockets,
            &other_addr(our_port),
            0,
            std::ptr::null(),
        )
    };
    assert_ne!(other_client, 0, "the other user could not connect");
    let client = sockets
        .connect_ip(("127.0.0.1".parse::<std::net::Ipv4Addr>().unwrap(), other_port), &[])
        .unwrap();

    // One pump serves both: the library runs every queued callback.
    let events = sockets.events();
    let mut ours = Vec::new();
    let mut accepted = None;
    let start = Instant::now();
    let done = |ours: &[(ConnectionId, ConnectionState)], accepted: Option<ConnectionId>| {
        let connected = |id| ours.iter().any(|&(c, s)| c == id && s == ConnectionState::Connected);
        let other = OTHER_SEEN.lock().unwrap_or_else(PoisonError::into_inner);
        let other_connected = |pred: &dyn Fn(&Seen) -> bool| {
            other.iter().any(|s| pred(s) && s.new_state == CONNECTED)
        };
        accepted.is_some_and(connected)
            && connected(client.id())
            && other_connected(&|s| s.connection == other_client)
            && other_connected(&|s| s.listen_socket == other_listener)
    };
    let mut server = None;
    while !done(&ours, accepted) {
        assert!(
            start.elapsed() < DEADLINE,
            "not all connected within {DEADLINE:?}: ours saw {ours:?}, the other saw {:?}",
            OTHER_SEEN.lock().unwrap_or_else(PoisonError::into_inner)
        );
        sockets.run_callbacks();
        for event in events.try_iter() {
            match event {
                Event::Incoming(request) => {
                    ours.push((request.id(), ConnectionState::Connecting));
                    let conn = request.accept().unwrap();
                    accepted = Some(conn.id());
                    server = Some(conn);
                }
                Event::ConnectionStatus(change) => {
                    ours.push((change.connection, change.info.state))
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }

    // Neither side saw the other's handles.
    let mine: HashSet<ConnectionId> = [client.id()].into_iter().chain(accepted).collect();
    let other_seen = OTHER_SEEN.lock().unwrap_or_else(PoisonError::into_inner).clone();
    for (id, _) in &ours {
        assert!(mine.contains(id), "steam-sockets got an event of another user's {id}: {ours:?}");
    }
    let mine_raw: HashSet<u32> = mine.iter().map(|id| id.raw()).collect();
    for seen in &other_seen {
        assert!(
            !mine_raw.contains(&seen.connection),
            "the other user got an event of steam-sockets' connection: {other_seen:?}"
        );
    }
    println!(
        "coexistence: handler set {} steam-sockets initialised; steam-sockets saw {} events of its \
         own, the other user {} of its own; none crossed",
        if other_first { "before" } else { "after" },
        ours.len(),
        other_seen.len()
    );
    drop((server, client, listener));
    println!("coexistence: done");
}
