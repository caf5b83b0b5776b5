//! `NetworkIdentity::from_str` on arbitrary text. What the crate promises (`identity.rs`):
//!
//! * an error is `Error::IdentityParse` naming the input;
//! * whatever parses, its `Display` text parses back to the same identity, and writing that
//!   again gives the same text;
//! * an `ip:` identity holds what `NetworkAddress` reads from the text after the prefix.
#![no_main]

use libfuzzer_sys::fuzz_target;
use steam_sockets::{Error, NetworkAddress, NetworkIdentity};

fuzz_target!(|text: &str| {
    match text.parse::<NetworkIdentity>() {
        Ok(id) => {
            let written = id.to_string();
            let again = written.parse::<NetworkIdentity>();
            assert_eq!(again.as_ref(), Ok(&id), "{text:?} -> {written:?}");
            assert_eq!(again.unwrap().to_string(), written);
            if let NetworkIdentity::Ip(addr) = &id {
                let data = text.strip_prefix("ip:").expect("an IP identity's text starts ip:");
                assert_eq!(data.parse::<NetworkAddress>().map(Into::into), Ok(*addr), "{text:?}");
            }
        }
        Err(e) => assert_eq!(e, Error::IdentityParse { input: text.to_owned() }),
    }
});
