//! The reliability suite of steam-sockets (`cargo xtask stress`): GameNetworkingSockets over
//! UDP loopback under simulated loss, lag, reordering and duplication, floods, killed peers,
//! a thousand connections, many threads, every drop order, bad input, valgrind, and hostile
//! traffic: garbage datagrams and replays, handshake floods, a corrupting relay of our own, and
//! event storms while the application stalls.
//!
//! Usage: `steam-sockets-stress [--short] [--only NAME[,NAME...]] [--list]`. Each scenario runs
//! in a child process of its own (the simulation settings are process-wide, and a library
//! abort must not take the others down) and prints one line
//!
//! `STRESS scenario=<name> sent=<n> received=<n> reliable_lost=<n> out_of_order=<n> result=<ok|FAIL>`
//!
//! preceded by `# ...` detail lines. The exit status is non-zero if any scenario failed.
//! `--short` runs the reduced form used by `cargo xtask test`.

#[cfg(feature = "gns")]
mod bad_input;
#[cfg(feature = "gns")]
mod common;
#[cfg(feature = "gns")]
mod crowd;
#[cfg(feature = "gns")]
mod drop_order;
#[cfg(feature = "gns")]
mod flood;
#[cfg(feature = "gns")]
mod garbage;
#[cfg(feature = "gns")]
mod handshake;
#[cfg(feature = "gns")]
mod impaired;
#[cfg(feature = "gns")]
mod leaks;
#[cfg(feature = "gns")]
mod lossy;
#[cfg(feature = "gns")]
mod many;
#[cfg(feature = "gns")]
mod peer_death;
#[cfg(feature = "gns")]
mod relay;
#[cfg(feature = "gns")]
mod runner;
#[cfg(feature = "gns")]
mod storm;
#[cfg(feature = "gns")]
mod threads;

fn main() -> std::process::ExitCode {
    #[cfg(feature = "gns")]
    return runner::main();
    #[cfg(not(feature = "gns"))]
    {
        eprintln!(
            "steam-sockets-stress needs the GameNetworkingSockets backend: \
             run `cargo xtask stress`, or build with --no-default-features --features gns"
        );
        std::process::ExitCode::from(2)
    }
}
