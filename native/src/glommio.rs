//! glommio's twins, as glommio's documentation writes them: `glommio::spawn_local` and
//! its `Task` (awaited, or `detach`ed), `ExecutorProxy::yield_now`, and the
//! `LocalExecutor`'s `run` driving the root — on the adapter's executor
//! ([`Glommio::native`]).

use std::future::Future;

use rtbench_adapters::glommio::Glommio;
use rtbench_adapters::support::catch_panic::{catch_panic, join_result};
use rtbench_core::{JoinError, Outcome, Params, Runtime, ScenarioError};
use rtbench_scenarios::chained_spawn::{self, Link};
use rtbench_scenarios::measure::timed;
use rtbench_scenarios::spawn_many::Spawned;
use rtbench_scenarios::{ping_pong, yield_many};

use crate::{Semantic, Twin, Twins, Workload};

impl Twins for Glommio {
    const SEMANTICS: &'static [Semantic<Self>] = &[
        Semantic {
            name: "catching panics",
            workload: Workload::SpawnMany,
            twin: |runtime, params| {
                let spawned = Spawned::new(params);
                let spawn = |body| glommio::spawn_local(catch_panic(body));
                spawn_many_with(runtime, &spawned, spawned.bodies(), spawn, join_result)
            },
        },
        Semantic {
            name: "drop = detach (a detached task's JoinHandle)",
            workload: Workload::SpawnMany,
            twin: |runtime, params| {
                let spawned = Spawned::new(params);
                let spawn = |body| glommio::spawn_local(body).detach();
                let join = |joined: Option<usize>| joined.ok_or(JoinError::Cancelled);
                spawn_many_with(runtime, &spawned, spawned.bodies(), spawn, join)
            },
        },
    ];

    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str> {
        Ok(match workload {
            Workload::SpawnMany => |runtime, params| {
                let spawned = Spawned::new(params);
                spawn_many_with(runtime, &spawned, spawned.bodies(), glommio::spawn_local, Ok)
            },
            Workload::YieldMany => yield_many,
            Workload::PingPong => ping_pong,
            Workload::ChainedSpawn => chained_spawn,
        })
    }
}

/// `spawn_many` of `spawned`'s `bodies`: each spawned by `spawn`, each handle's output turned into the
/// body's value by `join` (`Ok` for glommio's own `Task`; the semantics' twins add one
/// semantic each, as the adapter does it).
fn spawn_many_with<B: Future<Output = usize>, H: Future>(
    runtime: &Glommio,
    spawned: &Spawned,
    bodies: impl Iterator<Item = B>,
    spawn: impl Fn(B) -> H,
    join: impl Fn(H::Output) -> Result<usize, JoinError>,
) -> Result<Outcome, ScenarioError> {
    let (index_sum, elapsed) = runtime.native().run(timed(async move {
        let handles: Vec<_> = bodies.map(spawn).collect();
        let mut index_sum = 0;
        for handle in handles {
            index_sum += join(handle.await)?;
        }
        Ok::<_, JoinError>(index_sum)
    }));
    spawned.outcome(index_sum?, elapsed)
}

fn yield_many(runtime: &Glommio, params: &Params) -> Result<Outcome, ScenarioError> {
    let (tasks, yields) = (params.get("tasks"), params.get("yields"));
    let (tallies, elapsed) = runtime.native().run(timed(async move {
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                glommio::spawn_local(yield_many::yielder(yields, || async {
                    glommio::executor().yield_now().await
                }))
            })
            .collect();
        let mut tallies = Vec::with_capacity(handles.len());
        for handle in handles {
            tallies.push(handle.await);
        }
        tallies
    }));
    yield_many::outcome(Glommio::INFO.class, yields, &tallies, elapsed)
}

fn ping_pong(runtime: &Glommio, params: &Params) -> Result<Outcome, ScenarioError> {
    let rounds = params.get("rounds");
    let (finals, elapsed) = runtime.native().run(timed(async move {
        let (server, returner) = ping_pong::players(rounds);
        let (server, returner) = (glommio::spawn_local(server), glommio::spawn_local(returner));
        (server.await, returner.await)
    }));
    ping_pong::outcome(rounds, finals, elapsed)
}

fn chained_spawn(runtime: &Glommio, params: &Params) -> Result<Outcome, ScenarioError> {
    let depth = params.get("depth");
    let (reached, elapsed) = runtime.native().run(timed(async move {
        let (first, reached) = chained_spawn::chain(depth);
        hop(first);
        reached.recv().await
    }));
    chained_spawn::outcome(depth, reached, elapsed)
}

/// One link of the chain: the next one in a detached task.
fn hop(link: Link) {
    if let Some(next) = link.next() {
        glommio::spawn_local(async move { hop(next) }).detach();
    }
}
