//! The twins written once for the thread-per-core runtimes (glommio, monoio, compio):
//! their `spawn` is a free function acting on the calling thread's runtime, their
//! handles are awaited for the task's value, their chains spawn detached tasks, and
//! their roots run under the runtime's own `block_on`. Each runtime says only how it does
//! those three things ([`LocalTwins`]) and how it yields (its `yield_many` twin, or why it
//! has none); the workloads are these same functions, so the three columns compare like
//! with like.

use std::future::Future;
use std::marker::PhantomData;

use rtbench_adapters::support::catch_panic::{block_on_resuming, catch_panic, join_result};
use rtbench_core::{JoinError, Outcome, Params, Runtime, ScenarioError};
use rtbench_scenarios::chained_spawn::{self, Link};
use rtbench_scenarios::measure::timed;
use rtbench_scenarios::ping_pong::{Last, Player};
use rtbench_scenarios::spawn_many::Spawned;
use rtbench_scenarios::yield_many::Tally;
use rtbench_scenarios::{ping_pong, yield_many};

use crate::{Semantic, Twin, Workload};

/// A thread-per-core runtime's own API, by what the twins use.
pub trait LocalTwins: Runtime {
    /// Spawns `future` with the runtime's own spawn; the handle, awaited, gives its value.
    fn spawn_native<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static;

    /// Spawns `future` and lets it run with nobody holding its handle.
    fn spawn_detached<F>(future: F)
    where
        F: Future + 'static,
        F::Output: 'static;

    /// Drives `root` with the runtime's own `block_on`, on the adapter's instance.
    fn run_native<F: Future>(&self, root: F) -> F::Output;
}

/// The twin of `workload` on `R`; `yield_many` is the runtime's own (written with
/// [`yield_many`] and its yield), or why it has none, and `tcp_round_trip` its own TCP
/// round trip (on its own sockets, so written per runtime), or why it has none.
pub fn twin<R: LocalTwins>(
    workload: Workload,
    yield_many: Result<Twin<R>, &'static str>,
    tcp_round_trip: Result<Twin<R>, &'static str>,
) -> Result<Twin<R>, &'static str> {
    Ok(match workload {
        Workload::SpawnMany => spawn_many::<R>,
        Workload::YieldMany => yield_many?,
        Workload::PingPong => ping_pong::<R>,
        Workload::ChainedSpawn => chained_spawn::<R>,
        Workload::TcpRoundTrip => tcp_round_trip?,
    })
}

fn spawn_many<R: LocalTwins>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
    let spawned = Spawned::new(params);
    spawn_many_with(runtime, &spawned, spawned.bodies(), R::spawn_native, Ok)
}

/// `spawn_many` of `spawned`'s `bodies`, each spawned by `spawn` and each handle's output
/// turned into the body's value by `join`: `Ok` for the runtime's own handle; the
/// semantics' twins ([`crate::Semantic`]) add one normalised semantic each, as the
/// adapter does it.
pub fn spawn_many_with<R: LocalTwins, B: Future<Output = usize>, H: Future>(
    runtime: &R,
    spawned: &Spawned,
    bodies: impl Iterator<Item = B>,
    spawn: impl Fn(B) -> H,
    join: impl Fn(H::Output) -> Result<usize, JoinError>,
) -> Result<Outcome, ScenarioError> {
    let (index_sum, elapsed) = runtime.run_native(timed(async move {
        let handles: Vec<_> = bodies.map(spawn).collect();
        let mut index_sum = 0;
        for handle in handles {
            index_sum += join(handle.await)?;
        }
        Ok::<_, JoinError>(index_sum)
    }));
    spawned.outcome(index_sum?, elapsed)
}

/// The "catching panics" semantic line on `workload` (`spawn_many` or `chained_spawn`),
/// for a runtime that catches no panic itself and whose adapter catches it in the
/// task's output (glommio): the native twin, each task's panic caught.
#[allow(dead_code, reason = "unused in a build without glommio")]
pub const fn catching_panics<R: LocalTwins>(workload: Workload) -> Semantic<R> {
    let twin: Twin<R> = match workload {
        Workload::SpawnMany => spawn_many_catching_panics::<R>,
        Workload::ChainedSpawn => chained_spawn_with::<R, CatchingPanics<R>>,
        _ => panic!("catching panics is measured on spawn_many and chained_spawn"),
    };
    Semantic { name: "catching panics", workload, twin }
}

/// `spawn_many` on the runtime's own spawn, each task's panic caught as the adapters
/// catch it.
#[allow(dead_code, reason = "unused in a build without glommio")]
fn spawn_many_catching_panics<R: LocalTwins>(
    runtime: &R,
    params: &Params,
) -> Result<Outcome, ScenarioError> {
    let spawned = Spawned::new(params);
    let spawn = |body| R::spawn_native(catch_panic(body));
    spawn_many_with(runtime, &spawned, spawned.bodies(), spawn, join_result)
}

/// `spawn_many` through the contract's own `spawn_local` — the adapter's task and
/// handle, with every semantic they add — under the runtime's own `block_on`: the line
/// for runtimes whose adapter adds several semantics in one wrapper (monoio, compio).
#[allow(dead_code, reason = "unused in a build whose only such runtime is glommio")]
pub fn spawn_many_through_adapter<R: LocalTwins>(
    runtime: &R,
    params: &Params,
) -> Result<Outcome, ScenarioError> {
    let spawned = Spawned::new(params);
    spawn_many_with(runtime, &spawned, spawned.bodies(), R::spawn_local, |joined| joined)
}

/// The `yield_many` workload, each task yielding with `yield_now`.
#[allow(
    dead_code,
    reason = "unused in a build whose only such runtime has no native yield (monoio)"
)]
pub fn yield_many<R: LocalTwins, Y: Future<Output = ()> + 'static>(
    runtime: &R,
    params: &Params,
    yield_now: fn() -> Y,
) -> Result<Outcome, ScenarioError> {
    yield_many_with(runtime, params, yielders(params, yield_now), R::spawn_native, Ok)
}

/// The task bodies of `yield_many` with `params`, each yielding with `yield_now`.
#[allow(dead_code, reason = "as for `yield_many`")]
pub fn yielders<Y: Future<Output = ()> + 'static>(
    params: &Params,
    yield_now: fn() -> Y,
) -> impl Iterator<Item = impl Future<Output = Tally> + 'static> {
    let (tasks, yields) = (params.get("tasks"), params.get("yields"));
    (0..tasks).map(move |_| yield_many::yielder(yields, yield_now))
}

/// `yield_many` of `bodies` ([`yielders`]), each spawned by `spawn` and each handle's
/// output turned into its tally by `join` (see [`spawn_many_with`]).
#[allow(dead_code, reason = "as for `yield_many`")]
pub fn yield_many_with<R: LocalTwins, B: Future<Output = Tally>, H: Future>(
    runtime: &R,
    params: &Params,
    bodies: impl Iterator<Item = B>,
    spawn: impl Fn(B) -> H,
    join: impl Fn(H::Output) -> Result<Tally, JoinError>,
) -> Result<Outcome, ScenarioError> {
    let (tallies, elapsed) = runtime.run_native(timed(async move {
        let handles: Vec<_> = bodies.map(spawn).collect();
        let mut tallies = Vec::with_capacity(handles.len());
        for handle in handles {
            tallies.push(join(handle.await)?);
        }
        Ok::<_, JoinError>(tallies)
    }));
    yield_many::outcome(R::INFO.class, params.get("yields"), &tallies?, elapsed)
}

fn ping_pong<R: LocalTwins>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
    ping_pong_with(runtime, params, R::spawn_native, Ok, Root::Native)
}

/// How a `ping_pong` twin's root runs under the runtime's own `block_on`.
#[derive(Clone, Copy)]
pub enum Root {
    /// As it is.
    Native,
    /// Its panic caught inside and resumed on the caller, as the adapters' `block_on`
    /// does ([`block_on_resuming`]).
    #[allow(dead_code, reason = "unused in a build without compio")]
    CatchingPanics,
}

/// `ping_pong` with each player spawned by `spawn` and each handle's output turned into
/// the player's result by `join` (see [`spawn_many_with`]), the root run as `root` says.
pub fn ping_pong_with<R: LocalTwins, H: Future>(
    runtime: &R,
    params: &Params,
    spawn: impl Fn(Player) -> H,
    join: impl Fn(H::Output) -> Result<Last, JoinError>,
    root: Root,
) -> Result<Outcome, ScenarioError> {
    let rounds = params.get("rounds");
    let game = timed(async move {
        let (server, returner) = ping_pong::players(rounds);
        let (server, returner) = (spawn(server), spawn(returner));
        Ok::<_, JoinError>((join(server.await)?, join(returner.await)?))
    });
    let (finals, elapsed) = match root {
        Root::Native => runtime.run_native(game),
        Root::CatchingPanics => block_on_resuming(game, |game| runtime.run_native(game)),
    };
    ping_pong::outcome(rounds, finals?, elapsed)
}

/// How a chain's link spawns the next one with nobody holding its handle: natively
/// ([`LocalTwins::spawn_detached`]), or with a normalised semantic added.
pub trait Detach {
    /// Spawns `future`, detached.
    fn detach(future: impl Future<Output = ()> + 'static);
}

/// The runtime's own detached spawn.
struct Native<R>(PhantomData<R>);

impl<R: LocalTwins> Detach for Native<R> {
    fn detach(future: impl Future<Output = ()> + 'static) {
        R::spawn_detached(future);
    }
}

/// Chain links spawned natively, each task's panic caught as the adapters catch it.
#[allow(dead_code, reason = "unused in a build without glommio")]
struct CatchingPanics<R>(PhantomData<R>);

impl<R: LocalTwins> Detach for CatchingPanics<R> {
    fn detach(future: impl Future<Output = ()> + 'static) {
        R::spawn_detached(catch_panic(future));
    }
}

/// Chain links spawned through the contract's own `spawn_local` (the adapter's task and
/// handle), handles dropped.
#[allow(dead_code, reason = "unused in a build whose only such runtime is glommio or compio")]
pub struct ThroughAdapter<R>(PhantomData<R>);

impl<R: LocalTwins> Detach for ThroughAdapter<R> {
    fn detach(future: impl Future<Output = ()> + 'static) {
        drop(R::spawn_local(future));
    }
}

fn chained_spawn<R: LocalTwins>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
    chained_spawn_with::<R, Native<R>>(runtime, params)
}

/// `chained_spawn`, each link spawning the next with `D`.
pub fn chained_spawn_with<R: LocalTwins, D: Detach>(
    runtime: &R,
    params: &Params,
) -> Result<Outcome, ScenarioError> {
    let depth = params.get("depth");
    let (reached, elapsed) = runtime.run_native(timed(async move {
        let (first, reached) = chained_spawn::chain(depth);
        hop::<D>(first);
        reached.recv().await
    }));
    chained_spawn::outcome(depth, reached, elapsed)
}

/// One link of the chain: the next one in a detached task.
#[inline]
fn hop<D: Detach>(link: Link) {
    if let Some(next) = link.next() {
        D::detach(async move { hop::<D>(next) });
    }
}
