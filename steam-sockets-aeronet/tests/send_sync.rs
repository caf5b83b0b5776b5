//! The resource and components can live in any bevy world and move between threads (both
//! backends): no `SyncWrapper`, unlike aeronet_steam's listen socket.

use steam_sockets_aeronet::{
    ConnectTarget, ListenTarget, SessionError, SessionRequest, SessionResponse, SteamSockets,
    SteamSocketsClient, SteamSocketsIo, SteamSocketsServer, SteamSocketsServerClient,
};

const fn assert_send_sync<T: Send + Sync + 'static>() {}

// Checked at compile time: the test binary does not build otherwise.
const _: () = {
    assert_send_sync::<SteamSockets>();
    assert_send_sync::<SteamSocketsIo>();
    assert_send_sync::<SteamSocketsClient>();
    assert_send_sync::<SteamSocketsServer>();
    assert_send_sync::<SteamSocketsServerClient>();
    assert_send_sync::<SessionRequest>();
    assert_send_sync::<SessionResponse>();
    assert_send_sync::<SessionError>();
    assert_send_sync::<ConnectTarget>();
    assert_send_sync::<ListenTarget>();
};

#[test]
fn the_io_layer_types_are_send_and_sync() {
    // The assertions above are the test; this names it in the test output.
    fn is_static<T: 'static>() {}
    is_static::<SteamSockets>();
}
