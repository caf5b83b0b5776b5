//! Client ids from SteamIDs, and duplicate identities. Its own test binary: the library's
//! identity is the process's, set by the first initialisation, and here it is a SteamID, as on
//! Steam (GNS takes it unauthenticated: there are no certificates).

mod common;

use common::{Client, Server, connect_all, run_until};
use steam_sockets::{NetworkIdentity, Sockets, SteamId};
use steam_sockets_renet::{CloseCode, ServerConfig, ServerTransportEvent, client_id_for};

const ME: SteamId = SteamId(76561197960287930);

#[test]
fn a_steam_id_is_the_client_id_and_a_second_connection_with_it_is_refused() {
    if common::skip_unless_gns("a_steam_id_is_the_client_id") {
        return;
    }
    let me = NetworkIdentity::SteamId(ME);
    let sockets = Sockets::init_gns_with_identity(&me).expect("GNS with a SteamID identity");
    assert!(ME.is_valid());

    let mut server = Server::start(ServerConfig::new(8), &[]);
    let mut clients = vec![Client::connect(server.addr, &[])];
    assert_eq!(clients[0].transport.client_id(), Some(ME.0), "the client predicts its id");
    connect_all(&mut server, &mut clients);
    assert_eq!(server.renet.clients_id(), [ME.0], "renet_steam's mapping: the SteamID");
    let info = server.transport.client_info(ME.0).unwrap();
    assert_eq!(info.identity, me);
    assert_eq!(client_id_for(&info.identity, info.connection), ME.0);
    assert_eq!(server.transport.find_client(&me), Some(ME.0));

    // The same identity again (this process has only one) while the first is connected.
    let mut second = vec![Client::connect(server.addr, &[])];
    run_until("duplicate refused", &mut server, &mut second, |_, c| c[0].renet.is_disconnected());
    assert_eq!(second[0].transport.close_code(), Some(CloseCode::DuplicateIdentity));
    assert!(matches!(
        server.transport.next_event(),
        Some(ServerTransportEvent::Refused { code: CloseCode::DuplicateIdentity, .. })
    ));
    assert_eq!(server.renet.clients_id(), [ME.0], "the first client stays");

    // Once the first has left, the identity may connect again.
    clients[0].transport.disconnect();
    run_until("first client leaves", &mut server, &mut clients, |s, _| {
        s.renet.clients_id().is_empty()
    });
    let mut again = vec![Client::connect(server.addr, &[])];
    connect_all(&mut server, &mut again);
    assert_eq!(server.renet.clients_id(), [ME.0]);
    drop(sockets);
}
