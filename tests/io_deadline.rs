//! The I/O scenarios' deadline on every runtime: a peer that never answers is a failed
//! check after the limit, never a hang.

use std::time::Duration;

use rtbench_core::{Runtime, RuntimeConfig, RuntimeVisitor, ScenarioError};
use rtbench_scenarios::io_support::within;

struct SilentPeer;

impl RuntimeVisitor for SilentPeer {
    type Output = Result<(), ScenarioError>;

    fn visit<R: Runtime>(self, runtime: &R) -> Self::Output {
        runtime.run(within::<R, ()>(
            "a silent peer",
            Duration::from_millis(20),
            futures::future::pending(),
        ))
    }
}

#[test]
fn a_silent_peer_fails_the_check_after_the_deadline() {
    for name in rtbench_adapters::names() {
        let result = rtbench_adapters::visit(name, &RuntimeConfig { threads: 2 }, SilentPeer)
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        match result {
            Err(ScenarioError::Check(message)) => assert!(message.contains("a silent peer")),
            other => panic!("{name}: expected a failed check, got {other:?}"),
        }
    }
}
