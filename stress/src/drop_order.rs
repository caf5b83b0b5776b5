//! Drop order: a `Sockets` clone, a listen socket, a poll group, both ends of a connection and
//! received messages (one from each direction) are dropped in every order, messages included
//! after their connection closed. Each message is read, and its content checked, just before
//! it is dropped; afterwards a new pair must still connect and exchange a message. (Leaks are
//! checked by the `leaks` scenario, which runs this one under valgrind.)

use steam_sockets::{ConnectionState, Message, SendFlags};

use crate::common::{self, Report};
use crate::runner::Size;

/// The objects whose drop order is permuted.
const OBJECTS: [&str; 7] =
    ["sockets", "listener", "poll group", "server", "client", "server message", "client message"];

enum Object {
    /// Drops the object it owns when called.
    Plain(Box<dyn FnOnce()>),
    Connection(steam_sockets::Connection),
    Message(Message, u32),
}

/// Runs the scenario.
pub fn run(size: Size) -> Report {
    let mut report = Report::new("drop-order");
    let perms = permutations(OBJECTS.len());
    // The short form takes every 12th order (still covering each object in each position);
    // the `leaks` scenario, under valgrind, sets its own step.
    let step = std::env::var("STEAM_SOCKETS_STRESS_STEP")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(size.pick(1, 12));
    let mut orders = 0;
    for (index, order) in perms.iter().enumerate() {
        if index % step != 0 {
            continue;
        }
        orders += 1;
        if let Err(e) = one_order(&mut report, order) {
            let names: Vec<&str> = order.iter().map(|&i| OBJECTS[i]).collect();
            report.fail(format!("order {names:?}: {e}"));
            break;
        }
    }
    // The library still works afterwards.
    let after = common::init().and_then(|s| {
        let pair = common::connect_pair(&s, &[])?;
        pair.client.send(b"still alive", SendFlags::RELIABLE).map_err(|e| e.to_string())?;
        let start = std::time::Instant::now();
        let mut inbox = Vec::new();
        while inbox.is_empty() && start.elapsed() < common::DEADLINE {
            s.run_callbacks();
            pair.server.receive(&mut inbox, 1).map_err(|e| e.to_string())?;
        }
        if inbox.first().is_some_and(|m| m.data() == b"still alive") {
            Ok(())
        } else {
            Err("no message after the drops".to_string())
        }
    });
    report.ok("a new pair after all orders", after);
    // Under valgrind (the `leaks` scenario): give the library time to finish closing what was
    // dropped, so that whatever it still holds at exit is a real leak.
    let settle = std::env::var("STEAM_SOCKETS_STRESS_SETTLE").ok().and_then(|s| s.parse().ok());
    if let Some(secs) = settle {
        let start = std::time::Instant::now();
        let sockets = common::init();
        while start.elapsed() < std::time::Duration::from_secs(secs) {
            if let Ok(sockets) = &sockets {
                sockets.run_callbacks();
                let _ = sockets.events().try_iter().count();
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    report.detail(format!(
        "{orders} drop orders of {} objects ({} possible); {} messages read after their \
         connection was dropped",
        OBJECTS.len(),
        perms.len(),
        report.received
    ));
    report
}

fn one_order(report: &mut Report, order: &[usize]) -> Result<(), String> {
    let sockets = common::init()?;
    let pair = common::connect_pair(&sockets, &[])?;
    let group = sockets.create_poll_group().map_err(|e| e.to_string())?;
    pair.server.set_poll_group(Some(&group)).map_err(|e| e.to_string())?;
    let to_server = common::payload(1, 0, 300);
    let to_client = common::payload(2, 0, 300);
    pair.client.send(&to_server, SendFlags::RELIABLE).map_err(|e| e.to_string())?;
    pair.server.send(&to_client, SendFlags::RELIABLE).map_err(|e| e.to_string())?;
    report.sent += 2;
    let mut at_server = Vec::new();
    let mut at_client = Vec::new();
    let start = std::time::Instant::now();
    while at_server.is_empty() || at_client.is_empty() {
        sockets.run_callbacks();
        if at_server.is_empty() {
            group.receive(&mut at_server, 1).map_err(|e| e.to_string())?;
        }
        if at_client.is_empty() {
            pair.client.receive(&mut at_client, 1).map_err(|e| e.to_string())?;
        }
        if start.elapsed() > common::DEADLINE {
            return Err(format!(
                "messages did not arrive ({} at the server, {} at the client); client: {:?}; \
                 server: {:?}",
                at_server.len(),
                at_client.len(),
                pair.client.detailed_status(),
                pair.server.detailed_status()
            ));
        }
    }
    let _ = sockets.events().try_iter().count();
    let mut objects: Vec<Option<Object>> = vec![
        Some(Object::Plain(Box::new({
            let sockets = sockets.clone();
            move || drop(sockets)
        }))),
        Some(Object::Plain(Box::new(move || drop(pair.listener)))),
        Some(Object::Plain(Box::new(move || drop(group)))),
        Some(Object::Connection(pair.server)),
        Some(Object::Connection(pair.client)),
        at_server.pop().map(|m| Object::Message(m, 1)),
        at_client.pop().map(|m| Object::Message(m, 2)),
    ];
    drop(sockets);
    for &index in order {
        match objects[index].take() {
            Some(Object::Message(message, stream)) => {
                // Read it now, whatever was dropped before it.
                if common::verify(&message) != Some((stream, 0)) {
                    return Err(format!("{} corrupted", OBJECTS[index]));
                }
                report.received += 1;
            }
            Some(Object::Connection(conn)) => {
                // Still a valid handle to query (or a typed error if the listener took it).
                let _ = conn.info().map(|i| i.state == ConnectionState::Connected);
            }
            Some(Object::Plain(drop_it)) => drop_it(),
            None => return Err(format!("{} missing", OBJECTS[index])),
        }
    }
    Ok(())
}

/// Every permutation of `0..n`, in lexicographic order.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    let mut current: Vec<usize> = (0..n).collect();
    let mut all = vec![current.clone()];
    loop {
        let Some(i) = (1..n).rev().find(|&i| current[i - 1] < current[i]) else { return all };
        let j = (i..n).rev().find(|&j| current[j] > current[i - 1]).unwrap_or(i);
        current.swap(i - 1, j);
        current[i..].reverse();
        all.push(current.clone());
    }
}
