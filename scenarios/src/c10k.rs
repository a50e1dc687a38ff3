//! `c10k` (W8-S1: while a request waits for its answer "le processeur ne fait rien", so
//! one thread can hold many of them): C TCP connections (default 10 000) held open at
//! the same time by a server on the runtime under test, each pinged P times at a fixed
//! interval.
//!
//! The clients are the fixed load generator's ([`crate::under_load`], a process of its
//! own under the runner): the server process holds its C sockets and the generator the
//! other C, so each stays within an open-file limit of 20 000 at the full size, which
//! one process holding both ends (2·C + spare) could not. The generator connects in
//! waves, each confirmed by one ping per connection before the next, so the listener's
//! accept queue never overflows (an overflow drops SYNs, and the kernel's 1 s
//! retransmission would be measured instead of the runtime; see
//! [`rtbench_loadgen::connection::open`]); then a few threads ping every connection
//! once per round, P timed rounds.
//!
//! `bytes/conn` is the server's RSS growth (see [`crate::scale`]) from before it binds
//! to the moment it has accepted all C connections, divided by C: the server's end only
//! (a socket, a task and its buffer each). If the open-file limit is too low for C the
//! scenario is `n/a` with the numbers (needed, soft, hard) rather than failing halfway
//! (see [`crate::io_support::OpenFiles`]); the generator names its own limit if it runs
//! out.
//!
//! Checks: every ping is answered with its own payload (the generator), all C
//! connections were open at once (none had closed when the last was accepted), and the
//! server echoed exactly C·(P + 1) pings (the confirming ping and P timed ones).
//!
//! On a per-core flavour each shard holds its share of the C connections on its own
//! listener (see [`crate::under_load`]); each checks that its share was open at once and
//! echoed what its listener was sent, then the totals are checked. `bytes/conn` is then
//! the process's growth from before the first shard bound to when the last one had
//! accepted its share (each shard reads the RSS; the earliest and the latest reading
//! are kept), over all C.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rtbench_core::io::{TcpListener, TcpStream};
use rtbench_core::{
    Capability, Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError,
    ScenarioInfo, Sharding,
};
use rtbench_loadgen::{Job, Load, Protocol};

use crate::io_support;
use crate::scale::resident_bytes;
use crate::under_load::{self, Server};

/// Holds C loopback connections open, each pinged periodically.
pub struct C10k;

/// How many connections are open at once.
const CONNECTIONS: ParamSpec = ParamSpec {
    name: "connections",
    help: "TCP connections open at the same time",
    default: 10_000,
    quick: 1_000,
    test: 50,
    min: 1,
};

/// Generator threads sharing the connections' pings.
const PINGING_THREADS: usize = 8;

/// Bytes per ping.
const PING: usize = 8;

/// What the server saw.
pub struct Held {
    /// Pings echoed.
    echoed: u64,
    /// Connections accepted.
    accepted: usize,
    /// Connections open when the last one was accepted.
    open_at_once: usize,
    /// RSS before binding, and once every connection was accepted.
    rss: (usize, usize),
}

impl Scenario for C10k {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "c10k",
        lesson: "W8-S1",
        summary: "a server on the runtime holds C loopback TCP connections open at once, \
                  each pinged periodically by the load generator; every ping answered; \
                  server bytes per connection and ping latency",
        params: &[
            CONNECTIONS,
            ParamSpec {
                name: "pings",
                help: "pings per connection",
                default: 5,
                quick: 2,
                test: 2,
                min: 1,
            },
            ParamSpec {
                name: "interval_ms",
                help: "pause between two rounds of pings, in ms",
                default: 20,
                quick: 10,
                test: 1,
                min: 0,
            },
        ],
        requires: &[Capability::Tcp],
        elements: |params| params.get("connections") * params.get("pings"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let loaded = under_load::drive::<R, Self>(runtime, params, CONNECTIONS)?;
        let connections = loaded.job.connections;
        for held in &loaded.served {
            ScenarioError::ensure(held.open_at_once == held.accepted, || {
                format!(
                    "{} connections were open when the last of {} was accepted",
                    held.open_at_once, held.accepted
                )
            })?;
        }
        let accepted: usize = loaded.served.iter().map(|held| held.accepted).sum();
        ScenarioError::ensure(accepted == connections, || {
            format!("the server accepted {accepted} of {connections} connections")
        })?;
        let before = loaded.served.iter().map(|held| held.rss.0).min().unwrap_or(0);
        let open = loaded.served.iter().map(|held| held.rss.1).max().unwrap_or(0);
        let bytes_per_connection = open.saturating_sub(before) as f64 / connections.max(1) as f64;
        let pings = params.get("pings");
        let latency = loaded.report.closed.latency;
        let outcome = Outcome::checked(format!(
            "{connections} connections were open at once and each of their {pings} pings \
             came back intact"
        ))
        .metric(Metric::lower("bytes/conn", bytes_per_connection))
        .metric(Metric::lower("us p99", latency.p99_us))
        .metric(Metric::lower("us p50", latency.p50_us))
        .note("bytes/conn counts the server's end of each connection; the clients are the load generator's")
        .note(loaded.launcher.describe());
        Ok(loaded.note_shards(outcome))
    }

    const SHARDING: Sharding = Sharding::Sharded;
}

impl Server for C10k {
    const NAME: &'static str = Self::INFO.name;

    type Served = Held;

    fn job(params: &Params, addrs: Vec<SocketAddr>) -> Job {
        let load = Load::Held {
            rounds: params.get("pings"),
            pause_ms: params.get("interval_ms"),
            threads: PINGING_THREADS,
        };
        under_load::job(addrs, Protocol::Echo { size: PING }, params.count(CONNECTIONS.name), load)
    }

    // Not `async fn`: its future would borrow `params`, and the server's must be 'static.
    #[allow(clippy::manual_async_fn)]
    fn serve<R: Runtime>(
        listener: R::TcpListener,
        connections: usize,
        _: &Params,
    ) -> impl Future<Output = Result<Held, ScenarioError>> + Send + 'static {
        async move {
            let before = resident_bytes()?;
            let open = Arc::new(AtomicUsize::new(0));
            let mut echoes = Vec::with_capacity(connections);
            for _ in 0..connections {
                let (stream, _) = listener.accept().await?;
                open.fetch_add(1, Ordering::SeqCst);
                echoes.push(R::spawn(echo(stream, Arc::clone(&open))));
            }
            let open_at_once = open.load(Ordering::SeqCst);
            let rss = (before, resident_bytes()?);
            let mut echoed = 0;
            for echo in echoes {
                echoed += echo.await??;
            }
            Ok(Held { echoed, accepted: connections, open_at_once, rss })
        }
    }

    fn answered(held: &Held) -> u64 {
        held.echoed
    }
}

/// Echoes 8-byte pings until the client closes, in owned buffers of one ping; returns
/// how many it answered. `open` counts the connections not yet closed.
async fn echo<S: TcpStream>(stream: S, open: Arc<AtomicUsize>) -> Result<u64, ScenarioError> {
    let echoed = io_support::echo(stream, Vec::with_capacity(PING)).await;
    open.fetch_sub(1, Ordering::SeqCst);
    let echoed = echoed?;
    ScenarioError::ensure(echoed % PING as u64 == 0, || {
        format!("a connection echoed {echoed} bytes, not a whole number of {PING}-byte pings")
    })?;
    Ok(echoed / PING as u64)
}
