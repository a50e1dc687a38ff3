//! async-std's twins, as its documentation writes them: `task::spawn` and its
//! `JoinHandle` (which detaches when dropped), `task::yield_now`, `task::block_on`, with
//! the root in a spawned task as the adapter puts it. async-std has one process-global
//! executor, so this is the adapter's instance by construction.

use std::future::Future;
use std::net::SocketAddr;

use async_std::task;
use rtbench_adapters::async_std::AsyncStd;
use rtbench_core::{Outcome, Params, Runtime, ScenarioError};
use rtbench_scenarios::chained_spawn::{self, Link};
use rtbench_scenarios::measure::timed;
use rtbench_scenarios::spawn_many::Spawned;
use rtbench_scenarios::{ping_pong, tcp_round_trip, yield_many};

use crate::tcp::{self, NativeTcp, LOOPBACK};
use crate::{Twin, Twins, Workload};

impl Twins for AsyncStd {
    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str> {
        Ok(match workload {
            Workload::SpawnMany => spawn_many,
            Workload::YieldMany => yield_many,
            Workload::PingPong => ping_pong,
            Workload::ChainedSpawn => chained_spawn,
            Workload::TcpRoundTrip => tcp_round_trip,
        })
    }
}

/// Runs the root in a spawned task, as the adapter does.
fn run<F>(root: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    task::block_on(task::spawn(root))
}

fn spawn_many(_: &AsyncStd, params: &Params) -> Result<Outcome, ScenarioError> {
    let spawned = Spawned::new(params);
    let bodies = spawned.bodies();
    let (index_sum, elapsed) = run(timed(async move {
        let handles: Vec<_> = bodies.map(task::spawn).collect();
        let mut index_sum = 0;
        for handle in handles {
            index_sum += handle.await;
        }
        index_sum
    }));
    spawned.outcome(index_sum, elapsed)
}

fn yield_many(_: &AsyncStd, params: &Params) -> Result<Outcome, ScenarioError> {
    let (tasks, yields) = (params.get("tasks"), params.get("yields"));
    let (tallies, elapsed) = run(timed(async move {
        let handles: Vec<_> =
            (0..tasks).map(|_| task::spawn(yield_many::yielder(yields, task::yield_now))).collect();
        let mut tallies = Vec::with_capacity(handles.len());
        for handle in handles {
            tallies.push(handle.await);
        }
        tallies
    }));
    yield_many::outcome(AsyncStd::INFO.class, yields, &tallies, elapsed)
}

fn ping_pong(_: &AsyncStd, params: &Params) -> Result<Outcome, ScenarioError> {
    let rounds = params.get("rounds");
    let (finals, elapsed) = run(timed(async move {
        let (server, returner) = ping_pong::players(rounds);
        let (server, returner) = (task::spawn(server), task::spawn(returner));
        (server.await, returner.await)
    }));
    ping_pong::outcome(rounds, finals, elapsed)
}

fn chained_spawn(_: &AsyncStd, params: &Params) -> Result<Outcome, ScenarioError> {
    let depth = params.get("depth");
    let (reached, elapsed) = run(timed(async move {
        let (first, reached) = chained_spawn::chain(depth);
        hop(first);
        reached.recv().await
    }));
    chained_spawn::outcome(depth, reached, elapsed)
}

fn tcp_round_trip(_: &AsyncStd, params: &Params) -> Result<Outcome, ScenarioError> {
    let (rounds, size) = (params.get("rounds"), params.count("size"));
    let exchange = async move {
        let (listener, addr) = AsyncStdNet.bind().await?;
        let server = task::spawn(tcp::serve::<AsyncStdNet>(listener, size));
        tcp::client(&AsyncStdNet, addr, rounds, size).await?;
        Ok::<_, ScenarioError>(server.await?)
    };
    let (echoed, elapsed) = run(timed(tcp::within(rounds, exchange, task::sleep)));
    tcp_round_trip::outcome(rounds, size, echoed, elapsed)
}

/// async-std's own `net`.
struct AsyncStdNet;

impl NativeTcp for AsyncStdNet {
    type Listener = async_std::net::TcpListener;
    type Stream = async_std::net::TcpStream;

    async fn bind(&self) -> std::io::Result<(Self::Listener, SocketAddr)> {
        let listener = async_std::net::TcpListener::bind(LOOPBACK).await?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> std::io::Result<Self::Stream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(&self, addr: SocketAddr) -> std::io::Result<Self::Stream> {
        let stream = async_std::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

/// One link of the chain: the next one in a task whose handle is dropped (detached).
#[inline]
fn hop(link: Link) {
    if let Some(next) = link.next() {
        drop(task::spawn(async move { hop(next) }));
    }
}
