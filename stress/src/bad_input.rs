//! Bad input: every kind of wrong argument gets its typed error, while a bystander connection
//! keeps exchanging messages and loses none. Address and identity strings are fuzzed:
//! 100,000+ generated strings each, checked against properties and, for addresses, against
//! `std::net`'s parser.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use bytes::Bytes;
use steam_sockets::{
    CloseError, ConfigKey, ConfigValue, EndReason, Error, Lane, MAX_LANES, MAX_MESSAGE_SIZE,
    MAX_UNRELIABLE_MESSAGE_SIZE, NetworkAddress, NetworkIdentity, QueuedMessages, SendFlags,
    Sockets,
};

use crate::common::{self, DEADLINE, Pair, Report, Rng, Tracker};
use crate::runner::Size;

/// Runs the scenario.
pub fn run(size: Size) -> Report {
    let mut report = Report::new("bad-input");
    let cases = size.pick(200_000u64, 100_000);
    if let Err(e) = bad_input(&mut report) {
        report.fail(e);
    }
    fuzz_addresses(&mut report, cases);
    fuzz_identities(&mut report, cases);
    report
}

/// A connection that keeps working next to the bad calls: one reliable message per check.
struct Bystander {
    pair: Pair,
    sent: u32,
    tracker: Tracker,
}

impl Bystander {
    fn exchange(&mut self, sockets: &Sockets) -> Result<(), String> {
        let data = common::payload(0, self.sent, 100);
        self.pair.client.send(&data, SendFlags::RELIABLE).map_err(|e| e.to_string())?;
        self.sent += 1;
        let start = Instant::now();
        let mut inbox = Vec::new();
        while self.tracker.received_on(0) < self.sent && start.elapsed() < DEADLINE {
            sockets.run_callbacks();
            inbox.clear();
            self.pair.server.receive(&mut inbox, 64).map_err(|e| e.to_string())?;
            inbox.iter().for_each(|m| self.tracker.take(m));
        }
        Ok(())
    }
}

/// Checks that `result` is the error `expected` accepts, naming the case.
fn expect<T: std::fmt::Debug>(
    report: &mut Report,
    checks: &mut u32,
    case: &str,
    result: Result<T, Error>,
    expected: impl FnOnce(&Error) -> bool,
) {
    *checks += 1;
    match result {
        Err(e) if expected(&e) => {}
        other => report.fail(format!("{case}: got {other:?}")),
    }
}

fn bad_input(report: &mut Report) -> Result<(), String> {
    let sockets = common::init()?;
    let mut bystander = Bystander {
        pair: common::connect_pair(&sockets, &[])?,
        sent: 0,
        tracker: Tracker::default(),
    };
    // A short timeout: the client of this pair must notice when its server end is destroyed.
    let victim =
        common::connect_pair(&sockets, &[ConfigValue::TimeoutConnected(Duration::from_secs(1))])?;
    let mut n = 0u32;
    let r = report;

    // Oversize messages, on every send path.
    let huge = vec![0u8; MAX_MESSAGE_SIZE + 1];
    let too_large = |e: &Error| matches!(e, Error::MessageTooLarge { size, .. } if *size == MAX_MESSAGE_SIZE + 1);
    expect(r, &mut n, "oversize send", victim.client.send(&huge, SendFlags::RELIABLE), too_large);
    expect(
        r,
        &mut n,
        "oversize send on a lane",
        victim.client.send(&huge, SendFlags::RELIABLE.on_lane(0)),
        too_large,
    );
    expect(
        r,
        &mut n,
        "oversize send of Bytes",
        victim.client.send(&Bytes::from(huge.clone()), SendFlags::RELIABLE),
        too_large,
    );
    let unreliable = vec![0u8; MAX_UNRELIABLE_MESSAGE_SIZE + 1];
    expect(
        r,
        &mut n,
        "oversize unreliable send",
        victim.client.send(&unreliable, SendFlags::UNRELIABLE),
        |e| matches!(e, Error::MessageTooLarge { max, .. } if *max == MAX_UNRELIABLE_MESSAGE_SIZE),
    );
    bystander.exchange(&sockets)?;

    // Lanes: none, too many, zero weight, an index past the end.
    let lane = Lane { priority: 0, weight: 1 };
    let lane_count = |e: &Error| matches!(e, Error::LaneCount { .. });
    let out_of_range = |e: &Error| matches!(e, Error::OutOfRange { .. });
    expect(r, &mut n, "zero lanes", victim.client.configure_lanes(&[]), lane_count);
    expect(
        r,
        &mut n,
        "256 lanes",
        victim.client.configure_lanes(&[lane; MAX_LANES + 1]),
        lane_count,
    );
    expect(
        r,
        &mut n,
        "lane weight 0",
        victim.client.configure_lanes(&[Lane { priority: 0, weight: 0 }]),
        out_of_range,
    );
    expect(
        r,
        &mut n,
        "lane out of range",
        victim.client.send(b"x", SendFlags::RELIABLE.on_lane(1)),
        |e| matches!(e, Error::InvalidLane { lane: 1, lanes: 1 }),
    );
    r.ok("configure 3 lanes", victim.client.configure_lanes(&[lane; 3]));
    expect(
        r,
        &mut n,
        "lane 3 of 3",
        victim.client.send(b"x", SendFlags::RELIABLE.on_lane(3)),
        |e| matches!(e, Error::InvalidLane { lane: 3, lanes: 3 }),
    );
    expect(
        r,
        &mut n,
        "fewer lanes than configured",
        victim.client.configure_lanes(&[lane; 2]),
        lane_count,
    );
    bystander.exchange(&sockets)?;

    // Interior NUL in names and debug strings: typed error, and the connection handed back.
    let nul = |e: &Error| matches!(e, Error::InteriorNul { position: 1, .. });
    expect(r, &mut n, "NUL in name", victim.client.set_name("a\0b"), nul);
    let listener_probe = common::connect_pair(&sockets, &[])?;
    match listener_probe.client.close(EndReason::APP_GENERIC, "b\0ye", QueuedMessages::Discard) {
        Err(CloseError::Refused { error, object }) => {
            n += 1;
            r.check(nul(&error), || format!("NUL in close debug: {error:?}"));
            r.check(object.info().is_ok(), || "close refused but the connection is gone".into());
        }
        Err(CloseError::Destroyed(error)) => r.fail(format!("NUL in close debug: {error:?}")),
        Ok(()) => r.fail("NUL in close debug text was accepted"),
    }
    // Not an application end reason.
    match listener_probe.server.close(EndReason::from_raw(5003), "", QueuedMessages::Discard) {
        Err(refused) => {
            n += 1;
            let error = refused.error();
            r.check(out_of_range(error), || format!("library end reason: {error:?}"));
        }
        Ok(()) => r.fail("closing with a library end reason was accepted"),
    }
    expect(r, &mut n, "app end reason 1000 + 1000", EndReason::app(1000), out_of_range);
    bystander.exchange(&sockets)?;

    // Config values: out of range, NaN, overflow, wrong scope, read-only.
    let wrong_scope = |e: &Error| matches!(e, Error::WrongScope { .. });
    let checks: [(&str, ConfigValue); 5] = [
        ("loss 150%", ConfigValue::FakePacketLossSend(150.0)),
        ("loss NaN", ConfigValue::FakePacketLossSend(f32::NAN)),
        ("loss -1%", ConfigValue::FakePacketLossRecv(-1.0)),
        ("timeout overflow", ConfigValue::TimeoutConnected(Duration::from_secs(u64::MAX / 4))),
        ("read-only MTU data size", ConfigValue::MtuDataSize(1000)),
    ];
    for (case, value) in checks {
        let refused = |e: &Error| match e {
            Error::ReadOnly { key, .. } => *key == ConfigKey::MtuDataSize,
            other => out_of_range(other),
        };
        expect(r, &mut n, case, sockets.set_global_config(&value), refused);
    }
    expect(
        r,
        &mut n,
        "global value on a connection",
        victim.client.set_config(&ConfigValue::FakePacketLossSend(1.0)),
        wrong_scope,
    );
    expect(
        r,
        &mut n,
        "global value as an option",
        sockets.connect_ip("127.0.0.1:9", &[ConfigValue::FakePacketLagSend(Duration::ZERO)]),
        wrong_scope,
    );
    expect(
        r,
        &mut n,
        "global key read on a connection",
        victim.client.config(ConfigKey::FakePacketLossSend),
        wrong_scope,
    );
    expect(
        r,
        &mut n,
        "NUL in a string value",
        sockets.set_global_config(&ConfigValue::SdrClientForceRelayCluster("a\0".into())),
        |e| matches!(e, Error::InteriorNul { .. } | Error::Unsupported { .. }),
    );
    bystander.exchange(&sockets)?;

    // Malformed addresses where a connection or socket is made.
    let addr_parse = |e: &Error| matches!(e, Error::AddrParse { .. });
    expect(r, &mut n, "connect to garbage", sockets.connect_ip("not an address", &[]), addr_parse);
    expect(
        r,
        &mut n,
        "listen on port 99999",
        sockets.listen_ip("127.0.0.1:99999", &[]),
        addr_parse,
    );
    expect(
        r,
        &mut n,
        "identity garbage",
        "steamid:abc".parse::<NetworkIdentity>(),
        |e| matches!(e, Error::IdentityParse { input } if input == "steamid:abc"),
    );

    // Steam-only functions on GNS.
    let unsupported =
        |e: &Error| matches!(e, Error::Unsupported { backend: steam_sockets::Backend::Gns, .. });
    expect(r, &mut n, "init Steam client", Sockets::init_steam_client(), unsupported);
    expect(r, &mut n, "FakeIP request", sockets.begin_async_request_fake_ip(1), unsupported);
    expect(r, &mut n, "hosted server port", sockets.hosted_dedicated_server_port(), unsupported);
    expect(r, &mut n, "relay ticket", sockets.received_relay_auth_ticket(&[1, 2, 3]), unsupported);
    bystander.exchange(&sockets)?;

    // Empty messages are not errors: they arrive as empty messages.
    r.ok("empty message, copied", victim.client.send(b"", SendFlags::RELIABLE));
    r.ok("empty message, shared", victim.client.send(&Bytes::new(), SendFlags::RELIABLE));
    let start = Instant::now();
    let mut inbox = Vec::new();
    while inbox.len() < 2 && start.elapsed() < DEADLINE {
        sockets.run_callbacks();
        let _ = victim.server.receive(&mut inbox, 2);
    }
    n += 1;
    r.check(inbox.len() == 2 && inbox.iter().all(|m| m.data().is_empty()), || {
        format!("empty messages: {} arrived", inbox.len())
    });
    drop(inbox);

    // Closed and destroyed handles: closing the listen socket destroys its connections.
    let Pair { listener, server, client } = victim;
    drop(listener);
    let invalid_handle = |e: &Error| matches!(e, Error::InvalidHandle { .. });
    expect(
        r,
        &mut n,
        "send on a destroyed connection",
        server.send(b"x", SendFlags::RELIABLE),
        invalid_handle,
    );
    expect(
        r,
        &mut n,
        "receive on a destroyed connection",
        server.receive(&mut Vec::new(), 1),
        invalid_handle,
    );
    expect(r, &mut n, "info of a destroyed connection", server.info(), invalid_handle);
    expect(
        r,
        &mut n,
        "config on a destroyed connection",
        server.set_config(&ConfigValue::SendRateMax(1 << 20)),
        invalid_handle,
    );
    expect(r, &mut n, "name of a destroyed connection", server.set_name("gone"), invalid_handle);
    expect(r, &mut n, "status of a destroyed connection", server.realtime_status(), invalid_handle);
    // The client end sees the close and then refuses to send.
    let client_id = client.id();
    common::pump_until(&sockets, DEADLINE, |event| match event {
        steam_sockets::Event::ConnectionStatus(c)
            if c.connection == client_id
                && c.info.state != steam_sockets::ConnectionState::Connected =>
        {
            Some(())
        }
        _ => None,
    })?;
    expect(r, &mut n, "send on a closed connection", client.send(b"x", SendFlags::RELIABLE), |e| {
        matches!(e, Error::NotConnected { .. })
    });
    drop((server, client));
    bystander.exchange(&sockets)?;

    r.detail(format!("{n} bad calls, each with its typed error; bystander connection: {} of {} messages, in order", bystander.tracker.received_on(0), bystander.sent));
    r.sent += u64::from(bystander.sent);
    r.received += bystander.tracker.reliable;
    r.reliable_lost +=
        u64::from(bystander.sent) - bystander.tracker.reliable.min(u64::from(bystander.sent));
    r.out_of_order += bystander.tracker.out_of_order;
    Ok(())
}

/// Characters the mutations draw from: what addresses and identities are made of, and what
/// breaks them.
const ALPHABET: &[char] = &[
    '0',
    '1',
    '2',
    '5',
    '9',
    '.',
    ':',
    '[',
    ']',
    'a',
    'f',
    'A',
    'F',
    'x',
    'g',
    ' ',
    '-',
    '+',
    '%',
    '/',
    '\0',
    '\u{e9}',
    '\u{1F600}',
    's',
    't',
    'r',
    'i',
    'p',
    'd',
    'e',
    'n',
    '_',
    '\u{660}',
];

/// A string derived from one of `seeds` by a few random edits, or (one time in ten) random.
fn mutate(rng: &mut Rng, seeds: &[&str]) -> String {
    let mut chars: Vec<char> = if rng.chance(10) {
        Vec::new()
    } else {
        seeds[rng.below(seeds.len() as u64) as usize].chars().collect()
    };
    for _ in 0..=rng.below(4) {
        let at = rng.below(chars.len() as u64 + 1) as usize;
        let c = ALPHABET[rng.below(ALPHABET.len() as u64) as usize];
        match rng.below(6) {
            0 | 1 => chars.insert(at, c),
            2 if at < chars.len() => {
                chars.remove(at);
            }
            3 if at < chars.len() => chars[at] = c,
            4 => chars.truncate(at),
            _ => {
                // Repeat a piece (long numbers, doubled separators).
                let end = (at + 1 + rng.below(6) as usize).min(chars.len());
                let piece: Vec<char> = chars[at.min(end)..end].to_vec();
                chars.splice(at..at, piece);
            }
        }
    }
    chars.into_iter().collect()
}

/// Runs `f`, turning a panic into a failure.
fn no_panic<T>(report: &mut Report, what: &str, input: &str, f: impl FnOnce() -> T) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Some(value),
        Err(_) => {
            report.fail(format!("{what} panicked on {input:?}"));
            None
        }
    }
}

fn fuzz_addresses(report: &mut Report, cases: u64) {
    let seeds = [
        "127.0.0.1:27015",
        "0.0.0.0",
        "255.255.255.255:65535",
        "[::1]:80",
        "::1",
        "[::]",
        "fe80::1:2:3",
        "[2001:db8::ff00:42:8329]:0",
        "::ffff:1.2.3.4",
        "10.0.0.1:1",
    ];
    let mut rng = Rng::new(0xADD2);
    let (mut accepted, mut failures) = (0u64, 0u64);
    std::panic::set_hook(Box::new(|_| {}));
    for _ in 0..cases {
        let text = mutate(&mut rng, &seeds);
        let Some(parsed) =
            no_panic(report, "address parse", &text, || text.parse::<NetworkAddress>())
        else {
            failures += 1;
            continue;
        };
        // What std says, as the oracle (std knows no bracketed address without a port).
        let std_sock = text.parse::<SocketAddr>().ok();
        let std_ip = text.parse::<IpAddr>().ok();
        let bracketed = text
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .and_then(|t| t.parse::<Ipv6Addr>().ok());
        let ok = match &parsed {
            Ok(addr) => {
                accepted += 1;
                let round_trip = addr.to_string().parse::<NetworkAddress>().ok() == Some(*addr);
                let agrees = match (std_sock, std_ip, bracketed) {
                    (Some(sock), _, _) => NetworkAddress::from(sock) == *addr,
                    (None, Some(ip), _) => *addr == NetworkAddress::new(ip, 0),
                    (None, None, Some(v6)) => *addr == NetworkAddress::new(IpAddr::V6(v6), 0),
                    (None, None, None) => false,
                };
                round_trip && agrees
            }
            Err(Error::AddrParse { input }) => {
                // std accepts scope ids and flow info (`%`), which we refuse on purpose.
                input == &text
                    && (text.contains('%')
                        || (std_sock.is_none() && std_ip.is_none() && bracketed.is_none()))
            }
            Err(_) => false,
        };
        if !ok {
            failures += 1;
            if failures <= 5 {
                report
                    .fail(format!("address {text:?}: {parsed:?} (std: {std_sock:?} / {std_ip:?})"));
            }
        }
    }
    let _ = std::panic::take_hook();
    report.detail(format!(
        "address fuzz: {cases} generated strings, {accepted} valid; each agrees with std::net \
         and round-trips through Display; {failures} failures"
    ));
    report.check(failures == 0, || format!("{failures} address fuzz failures"));
}

fn fuzz_identities(report: &mut Report, cases: u64) {
    let seeds = [
        "steamid:76561197960287930",
        "ip:127.0.0.1:27015",
        "ip:[::1]:80",
        "ip:::1",
        "str:hello",
        "gen:00ff10",
        "xboxpwid:abc",
        "psn:123456",
        "invalid",
        "localhost",
        "foo_1:bar",
        "str:0123456789012345678901234567890",
    ];
    let mut rng = Rng::new(0x1D);
    let (mut accepted, mut failures) = (0u64, 0u64);
    std::panic::set_hook(Box::new(|_| {}));
    for _ in 0..cases {
        let text = mutate(&mut rng, &seeds);
        let Some(parsed) =
            no_panic(report, "identity parse", &text, || text.parse::<NetworkIdentity>())
        else {
            failures += 1;
            continue;
        };
        let ok = match &parsed {
            Ok(identity) => {
                accepted += 1;
                let shown = identity.to_string();
                !shown.contains('\0')
                    && shown.parse::<NetworkIdentity>().ok().as_ref() == Some(identity)
            }
            Err(Error::IdentityParse { input }) => input == &text,
            Err(_) => false,
        };
        if !ok {
            failures += 1;
            if failures <= 5 {
                report.fail(format!("identity {text:?}: {parsed:?}"));
            }
        }
    }
    let _ = std::panic::take_hook();
    report.detail(format!(
        "identity fuzz: {cases} generated strings, {accepted} valid; each round-trips through \
         Display, each refusal is IdentityParse with the input; {failures} failures"
    ));
    report.check(failures == 0, || format!("{failures} identity fuzz failures"));
}
