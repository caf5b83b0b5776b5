//! The text forms of `NetworkIdentity` and `NetworkAddress` through the public API, and, on GNS,
//! over a live connection. (Checks against the library's own `ToString` / `ParseString`, and the
//! fuzzing, are unit tests in `steam-sockets`: they need the raw FFI.)

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use steam_sockets::{Error, IntoSocketAddr, NetworkAddress, NetworkIdentity, SteamId};

fn identity(text: &str) -> NetworkIdentity {
    text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn address(text: &str) -> NetworkAddress {
    text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

#[test]
fn every_identity_kind_has_a_text_form_that_reads_back() {
    let cases = [
        ("steamid:76561197960287930", NetworkIdentity::SteamId(SteamId(76561197960287930))),
        ("psn:18446744073709551615", NetworkIdentity::Psn(u64::MAX)),
        ("ip:10.0.0.1:27015", NetworkIdentity::Ip("10.0.0.1:27015".parse().unwrap())),
        ("ip:10.0.0.1", NetworkIdentity::Ip("10.0.0.1:0".parse().unwrap())),
        ("ip:[2001:db8::1]:65535", NetworkIdentity::Ip("[2001:db8::1]:65535".parse().unwrap())),
        ("ip:2001:db8::1", NetworkIdentity::Ip("[2001:db8::1]:0".parse().unwrap())),
        ("ip:::1", NetworkIdentity::LocalHost),
        ("str:lobby-7", NetworkIdentity::GenericString("lobby-7".into())),
        ("str:", NetworkIdentity::GenericString(String::new())),
        ("gen:00ff7e", NetworkIdentity::GenericBytes(vec![0x00, 0xff, 0x7e])),
        ("xboxpwid:abc", NetworkIdentity::XboxPairwise("abc".into())),
        ("future_kind:x", NetworkIdentity::UnknownText("future_kind:x".into())),
    ];
    for (text, expected) in cases {
        assert_eq!(identity(text), expected, "{text}");
        assert_eq!(expected.to_string(), text);
    }
    assert_eq!(NetworkIdentity::Invalid.to_string(), "invalid");
    assert_eq!(NetworkIdentity::Unknown(42).to_string(), "bad_type:42");
}

#[test]
fn identity_parse_errors_are_typed_and_keep_the_input() {
    for text in ["", "invalid", "steamid:7", "gen:", "str:a\0b", "ip:1.2.3.4 ", "Str:x"] {
        let err = text.parse::<NetworkIdentity>().unwrap_err();
        assert_eq!(err, Error::IdentityParse { input: text.into() });
        assert_eq!(err.to_string(), format!("cannot parse {text:?} as a network identity"));
    }
}

#[test]
fn network_address_text_matches_valve_format() {
    assert_eq!(address("1.2.3.4:27015").to_string(), "1.2.3.4:27015");
    assert_eq!(address("1.2.3.4").to_string(), "1.2.3.4:0");
    assert_eq!(address("[2001:DB8:0:0:0:0:0:1]:80").to_string(), "[2001:db8::1]:80");
    assert_eq!(address("::ffff:192.168.0.1").to_string(), "192.168.0.1:0");
    assert_eq!(format!("{:?}", address("[::1]:9")), "[::1]:9");
    for text in ["1.2.3.4:", "::1:80 ", "[::1]:65536", "01.2.3.4", "host:80"] {
        assert_eq!(text.parse::<NetworkAddress>(), Err(Error::AddrParse { input: text.into() }));
    }
}

#[test]
fn network_address_interoperates_with_std() {
    let v4: SocketAddr = "192.168.1.20:27015".parse().unwrap();
    let addr = NetworkAddress::from(v4);
    assert_eq!(addr.ip(), IpAddr::V4(Ipv4Addr::new(192, 168, 1, 20)));
    assert_eq!(addr.ipv4(), Some(Ipv4Addr::new(192, 168, 1, 20)));
    assert_eq!(addr.port(), 27015);
    assert_eq!(SocketAddr::from(addr), v4);
    assert_eq!(addr.into_socket_addr(), Ok(v4));

    let mapped = NetworkAddress::new(Ipv4Addr::new(192, 168, 1, 20).to_ipv6_mapped().into(), 27015);
    assert_eq!(mapped, addr, "IPv4 is held as mapped IPv6, as the library holds it");
    assert_eq!(SocketAddr::from(mapped), v4);
    assert_eq!(HashSet::from([mapped, addr]).len(), 1);

    assert!(address("127.0.0.1:1").is_localhost());
    assert!(address("[::1]:1").is_localhost());
    assert!(!address("127.0.0.2:1").is_localhost());
}

/// Runs alone among this file's tests in initialising GNS, so that it can choose the identity.
#[cfg(feature = "gns")]
#[test]
fn a_live_connection_reports_identities_and_addresses_in_the_same_text_forms() {
    use steam_sockets::{ConnectionState, Event, Sockets};
    use steam_sockets_tests::{free_port, pump_until};

    let server_identity = identity("str:identity-address-test");
    let sockets = Sockets::init_gns_with_identity(&server_identity).unwrap();
    assert_eq!(sockets.identity().unwrap().to_string(), "str:identity-address-test");

    // Listen and connect by NetworkAddress, parsed from the library's text form.
    let listen_at = address(&format!("127.0.0.1:{}", free_port()));
    let listener = sockets.listen_ip(listen_at, &[]).unwrap();
    assert_eq!(NetworkAddress::from(listener.local_addr().unwrap()), listen_at);
    let client = sockets.connect_ip(listen_at, &[]).unwrap();
    let server = pump_until(&sockets, |event| match event {
        Event::Incoming(request) => Some(request.accept().unwrap()),
        _ => None,
    });
    let mut connected = (false, false);
    pump_until(&sockets, |event| {
        if let Event::ConnectionStatus(change) = event {
            if change.info.state == ConnectionState::Connected {
                connected.0 |= change.connection == server.id();
                connected.1 |= change.connection == client.id();
            }
        }
        (connected == (true, true)).then_some(())
    });

    let client_view = client.info().unwrap();
    assert_eq!(client_view.remote_identity, server_identity);
    assert_eq!(client_view.remote_identity.to_string(), "str:identity-address-test");
    assert_eq!(client_view.remote_addr.map(NetworkAddress::from), Some(listen_at));

    // Both ends share this process's identity; what the server sees of the client reads back
    // from its text as itself.
    let server_view = server.info().unwrap();
    let text = server_view.remote_identity.to_string();
    assert_eq!(identity(&text), server_view.remote_identity, "{text}");
    let client_addr = NetworkAddress::from(server_view.remote_addr.unwrap());
    assert!(client_addr.is_localhost());
    assert_eq!(address(&client_addr.to_string()), client_addr);
}
