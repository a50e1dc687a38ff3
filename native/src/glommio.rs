//! glommio's twins, as glommio's documentation writes them: `glommio::spawn_local` and
//! its `Task` (awaited, or `detach`ed), `ExecutorProxy::yield_now`, and the
//! `LocalExecutor`'s `run` driving the root — on the adapter's executor
//! ([`Glommio::native`]). The workloads are [`crate::local`]'s.

use std::future::Future;

use rtbench_adapters::glommio::Glommio;

use crate::local::{self, LocalTwins};
use crate::{Twin, Twins, Workload};

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
