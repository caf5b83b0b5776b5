//! What each backend does with the other backend's entry points, and the Steam backend on a
//! machine without a Steam client.

use steam_sockets::{Error, GameServerConfig, ServerMode, Sockets};

fn game_server_config() -> GameServerConfig {
    GameServerConfig {
        ip: std::net::Ipv4Addr::UNSPECIFIED,
        game_port: 27015,
        query_port: 27016,
        mode: ServerMode::NoAuthentication,
        version: "1.0.0.0".into(),
    }
}

#[cfg(feature = "gns")]
#[test]
fn steam_entry_points_are_unsupported_on_gns() {
    assert_eq!(steam_sockets::BACKEND, steam_sockets::Backend::Gns);
    let unsupported =
        |function| Error::Unsupported { backend: steam_sockets::Backend::Gns, function };
    assert_eq!(Sockets::init_steam_client().unwrap_err(), unsupported("SteamAPI_InitFlat"));
    assert_eq!(
        Sockets::attach_steam_client().unwrap_err(),
        unsupported("SteamAPI_SteamNetworkingSockets_SteamAPI")
    );
    assert_eq!(
        Sockets::init_steam_game_server(&game_server_config()).unwrap_err(),
        unsupported("SteamGameServer_InitEx")
    );
    assert_eq!(
        Sockets::attach_steam_game_server().unwrap_err(),
        unsupported("SteamAPI_SteamGameServerNetworkingSockets_SteamAPI")
    );
    // The error says what is missing, in words.
    assert_eq!(
        Sockets::init_steam_client().unwrap_err().to_string(),
        "SteamAPI_InitFlat is not supported on the gns backend"
    );
}

#[cfg(feature = "gns")]
#[test]
fn gns_reports_its_interface_kind() {
    let sockets = Sockets::init_gns().unwrap();
    assert_eq!(sockets.kind(), steam_sockets::InterfaceKind::Gns);
}

/// One test for all of Steam: the Steam API keeps global state, so its calls are not run in
/// parallel.
#[cfg(feature = "steam")]
#[test]
fn without_a_steam_client_every_steam_entry_point_fails_with_a_typed_error() {
    assert_eq!(steam_sockets::BACKEND, steam_sockets::Backend::Steam);
    // Nothing initialised Steam, so there is nothing to attach to.
    assert_eq!(
        Sockets::attach_steam_client().unwrap_err(),
        Error::SteamNotInitialized { init: "init_steam_client" }
    );
    assert_eq!(
        Sockets::attach_steam_game_server().unwrap_err(),
        Error::SteamNotInitialized { init: "init_steam_game_server" }
    );
    // Initialising fails, with Steam's own explanation.
    match Sockets::init_steam_client().unwrap_err() {
        Error::SteamInit { code, message } => {
            assert_ne!(code, 0);
            assert!(message.contains("steamclient"), "Steam's message: {message}");
        }
        other => panic!("expected SteamInit, got {other:?}"),
    }
    match Sockets::init_steam_game_server(&game_server_config()).unwrap_err() {
        Error::SteamInit { code, message } => {
            assert_ne!(code, 0);
            assert!(!message.is_empty());
        }
        other => panic!("expected SteamInit, got {other:?}"),
    }
    let bad_version = GameServerConfig { version: "1.0\0".into(), ..game_server_config() };
    assert!(matches!(
        Sockets::init_steam_game_server(&bad_version),
        Err(Error::InteriorNul { what: "game server version", position: 3 })
    ));
    assert_eq!(
        Sockets::init_gns().unwrap_err(),
        Error::Unsupported {
            backend: steam_sockets::Backend::Steam,
            function: "GameNetworkingSockets_Init"
        }
    );
}

/// `cargo test` puts the library's build directory on `LD_LIBRARY_PATH`; players' machines do
/// not. This test binary was built with `steam_sockets_build::bundle_steam_api` in its
/// `build.rs`; started again without `LD_LIBRARY_PATH`, it must still load `libsteam_api` (from
/// beside itself, through its `$ORIGIN` rpath) and reach Steam's typed init error.
#[cfg(all(feature = "steam", target_os = "linux"))]
#[test]
fn a_binary_started_without_library_path_loads_libsteam_api_beside_itself() {
    let exe = std::env::current_exe().unwrap();
    assert!(exe.with_file_name("libsteam_api.so").is_file(), "bundled beside {}", exe.display());
    let output = std::process::Command::new(&exe)
        .args([
            "--exact",
            "without_a_steam_client_every_steam_entry_point_fails_with_a_typed_error",
        ])
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("error while loading shared libraries"), "loader failed: {stderr}");
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "the child ran the Steam test:\n{stdout}");
}
