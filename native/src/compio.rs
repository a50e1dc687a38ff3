//! compio's twins, as compio's examples write them: `compio::runtime::spawn` and its
//! `JoinHandle` (awaited and unwrapped — it returns the task's panic as an error — or
//! `detach`ed), and the runtime's `block_on` driving the root — on the adapter's
//! runtime ([`Compio::native`]). compio has no public `yield_now`; its users write
//! `futures_lite::future::yield_now` (wake, `Pending` once; compio queues a self-woken
//! task behind the ready ones), as the adapter's does. The workloads are
//! [`crate::local`]'s.

use std::future::Future;

use rtbench_adapters::compio::Compio;

use crate::local::{self, LocalTwins};
use crate::{Twin, Twins, Workload};

impl LocalTwins for Compio {
    fn spawn_native<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let handle = compio::runtime::spawn(future);
        async move { handle.await.unwrap_or_else(|error| panic!("compio task: {error}")) }
    }

    fn spawn_detached(future: impl Future<Output = ()> + 'static) {
        compio::runtime::spawn(future).detach();
    }

    fn run_native<F: Future>(&self, root: F) -> F::Output {
        self.native().block_on(root)
    }
}

impl Twins for Compio {
    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str> {
        local::twin(
            workload,
            Ok(|runtime, params| {
                local::yield_many(runtime, params, futures_lite::future::yield_now)
            }),
        )
    }
}
