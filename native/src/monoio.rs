//! monoio's twins, as monoio's examples write them: `monoio::spawn` and its
//! `JoinHandle` (awaited, or dropped: it detaches), and the runtime's `block_on` driving
//! the root — on the adapter's runtime ([`Monoio::native`]). The workloads are
//! [`crate::local`]'s; `yield_many` has no twin (see [`NO_NATIVE_YIELD`]).

use std::future::Future;

use rtbench_adapters::monoio::Monoio;

use crate::local::{self, LocalTwins};
use crate::{Twin, Twins, Workload};

/// Why `yield_many` has no monoio twin.
pub const NO_NATIVE_YIELD: &str = "monoio has no yield of its own, and re-polls a task woken \
     during its poll at once (front of its queue): the usual yield lets no other task run";

impl LocalTwins for Monoio {
    fn spawn_native<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        monoio::spawn(future)
    }

    fn spawn_detached(future: impl Future<Output = ()> + 'static) {
        drop(monoio::spawn(future));
    }

    fn run_native<F: Future>(&self, root: F) -> F::Output {
        self.native().block_on(root)
    }
}

impl Twins for Monoio {
    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str> {
        local::twin(workload, Err(NO_NATIVE_YIELD))
    }
}
