//! tokio's twins, as tokio's own benches write them: `tokio::spawn` and its
//! `JoinHandle`, `tokio::task::yield_now`, `tokio::net` with tokio's `AsyncReadExt` /
//! `AsyncWriteExt`, `Runtime::block_on`, on the adapter's runtime
//! ([`Tokio::native`]). On `tokio-mt` the root runs in a spawned task, as the adapter
//! puts it; on `tokio-ct` in `block_on` itself, without the adapter's `LocalSet` (only
//! its `spawn_local` needs one).

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use rtbench_adapters::tokio::{self as adapter, Tokio};
use rtbench_core::{Outcome, Params, Runtime, ScenarioError};
use rtbench_scenarios::chained_spawn::{self, Link};
use rtbench_scenarios::io_support::{fill_pattern, stalled};
use rtbench_scenarios::measure::timed;
use rtbench_scenarios::spawn_many::Spawned;
use rtbench_scenarios::{ping_pong, tcp_round_trip, yield_many};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::{Semantic, Twin, Twins, Workload};

impl<const MULTI: bool> Twins for Tokio<MULTI> {
    const SEMANTICS: &'static [Semantic<Self>] = &[
        Semantic { name: GUARD, workload: Workload::YieldMany, twin: yield_many::<MULTI, true> },
        Semantic { name: GUARD, workload: Workload::PingPong, twin: ping_pong::<MULTI, true> },
    ];

    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str> {
        Ok(match workload {
            Workload::SpawnMany => spawn_many,
            Workload::YieldMany => yield_many::<MULTI, false>,
            Workload::PingPong => ping_pong::<MULTI, false>,
            Workload::ChainedSpawn => chained_spawn,
            Workload::TcpRoundTrip => tcp_round_trip,
        })
    }
}

/// What the adapter adds to a tokio task: its semantic line's name.
const GUARD: &str = "recording unretrieved panics (rethrow_as_guard: a catch_unwind per poll)";

/// Runs the root where the adapter does: spawned on `tokio-mt`, in `block_on` on
/// `tokio-ct`.
fn run<const MULTI: bool, F>(runtime: &Tokio<MULTI>, root: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let runtime = runtime.native();
    if MULTI {
        let root = runtime.block_on(async { tokio::spawn(root).await });
        root.unwrap_or_else(|error| panic!("the root task failed: {error}"))
    } else {
        runtime.block_on(root)
    }
}

/// A task's result, its `JoinError` as the contract's conversion words it.
fn joined<T>(result: Result<T, tokio::task::JoinError>) -> Result<T, ScenarioError> {
    result.map_err(|error| ScenarioError::Check(format!("a task failed: {error}")))
}

fn spawn_many<const MULTI: bool>(
    runtime: &Tokio<MULTI>,
    params: &Params,
) -> Result<Outcome, ScenarioError> {
    let spawned = Spawned::new(params);
    let bodies = spawned.bodies();
    let (index_sum, elapsed) = run(
        runtime,
        timed(async move {
            let handles: Vec<_> = bodies.map(tokio::spawn).collect();
            let mut index_sum = 0;
            for handle in handles {
                index_sum += joined(handle.await)?;
            }
            Ok::<_, ScenarioError>(index_sum)
        }),
    );
    spawned.outcome(index_sum?, elapsed)
}

/// `yield_many`; `GUARDED` as for [`ping_pong`].
fn yield_many<const MULTI: bool, const GUARDED: bool>(
    runtime: &Tokio<MULTI>,
    params: &Params,
) -> Result<Outcome, ScenarioError> {
    let (tasks, yields) = (params.get("tasks"), params.get("yields"));
    let (tallies, elapsed) = run(
        runtime,
        timed(async move {
            let handles: Vec<_> = (0..tasks)
                .map(|_| spawn::<GUARDED, _>(yield_many::yielder(yields, tokio::task::yield_now)))
                .collect();
            let mut tallies = Vec::with_capacity(handles.len());
            for handle in handles {
                tallies.push(joined(handle.await)?);
            }
            Ok::<_, ScenarioError>(tallies)
        }),
    );
    yield_many::outcome(Tokio::<MULTI>::INFO.class, yields, &tallies?, elapsed)
}

/// `ping_pong`; `GUARDED` wraps both players as the adapter wraps a task
/// ([`adapter::task`]: the guard, its future's poll kept a call of its own), which is
/// all it adds to a tokio task (the [`Semantic`]).
fn ping_pong<const MULTI: bool, const GUARDED: bool>(
    runtime: &Tokio<MULTI>,
    params: &Params,
) -> Result<Outcome, ScenarioError> {
    let rounds = params.get("rounds");
    let (finals, elapsed) = run(
        runtime,
        timed(async move {
            let (server, returner) = ping_pong::players(rounds);
            let (server, returner) = (spawn::<GUARDED, _>(server), spawn::<GUARDED, _>(returner));
            Ok::<_, ScenarioError>((joined(server.await)?, joined(returner.await)?))
        }),
    );
    ping_pong::outcome(rounds, finals?, elapsed)
}

fn chained_spawn<const MULTI: bool>(
    runtime: &Tokio<MULTI>,
    params: &Params,
) -> Result<Outcome, ScenarioError> {
    let depth = params.get("depth");
    let (reached, elapsed) = run(
        runtime,
        timed(async move {
            let (first, reached) = chained_spawn::chain(depth);
            hop(first);
            reached.recv().await
        }),
    );
    chained_spawn::outcome(depth, reached, elapsed)
}

/// `tokio::spawn`, of the adapter's task of `future` ([`adapter::task`]) if `GUARDED`.
fn spawn<const GUARDED: bool, F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if GUARDED {
        tokio::spawn(adapter::task(future))
    } else {
        tokio::spawn(future)
    }
}

fn tcp_round_trip<const MULTI: bool>(
    runtime: &Tokio<MULTI>,
    params: &Params,
) -> Result<Outcome, ScenarioError> {
    let (rounds, size) = (params.get("rounds"), params.count("size"));
    let (echoed, elapsed) = run(
        runtime,
        timed(async move {
            let limit = tcp_round_trip::deadline(rounds);
            let exchange = async move {
                let listener =
                    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
                let addr = listener.local_addr()?;
                let server = tokio::spawn(serve(listener, size));
                client(addr, rounds, size).await?;
                Ok::<_, ScenarioError>(joined(server.await)??)
            };
            tokio::time::timeout(limit, exchange)
                .await
                .unwrap_or_else(|_| Err(stalled(tcp_round_trip::WHAT, limit)))
        }),
    );
    tcp_round_trip::outcome(rounds, size, echoed, elapsed)
}

/// The server task: accepts one connection and echoes it until the client closes, in
/// reads of at most one message; returns the bytes echoed.
async fn serve(listener: TcpListener, size: usize) -> io::Result<u64> {
    let (mut stream, _) = listener.accept().await?;
    stream.set_nodelay(true)?;
    let (mut buf, mut echoed) = (vec![0; size], 0);
    loop {
        let read = stream.read(&mut buf).await?;
        if read == 0 {
            return Ok(echoed);
        }
        stream.write_all(&buf[..read]).await?;
        echoed += read as u64;
    }
}

/// The client: connects, runs `rounds` checked round trips, closes (by dropping).
async fn client(addr: SocketAddr, rounds: u64, size: usize) -> Result<(), ScenarioError> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (mut message, mut reply) = (vec![0; size], vec![0; size]);
    for round in 0..rounds {
        fill_pattern(tcp_round_trip::seed(round), &mut message);
        stream.write_all(&message).await?;
        stream.read_exact(&mut reply).await?;
        tcp_round_trip::check_reply(round, &reply)?;
    }
    Ok(())
}

/// One link of the chain: the next one in a detached task.
#[inline]
fn hop(link: Link) {
    if let Some(next) = link.next() {
        drop(tokio::spawn(async move { hop(next) }));
    }
}
