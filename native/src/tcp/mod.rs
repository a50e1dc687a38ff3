//! The TCP round trip's twins: its two tasks (an echo server and a checking client over
//! one loopback connection) written once per I/O model — futures-io reads and writes for
//! the readiness runtimes ([`poll`]), owned buffers for the completion ones
//! ([`owned`]) — with each runtime's own listener, stream and calls behind a small
//! trait.
//!
//! Both ends turn Nagle's algorithm off, as the adapters do (a round trip of small
//! messages would otherwise wait for delayed ACKs), send and check exactly the
//! scenario's messages ([`tcp_round_trip::seed`], [`tcp_round_trip::check_reply`]), and
//! run under the scenario's deadline ([`within`]) on the runtime's own timer: the
//! scenario's `Runtime::timeout` keeps a timer pending through the exchange, which every
//! turn of the runtime's loop pays for, so a twin without one would do less.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};

use rtbench_core::ScenarioError;
use rtbench_scenarios::io_support::stalled;
use rtbench_scenarios::tcp_round_trip;

#[cfg(all(any(feature = "monoio", feature = "compio"), target_os = "linux"))]
pub mod owned;
#[cfg(any(
    feature = "async-std",
    feature = "smol",
    feature = "glommio",
    feature = "futures",
    feature = "reference",
    feature = "async-global-executor"
))]
mod poll;
#[cfg(any(
    feature = "async-std",
    feature = "smol",
    feature = "glommio",
    feature = "futures",
    feature = "reference",
    feature = "async-global-executor"
))]
pub use poll::*;

/// Where the listener binds: loopback, an ephemeral port.
pub const LOOPBACK: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// Runs the round trips' `exchange` under the scenario's deadline for `rounds`, given
/// the runtime's own `sleep` of that length (the future wins ties, as in the contract).
pub async fn within<T, S: Future>(
    rounds: u64,
    exchange: impl Future<Output = Result<T, ScenarioError>>,
    sleep: impl FnOnce(std::time::Duration) -> S,
) -> Result<T, ScenarioError> {
    let limit = tcp_round_trip::deadline(rounds);
    let deadline = sleep(limit);
    futures_lite::future::or(exchange, async move {
        deadline.await;
        Err(stalled(tcp_round_trip::WHAT, limit))
    })
    .await
}
