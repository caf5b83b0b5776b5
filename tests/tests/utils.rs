//! `ISteamNetworkingUtils` on the GNS backend: the Steam-only functions fail with a typed error
//! naming the missing C function, and the data center codes work without a library.
#![cfg(feature = "gns")]

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use steam_sockets::{Error, ParsePopIdError, PopId, Sockets};

fn unsupported(function: &'static str) -> Error {
    Error::Unsupported { backend: steam_sockets::Backend::Gns, function }
}

#[test]
fn relay_network_functions_are_unsupported_on_gns() {
    let sockets = Sockets::init_gns().unwrap();
    assert_eq!(sockets.init_relay_network_access(), Err(unsupported("InitRelayNetworkAccess")));
    assert_eq!(sockets.relay_network_status(), Err(unsupported("GetRelayNetworkStatus")));
}

#[test]
fn ping_location_functions_are_unsupported_on_gns() {
    // (The functions that take a `PingLocation` are covered by the crate's unit tests: only the
    // Steam library can make one.)
    let sockets = Sockets::init_gns().unwrap();
    assert_eq!(sockets.local_ping_location().unwrap_err(), unsupported("GetLocalPingLocation"));
    assert_eq!(
        sockets.parse_ping_location("anything").unwrap_err(),
        unsupported("ParsePingLocationString")
    );
    assert_eq!(
        sockets.check_ping_data_up_to_date(Duration::from_secs(60)),
        Err(unsupported("CheckPingDataUpToDate"))
    );
}

#[test]
fn data_center_functions_are_unsupported_on_gns() {
    let sockets = Sockets::init_gns().unwrap();
    let iad: PopId = "iad".parse().unwrap();
    assert_eq!(sockets.ping_to_data_center(iad), Err(unsupported("GetPingToDataCenter")));
    assert_eq!(sockets.direct_ping_to_pop(iad), Err(unsupported("GetDirectPingToPOP")));
    assert_eq!(sockets.pop_count(), Err(unsupported("GetPOPCount")));
    assert_eq!(sockets.pop_list(), Err(unsupported("GetPOPList")));
}

#[test]
fn fake_ip_helpers_are_unsupported_on_gns() {
    let sockets = Sockets::init_gns().unwrap();
    let ip = Ipv4Addr::new(169, 254, 1, 2);
    assert_eq!(sockets.is_fake_ipv4(ip), Err(unsupported("IsFakeIPv4")));
    assert_eq!(sockets.fake_ip_type(ip), Err(unsupported("GetIPv4FakeIPType")));
    assert_eq!(
        sockets.real_identity_for_fake_ip(SocketAddr::from((ip, 27015))),
        Err(unsupported("GetRealIdentityForFakeIP"))
    );
    // The error says what is missing, in words.
    assert_eq!(
        sockets.is_fake_ipv4(ip).unwrap_err().to_string(),
        "IsFakeIPv4 is not supported on the gns backend"
    );
}

#[test]
fn data_center_codes_parse_and_print() {
    let sto2: PopId = "sto2".parse().unwrap();
    assert_eq!(sto2.to_string(), "sto2");
    assert_eq!(format!("{sto2:>6}|{:<5}|", PopId::DEV), "  sto2|dev  |");
    assert_eq!(
        "Sto".parse::<PopId>(),
        Err(ParsePopIdError::Character { character: 'S', position: 0 })
    );
    assert_eq!("st".parse::<PopId>(), Err(ParsePopIdError::Length { length: 2 }));
    // A bad code converts into the crate's error for `?`.
    let parse = || -> steam_sockets::Result<PopId> { Ok("s t".parse::<PopId>()?) };
    assert_eq!(
        parse(),
        Err(Error::PopIdParse(ParsePopIdError::Character { character: ' ', position: 1 }))
    );
    assert!(parse().unwrap_err().to_string().contains("' '"));
}

#[test]
fn debug_output_can_be_switched_without_a_logger() {
    // No logger in this binary: forwarding goes to `log`'s no-op logger, without error.
    let sockets = Sockets::init_gns().unwrap();
    sockets.set_debug_output(steam_sockets::DebugOutputLevel::Warning).unwrap();
    sockets.set_debug_output(steam_sockets::DebugOutputLevel::None).unwrap();
}
