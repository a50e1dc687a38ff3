//! The load generator of rtbench's server scenarios: one fixed implementation, the same
//! for every cell, and never the thing under test.
//!
//! A server scenario runs its server on the runtime under test; this crate drives it
//! from **another process** (see [`launch`]), pinned to other CPUs where the machine
//! has them, so the figures are the server's and not those of a client sharing its
//! scheduler. It is built on std threads and blocking sockets, one thread per
//! connection (per group of connections when thousands are held, [`Load::Held`]), on
//! purpose: no async runtime is involved, so none of the runtimes being
//! compared is also the one measuring; each request costs the generator one `write`
//! and one or two `read`s, whatever the server; and the kernel's scheduler, not a
//! runtime's, decides when a connection's thread runs.
//!
//! Two ways to load a server over C connections ([`phase`]):
//! - **closed loop**: each connection sends its next request when the last answer
//!   arrives; gives the maximum throughput at C connections, but its latencies hide
//!   queueing — a stalled server also stalls the sender, so the requests that would
//!   have waited are never sent (*coordinated omission*);
//! - **open loop**: requests leave on a fixed schedule at a given rate, and each latency
//!   is measured from the request's *intended* send time, as wrk2 does, so a stall
//!   shows in every request scheduled during it.
//!
//! Every response is checked ([`protocol`]): the course's ping-pong echo, or HTTP/1.1
//! keep-alive with a body that names the request. A wrong response fails the run.
//! Every loop is bounded in count and in time ([`phase::Limit`]), and running out of
//! descriptors or local ports is an error that names the limit and its value
//! ([`connection`]).

pub mod connection;
pub mod job;
pub mod launch;
pub mod phase;
pub mod placement;
pub mod protocol;

pub use job::{Job, Load, Report};
pub use launch::Launcher;
pub use phase::Percentiles;
pub use protocol::Protocol;

/// Why a load run produced no report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}
