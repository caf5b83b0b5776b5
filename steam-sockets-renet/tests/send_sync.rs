//! Both transports can be a bevy resource or move to a networking thread (both backends).

use steam_sockets_renet::{
    ClientInfo, ClientTransport, CloseCode, Error, ServerConfig, ServerTransport,
    ServerTransportEvent,
};

const fn assert_send_sync<T: Send + Sync>() {}

// Checked at compile time: the test binary does not build otherwise.
const _: () = {
    assert_send_sync::<ServerTransport>();
    assert_send_sync::<ClientTransport>();
    assert_send_sync::<ServerConfig>();
    assert_send_sync::<ClientInfo>();
    assert_send_sync::<ServerTransportEvent>();
    assert_send_sync::<CloseCode>();
    assert_send_sync::<Error>();
};

#[test]
fn transports_are_send_and_sync() {
    // The assertions above are the test; this names it in the test output.
    fn is_static<T: 'static>() {}
    is_static::<ServerTransport>();
    is_static::<ClientTransport>();
}
