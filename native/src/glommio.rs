//! glommio's twins, as glommio's documentation writes them: `glommio::spawn_local` and
//! its `Task` (awaited, or `detach`ed), `ExecutorProxy::yield_now`, and the
//! `LocalExecutor`'s `run` driving the root — on the adapter's executor
//! ([`Glommio::native`]). The workloads are [`crate::local`]'s.

use std::future::Future;

use rtbench_adapters::glommio::Glommio;
use rtbench_adapters::support::catch_panic::{catch_panic, join_result};
use rtbench_core::JoinError;
use rtbench_scenarios::spawn_many::Spawned;

use crate::local::{self, LocalTwins};
use crate::{Semantic, Twin, Twins, Workload};

impl LocalTwins for Glommio {
    fn spawn_native<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        glommio::spawn_local(future)
    }

    fn spawn_detached(future: impl Future<Output = ()> + 'static) {
        glommio::spawn_local(future).detach();
    }

    fn run_native<F: Future>(&self, root: F) -> F::Output {
        self.native().run(root)
    }
}

impl Twins for Glommio {
    const SEMANTICS: &'static [Semantic<Self>] = &[
        Semantic {
            name: "catching panics",
            workload: Workload::SpawnMany,
            twin: |runtime, params| {
                let spawned = Spawned::new(params);
                let spawn = |body| glommio::spawn_local(catch_panic(body));
                local::spawn_many_with(runtime, &spawned, spawned.bodies(), spawn, join_result)
            },
        },
        Semantic {
            name: "drop = detach (a detached task's JoinHandle)",
            workload: Workload::SpawnMany,
            twin: |runtime, params| {
                let spawned = Spawned::new(params);
                let spawn = |body| glommio::spawn_local(body).detach();
                let join = |joined: Option<usize>| joined.ok_or(JoinError::Cancelled);
                local::spawn_many_with(runtime, &spawned, spawned.bodies(), spawn, join)
            },
        },
    ];

    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str> {
        local::twin(
            workload,
            Ok(|runtime, params| {
                local::yield_many(runtime, params, || async {
                    glommio::executor().yield_now().await
                })
            }),
        )
    }
}
