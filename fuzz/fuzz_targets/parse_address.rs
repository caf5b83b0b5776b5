//! `NetworkAddress::from_str` on arbitrary text. What the crate promises (`address.rs`):
//!
//! * an error is `Error::AddrParse` naming the input;
//! * whatever parses, its `Display` text parses back to the same address, and that text is
//!   canonical (writing it again gives the same text);
//! * it agrees with `std`: text that std reads as a socket address or an IP address (port 0)
//!   reads as the same address here, except scope ids (`%`), which the crate refuses on purpose
//!   (the library has no room for them); and text both read, they read the same way.
#![no_main]

use std::net::{IpAddr, SocketAddr};

use libfuzzer_sys::fuzz_target;
use steam_sockets::{Error, NetworkAddress};

fuzz_target!(|text: &str| {
    let ours = text.parse::<NetworkAddress>();
    let std_reading = text
        .parse::<SocketAddr>()
        .map(NetworkAddress::from)
        .or_else(|_| text.parse::<IpAddr>().map(|ip| NetworkAddress::new(ip, 0)));
    match ours {
        Ok(addr) => {
            let written = addr.to_string();
            assert_eq!(written.parse::<NetworkAddress>(), Ok(addr), "{text:?} -> {written:?}");
            assert_eq!(written.parse::<NetworkAddress>().unwrap().to_string(), written);
            if let Ok(theirs) = std_reading {
                assert_eq!(addr, theirs, "{text:?}: std reads it otherwise");
            }
        }
        Err(e) => {
            assert_eq!(e, Error::AddrParse { input: text.to_owned() });
            if !text.contains('%') {
                assert!(std_reading.is_err(), "{text:?}: std reads {std_reading:?}, we refuse");
            }
        }
    }
});
