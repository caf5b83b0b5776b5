//! Initialising GNS with a local identity. Its own test binary, so that this test is the first
//! (and only) thing to initialise the library in its process.
#![cfg(feature = "gns")]

use steam_sockets::{Error, NetworkIdentity, Sockets};

#[test]
fn the_first_init_sets_the_identity_and_later_ones_must_agree() {
    let me = NetworkIdentity::GenericString("test-server-1".into());
    let sockets = Sockets::init_gns_with_identity(&me).unwrap();
    assert_eq!(sockets.identity().unwrap(), me);
    // Attaching again, with the same identity or none, shares the running library.
    assert_eq!(Sockets::init_gns_with_identity(&me).unwrap().identity().unwrap(), me);
    assert_eq!(Sockets::init_gns().unwrap().identity().unwrap(), me);
    // A different identity cannot be had without restarting the library.
    let other = NetworkIdentity::GenericString("someone-else".into());
    assert!(matches!(
        Sockets::init_gns_with_identity(&other),
        Err(Error::IdentityMismatch { current, wanted })
            if current == me.to_string() && wanted == other.to_string()
    ));
}
