//! The overhead workloads: the scenarios where what an adapter adds per spawn, per
//! poll and per wake-up is the largest share of the figure — tokio's own benchmark set
//! — and one TCP round trip, where it is what the adapter adds per read and write.

use rtbench_core::{Scenario, ScenarioInfo};
use rtbench_scenarios::{chained_spawn, ping_pong, spawn_many, tcp_round_trip, yield_many};

/// One overhead workload: a scenario of the catalogue that every flavour has a twin of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    /// `spawn_many`: spawn N tasks, await every handle.
    SpawnMany,
    /// `yield_many`: T tasks each yield K times.
    YieldMany,
    /// `ping_pong`: two tasks bounce a token over two `bounded(1)` channels.
    PingPong,
    /// `chained_spawn`: each task spawns the next, detached.
    ChainedSpawn,
    /// `tcp_round_trip`: a client and an echo server exchange a small message over one
    /// loopback connection, many times.
    TcpRoundTrip,
}

impl Workload {
    /// Every workload, in catalogue order.
    pub const ALL: [Workload; 5] = [
        Workload::SpawnMany,
        Workload::ChainedSpawn,
        Workload::YieldMany,
        Workload::PingPong,
        Workload::TcpRoundTrip,
    ];

    /// The scenario it runs through the contract.
    pub fn info(self) -> ScenarioInfo {
        match self {
            Workload::SpawnMany => spawn_many::SpawnMany::INFO,
            Workload::YieldMany => yield_many::YieldMany::INFO,
            Workload::PingPong => ping_pong::PingPong::INFO,
            Workload::ChainedSpawn => chained_spawn::ChainedSpawn::INFO,
            Workload::TcpRoundTrip => tcp_round_trip::TcpRoundTrip::INFO,
        }
    }

    /// Its scenario's name.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The workload whose scenario is called `name`, or an error listing the valid names.
    pub fn named(name: &str) -> Result<Workload, String> {
        Workload::ALL.into_iter().find(|workload| workload.name() == name).ok_or_else(|| {
            let valid: Vec<_> = Workload::ALL.iter().map(|workload| workload.name()).collect();
            format!("`{name}` has no native twins; valid: {}", valid.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_list_the_valid() {
        for workload in Workload::ALL {
            assert_eq!(Workload::named(workload.name()), Ok(workload));
        }
        let error = Workload::named("awaitable").unwrap_err();
        assert!(
            error.contains("spawn_many, chained_spawn, yield_many, ping_pong, tcp_round_trip"),
            "{error}"
        );
    }
}
