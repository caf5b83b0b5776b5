//! `cargo xtask p2p`: the P2P run-time suite on GameNetworkingSockets
//! (`steam-sockets-p2p-suite`). As root, builds the suite and the `p2p_chat` example on the
//! `gns` backend and runs the suite: its peers connect by identity, over ICE, between two
//! network namespaces it creates and removes, through the crate's signaling client and server. Each `P2P scenario=... result=ok|FAIL`
//! line counts as a passed or failed test. Not root: says why, and counts as skipped (never as
//! passed).

use std::process::Command;

use super::{Result, Tally, cargo, is_root};

/// The suite's package.
pub(crate) const SUITE_PACKAGE: &str = "steam-sockets-p2p-suite";

/// `cargo xtask p2p`.
pub(crate) fn p2p() -> Result {
    let mut tally = Tally::default();
    suite(&mut tally);
    println!("{}", tally.summary());
    tally.check()
}

/// The suite, for `cargo xtask test`.
pub(crate) fn suite(tally: &mut Tally) {
    println!("p2p: P2P suite on GNS ({SUITE_PACKAGE})");
    if !is_root() {
        return println!("p2p: skipped: not root (the peers run in network namespaces)");
    }
    if let Err(e) = build_and_run(tally) {
        println!("p2p: FAILED: {e}");
        tally.failed += 1;
    }
}

fn build_and_run(tally: &mut Tally) -> Result {
    super::run(cargo().args(["build", "--quiet", "-p", SUITE_PACKAGE, "--features", "gns"]))?;
    let gns = ["--no-default-features", "--features", "gns"];
    super::run(
        cargo()
            .args(["build", "--quiet", "-p", "steam-sockets-examples"])
            .args(["--example", "p2p_chat"])
            .args(gns),
    )?;
    // The Steam suite builds the same example on the steam backend, to the same path: keep a
    // copy of this one.
    let target = super::target_dir()?;
    let dir = target.join("p2p-suite");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let chat = dir.join("p2p_chat-gns");
    std::fs::copy(target.join("debug/examples/p2p_chat"), &chat)
        .map_err(|e| format!("copy the p2p_chat example: {e}"))?;
    let mut suite = Command::new(target.join("debug").join(SUITE_PACKAGE));
    suite.arg("run").arg("--p2p-chat").arg(&chat);
    tally.run_counted(&mut suite, |line| match line.strip_prefix("P2P ") {
        Some(rest) if rest.contains(" result=ok") => (1, 0),
        Some(rest) if rest.contains(" result=FAIL") => (0, 1),
        _ => (0, 0),
    });
    Ok(())
}
