//! The harness: two network namespaces joined by a veth pair, a home per peer with the Steam
//! test double as its `steamclient.so` and a SteamID of its own, and the scenarios, each a pair
//! of peer processes. Prints one `STEAM scenario=<name> result=<ok|FAIL>` line per scenario
//! (after `# ...` detail lines), or one `STEAM skipped: <why>` line.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use netlab::{Layout, Running, finish_pair};

/// SteamIDs of the two peers (individual accounts in the public universe).
const STEAM_IDS: [u64; 2] = [76_561_198_000_000_001, 76_561_198_000_000_002];

/// Spacewar, Valve's public test app: the test double accepts any app id.
const APP_ID: &str = "480";

/// Addresses of the two ends of the veth pair (a /24 of their own: the test double finds its
/// peers by broadcast, which stays inside the namespaces).
const ADDRESSES: [&str; 2] = ["10.78.0.1/24", "10.78.0.2/24"];
const BROADCAST: &str = "10.78.0.255";

/// Longest a peer process may run.
const PEER_LIMIT: Duration = Duration::from_secs(120);

/// Prefix of this suite's namespace names: `<prefix><pid>a` and `...b`.
const PREFIX: &str = "sssuite";

/// What the harness needs.
pub struct Paths {
    /// The test double, built.
    pub emulator: PathBuf,
    /// The `p2p_chat` example, built on the steam backend.
    pub p2p_chat: PathBuf,
    /// A scratch directory for the peers' homes.
    pub scratch: PathBuf,
}

/// A scenario: its detail lines, or why it failed.
type Scenario = fn(&Lab) -> Result<Vec<String>, String>;

/// Runs every scenario; the exit status fails if one fails.
pub fn run(paths: &Paths) -> ExitCode {
    if let Some(why) = netlab::cannot_run() {
        println!("STEAM skipped: {why}");
        return ExitCode::SUCCESS;
    }
    let lab = match Lab::create(paths) {
        Ok(lab) => lab,
        Err(e) => {
            println!("STEAM scenario=setup result=FAIL {e}");
            return ExitCode::FAILURE;
        }
    };
    let scenarios: [(&str, Scenario); 7] = [
        ("identity", identity),
        ("p2p-echo", p2p_echo),
        ("p2p-chat", p2p_chat),
        ("coexistence", coexistence),
        ("global-chain", global_chain),
        ("renet", renet),
        ("aeronet", aeronet),
    ];
    let mut failed = 0;
    for (name, scenario) in scenarios {
        let start = Instant::now();
        let result = scenario(&lab);
        let seconds = start.elapsed().as_secs_f64();
        match result {
            Ok(details) => {
                details.iter().for_each(|d| println!("# {name}: {d}"));
                println!("STEAM scenario={name} result=ok ({seconds:.1} s)");
            }
            Err(e) => {
                failed += 1;
                println!("# {name} FAILED: {e}");
                println!("STEAM scenario={name} result=FAIL ({seconds:.1} s)");
            }
        }
    }
    drop(lab);
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The namespaces, the veth pair and their addresses.
const LAYOUT: Layout = Layout {
    namespace_prefix: PREFIX,
    veth_prefix: "ssv",
    addresses: ADDRESSES,
    broadcast: BROADCAST,
};

/// The two namespaces and the two homes; removed when dropped, on every way out.
struct Lab {
    net: netlab::Lab,
    homes: [PathBuf; 2],
    p2p_chat: PathBuf,
    exe: PathBuf,
}

impl Lab {
    fn create(paths: &Paths) -> Result<Lab, String> {
        let scratch = paths.scratch.join(std::process::id().to_string());
        let homes = [scratch.join("home-a"), scratch.join("home-b")];
        let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
        let lab = Lab {
            net: netlab::Lab::create(&LAYOUT)?,
            homes,
            p2p_chat: paths.p2p_chat.clone(),
            exe,
        };
        for (home, id) in lab.homes.iter().zip(STEAM_IDS) {
            let sdk = home.join(".steam/sdk64");
            let settings = home.join(".local/share/Goldberg SteamEmu Saves/settings");
            std::fs::create_dir_all(&sdk).map_err(|e| format!("{}: {e}", sdk.display()))?;
            std::fs::create_dir_all(&settings)
                .map_err(|e| format!("{}: {e}", settings.display()))?;
            std::fs::copy(&paths.emulator, sdk.join("steamclient.so"))
                .map_err(|e| format!("copy {}: {e}", paths.emulator.display()))?;
            std::fs::write(settings.join("user_steam_id.txt"), id.to_string())
                .map_err(|e| format!("SteamID file: {e}"))?;
        }
        Ok(lab)
    }

    /// `program args` in peer `i`'s namespace, with its home and the app id.
    fn command(&self, i: usize, program: &Path, args: &[&str]) -> Command {
        let env = [format!("HOME={}", self.homes[i].display()), format!("SteamAppId={APP_ID}")];
        self.net.command(i, &env, program, args)
    }

    /// This binary in peer `i`'s namespace, in `role`.
    fn peer(&self, i: usize, role: &[&str]) -> Command {
        let mut args = vec!["peer"];
        args.extend_from_slice(role);
        self.command(i, &self.exe, &args)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(scratch) = self.homes[0].parent() {
            let _ = std::fs::remove_dir_all(scratch);
        }
    }
}

fn start(cmd: Command) -> Result<Running, String> {
    netlab::start(cmd, PEER_LIMIT)
}

/// Starts `first` in namespace A and, a moment later, `second` in namespace B.
fn start_pair(first: Command, second: Command) -> Result<(Running, Running), String> {
    netlab::start_pair(first, second, PEER_LIMIT, Duration::from_millis(500))
}

fn identity(lab: &Lab) -> Result<Vec<String>, String> {
    let peer = start(lab.peer(0, &["identity"]))?.finish();
    let expected = format!("IDENTITY steamid:{}", STEAM_IDS[0]);
    if !(peer.ok && peer.has(&expected)) {
        return Err(peer.describe("peer"));
    }
    Ok(vec![format!("init_steam_client, then identity() = steamid:{}", STEAM_IDS[0])])
}

fn p2p_echo(lab: &Lab) -> Result<Vec<String>, String> {
    let server_id = STEAM_IDS[0].to_string();
    let (server, client) = finish_pair(start_pair(
        lab.peer(0, &["echo-server"]),
        lab.peer(1, &["echo-client", &server_id]),
    )?);
    let count = crate::peer::ECHO_COUNT;
    let ok = server.ok
        && client.ok
        && client.has(&format!("ECHOED {count}"))
        && server.has(&format!("RECEIVED {count}"))
        && server.has(&format!("INCOMING steamid:{}", STEAM_IDS[1]))
        && server.has("CLOSED closed_by=Peer end=1007 debug=done");
    if !ok {
        return Err(format!("{}\n{}", server.describe("server"), client.describe("client")));
    }
    Ok(vec![format!(
        "listen_p2p / connect_p2p by SteamID, accepted; {count} reliable messages each way, \
         intact and in order; the peer's close (1007, \"done\") seen by the server"
    )])
}

fn p2p_chat(lab: &Lab) -> Result<Vec<String>, String> {
    let listener_id = STEAM_IDS[0].to_string();
    // The listener's input stays open (end of input would make it leave); the connecting
    // side types a line and leaves.
    let mut peers = start_pair(
        lab.command(0, &lab.p2p_chat, &["listen", "--seconds", "60"]),
        lab.command(1, &lab.p2p_chat, &["connect", &listener_id, "--seconds", "60"]),
    )?;
    peers.1.type_in("hello from b\n/quit\n")?;
    let (listener, connector) = finish_pair(peers);
    let ok = listener.ok
        && connector.ok
        && listener.has("> hello from b")
        && listener.lines("* connection closed:").iter().any(|l| l.contains("debug: \"bye\""))
        && connector.lines("* connected to").iter().any(|l| l.contains(&listener_id));
    if !ok {
        return Err(format!("{}\n{}", listener.describe("listen"), connector.describe("connect")));
    }
    Ok(vec![
        "p2p_chat listen / connect: relay status Current, connected by SteamID, the typed line \
         arrived, and the close (\"bye\") reached the listener"
            .into(),
    ])
}

fn coexistence(lab: &Lab) -> Result<Vec<String>, String> {
    let host_id = STEAM_IDS[0].to_string();
    let (host, guest) = finish_pair(start_pair(
        lab.peer(0, &["coexist-host"]),
        lab.peer(1, &["coexist-guest", &host_id]),
    )?);
    if !(host.ok && guest.ok && guest.has("GUEST both answered")) {
        return Err(format!("{}\n{}", host.describe("host"), guest.describe("guest")));
    }
    Ok(host.lines("COEXIST ").iter().map(|l| l["COEXIST ".len()..].to_owned()).collect())
}

fn global_chain(lab: &Lab) -> Result<Vec<String>, String> {
    let peer = start(lab.peer(0, &["global-chain"]))?.finish();
    let lines = peer.lines("CHAIN ");
    if !peer.ok || lines.is_empty() {
        return Err(peer.describe("peer"));
    }
    Ok(lines.iter().map(|l| l["CHAIN ".len()..].to_owned()).collect())
}

/// Server in A, client in B connecting to A's SteamID: `role`-server and `role`-client.
fn transport_pair(lab: &Lab, role: &str) -> Result<(netlab::Finished, netlab::Finished), String> {
    let server_id = STEAM_IDS[0].to_string();
    Ok(finish_pair(start_pair(
        lab.peer(0, &[&format!("{role}-server")]),
        lab.peer(1, &[&format!("{role}-client"), &server_id]),
    )?))
}

fn renet(lab: &Lab) -> Result<Vec<String>, String> {
    let (server, client) = transport_pair(lab, "renet")?;
    transport_peers::renet::report(&server, &client)
}

fn aeronet(lab: &Lab) -> Result<Vec<String>, String> {
    let (server, client) = transport_pair(lab, "aeronet")?;
    transport_peers::aeronet::report(&server, &client, &format!("steamid:{}", STEAM_IDS[1]))
}
