//! The reference executor's twins, on its own API rather than the contract's: the
//! adapter's [`Executor`] (`native()`), passed to the roots as a value, its `spawn` and
//! join handle (awaited, or dropped to detach), and its `block_on` driving the root, as
//! the adapter does on this single-thread flavour. What the twin skips is the contract's
//! way in: `Runtime::spawn` finding the executor in a thread-local. The handle is the
//! same type either way (the executor was written to the contract). It has no yield of
//! its own (the adapter uses the contract's default: wake, then `Pending` once), so the
//! twin uses futures-lite's, which does the same.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;

use futures_lite::future::yield_now;
use rtbench_adapters::reference::{connect, Executor, Reactor, Reference, Socket, TcpListener};
use rtbench_core::io::{TcpListener as _, TcpStream as _};
use rtbench_core::{Outcome, Params, Runtime, ScenarioError};
use rtbench_scenarios::chained_spawn::{self, Link};
use rtbench_scenarios::measure::timed;
use rtbench_scenarios::spawn_many::Spawned;
use rtbench_scenarios::{ping_pong, tcp_round_trip, yield_many};

use crate::tcp::{self, NativeTcp, LOOPBACK};
use crate::{Twin, Twins, Workload};

impl Twins for Reference {
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

/// Drives `root` (given the executor) with the executor's `block_on`.
fn run<F: Future>(runtime: &Reference, root: impl FnOnce(Rc<Executor>) -> F) -> F::Output {
    let executor = runtime.native();
    executor.block_on(root(Rc::clone(executor)))
}

fn spawn_many(runtime: &Reference, params: &Params) -> Result<Outcome, ScenarioError> {
    let spawned = Spawned::new(params);
    let bodies = spawned.bodies();
    let (index_sum, elapsed) = run(runtime, |executor| {
        timed(async move {
            let handles: Vec<_> = bodies.map(|body| executor.spawn(body)).collect();
            let mut index_sum = 0;
            for handle in handles {
                index_sum += handle.await?;
            }
            Ok::<_, ScenarioError>(index_sum)
        })
    });
    spawned.outcome(index_sum?, elapsed)
}

fn yield_many(runtime: &Reference, params: &Params) -> Result<Outcome, ScenarioError> {
    let (tasks, yields) = (params.get("tasks"), params.get("yields"));
    let (tallies, elapsed) = run(runtime, |executor| {
        timed(async move {
            let handles: Vec<_> = (0..tasks)
                .map(|_| executor.spawn(yield_many::yielder(yields, yield_now)))
                .collect();
            let mut tallies = Vec::with_capacity(handles.len());
            for handle in handles {
                tallies.push(handle.await?);
            }
            Ok::<_, ScenarioError>(tallies)
        })
    });
    yield_many::outcome(Reference::INFO.class, yields, &tallies?, elapsed)
}

fn ping_pong(runtime: &Reference, params: &Params) -> Result<Outcome, ScenarioError> {
    let rounds = params.get("rounds");
    let (finals, elapsed) = run(runtime, |executor| {
        timed(async move {
            let (server, returner) = ping_pong::players(rounds);
            let (server, returner) = (executor.spawn(server), executor.spawn(returner));
            Ok::<_, ScenarioError>((server.await?, returner.await?))
        })
    });
    ping_pong::outcome(rounds, finals?, elapsed)
}

fn chained_spawn(runtime: &Reference, params: &Params) -> Result<Outcome, ScenarioError> {
    let depth = params.get("depth");
    let (reached, elapsed) = run(runtime, |executor| {
        timed(async move {
            let (first, reached) = chained_spawn::chain(depth);
            hop(executor, first);
            reached.recv().await
        })
    });
    chained_spawn::outcome(depth, reached, elapsed)
}

fn tcp_round_trip(runtime: &Reference, params: &Params) -> Result<Outcome, ScenarioError> {
    let (rounds, size) = (params.get("rounds"), params.count("size"));
    let (echoed, elapsed) = run(runtime, |executor| {
        let exchange = async move {
            let net = ReferenceNet(Arc::clone(executor.reactor()));
            let (listener, addr) = net.bind().await?;
            let server = executor.spawn(tcp::serve::<ReferenceNet>(listener, size));
            tcp::client(&net, addr, rounds, size).await?;
            Ok::<_, ScenarioError>(server.await??)
        };
        // Its timer is the one the contract's `sleep` gives (it has no other API).
        timed(tcp::within(rounds, exchange, Reference::sleep))
    });
    tcp_round_trip::outcome(rounds, size, echoed, elapsed)
}

/// The reference reactor's listener and socket, given the reactor explicitly (not the
/// contract's thread-local way in). Its listener's `accept` and `connect` give the
/// adapter's stream; the socket under it is what the reactor reads and writes.
struct ReferenceNet(Arc<Reactor>);

impl NativeTcp for ReferenceNet {
    type Listener = TcpListener;
    type Stream = Socket;

    async fn bind(&self) -> io::Result<(Self::Listener, SocketAddr)> {
        let listener = TcpListener::bind(&self.0, LOOPBACK)?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        Ok(listener.accept().await?.0.into_poll_io())
    }

    async fn connect(&self, addr: SocketAddr) -> io::Result<Self::Stream> {
        Ok(connect(&self.0, addr).await?.into_poll_io())
    }
}

/// One link of the chain: the next one in a task whose handle is dropped (detached).
#[inline]
fn hop(executor: Rc<Executor>, link: Link) {
    if let Some(next) = link.next() {
        let carried = Rc::clone(&executor);
        drop(executor.spawn(async move { hop(carried, next) }));
    }
}
