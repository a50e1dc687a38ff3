//! A whole load run as a server scenario asks for it: C connections, then either
//! [`Load::Rated`] — a closed loop for the maximum throughput, then open loops at fixed
//! fractions of that maximum — or [`Load::Held`] — many connections held open at once,
//! each sending a request per round (`c10k`).
//!
//! The connections are opened once and kept for every phase (keep-alive), so the server
//! accepts exactly C connections and can count what it served: the phases' requests,
//! and one untimed request per connection that confirmed it was accepted
//! ([`connection::open`]). A server may listen on
//! several addresses (one per shard of a thread-per-core server): the C connections are
//! spread over them in turn ([`connection::target`]), every phase loads them all as one
//! server, and the report says how many requests each address answered, so that each
//! shard can check its own count. Each open-loop rate is a
//! fraction of the maximum the closed loop just measured on the same server, so every
//! runtime is loaded to the same share of its own capacity.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::phase::{
    closed_loop, held_rounds, open_loop, Limit, Percentiles, PhaseResult, Schedule,
};
use crate::protocol::{Exchanger, Protocol};
use crate::{connection, LoadError};

/// What to run against a server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// The server's listeners: one, or one per shard; connections go to each in turn.
    pub addrs: Vec<SocketAddr>,
    /// What to say to it.
    pub protocol: Protocol,
    /// Connections held open for the whole run.
    pub connections: usize,
    /// How they are loaded.
    pub load: Load,
    /// Each phase fails if it takes longer than this.
    pub phase_limit_ms: u64,
}

/// How a job loads its connections.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Load {
    /// A closed loop, then open loops at fractions of its throughput.
    Rated {
        /// Closed loop: requests per connection.
        closed_per_connection: u64,
        /// Open loops: each rate as a percentage of the closed loop's throughput.
        open_percents: Vec<u32>,
        /// Requests sent in each open loop.
        open_requests: u64,
    },
    /// Every connection open at once, then `rounds` rounds of one request each,
    /// `pause_ms` apart, sent by `threads` threads sharing the connections.
    Held {
        /// Rounds.
        rounds: u64,
        /// Pause between rounds, milliseconds.
        pause_ms: u64,
        /// Threads sharing the connections.
        threads: usize,
    },
}

impl Job {
    /// Requests the whole run sends: one per connection as it opens, then the phases'.
    pub fn requests(&self) -> u64 {
        let connections = self.connections as u64;
        connections
            + match &self.load {
                Load::Rated { closed_per_connection, open_percents, open_requests } => {
                    connections * closed_per_connection + open_percents.len() as u64 * open_requests
                }
                Load::Held { rounds, .. } => connections * rounds,
            }
    }

    /// Runs it here, on this process's threads.
    pub fn run(&self) -> Result<Report, LoadError> {
        let mut connections = connection::open(&self.addrs, self.connections, self.protocol)?;
        let limit = Limit(Duration::from_millis(self.phase_limit_ms));
        let (closed_per_connection, open_percents, open_requests) = match &self.load {
            Load::Rated { closed_per_connection, open_percents, open_requests } => {
                (*closed_per_connection, open_percents, *open_requests)
            }
            Load::Held { rounds, pause_ms, threads } => {
                let pause = Duration::from_millis(*pause_ms);
                let held = held_rounds(&mut connections, *threads, *rounds, pause, limit)?;
                let per_addr = self.per_addr(&connections);
                let (opened, closed) = (connections.len() as u64, PhaseReport::of(&held));
                return Ok(Report { opened, closed, open: Vec::new(), per_addr });
            }
        };
        let closed = closed_loop(&mut connections, closed_per_connection, limit)?;
        let max_rate = closed.rate();
        let mut open = Vec::with_capacity(open_percents.len());
        for &percent in open_percents {
            let rate = max_rate * f64::from(percent) / 100.0;
            // A moment for the threads to start before the first intended send.
            let start = Instant::now() + Duration::from_millis(5);
            let schedule = Schedule { start, rate, count: open_requests };
            let phase = open_loop(&mut connections, schedule, limit)?;
            open.push(OpenReport { percent, offered_rate: rate, phase: PhaseReport::of(&phase) });
        }
        let per_addr = self.per_addr(&connections);
        let opened = connections.len() as u64;
        Ok(Report { opened, closed: PhaseReport::of(&closed), open, per_addr })
    }

    /// Requests answered on the connections to each of [`Job::addrs`], in its order.
    fn per_addr(&self, connections: &[Exchanger]) -> Vec<u64> {
        let mut answered = vec![0; self.addrs.len()];
        for (id, connection) in connections.iter().enumerate() {
            answered[connection::target(id, self.addrs.len())] += connection.answered();
        }
        answered
    }
}

/// What a load run measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Connections opened, each confirmed by one untimed request.
    pub opened: u64,
    /// The closed loop (or the held rounds).
    pub closed: PhaseReport,
    /// Each open loop, in the job's order.
    pub open: Vec<OpenReport>,
    /// Requests answered (and checked) over all phases on the connections to each of the
    /// job's addresses, in [`Job::addrs`]' order.
    pub per_addr: Vec<u64>,
}

impl Report {
    /// Requests answered (and checked): the confirmations and all phases'.
    pub fn requests(&self) -> u64 {
        self.opened
            + self.closed.latency.count
            + self.open.iter().map(|open| open.phase.latency.count).sum::<u64>()
    }

    /// CPU time of the generator's threads over all phases, milliseconds.
    pub fn cpu_ms(&self) -> f64 {
        self.closed.cpu_ms + self.open.iter().map(|open| open.phase.cpu_ms).sum::<f64>()
    }
}

/// One phase's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseReport {
    /// Answers per second.
    pub rate: f64,
    /// Latency percentiles.
    pub latency: Percentiles,
    /// Wall time, milliseconds.
    pub wall_ms: f64,
    /// The generator threads' CPU time, milliseconds.
    pub cpu_ms: f64,
}

impl PhaseReport {
    fn of(phase: &PhaseResult) -> Self {
        PhaseReport {
            rate: phase.rate(),
            latency: Percentiles::of(&phase.latencies),
            wall_ms: phase.elapsed.as_secs_f64() * 1e3,
            cpu_ms: phase.cpu_ms,
        }
    }
}

/// One open loop.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpenReport {
    /// Its rate as a percentage of the closed loop's.
    pub percent: u32,
    /// The rate offered, requests per second.
    pub offered_rate: f64,
    /// What it measured.
    pub phase: PhaseReport,
}
