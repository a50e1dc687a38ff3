//! One fresh runtime per experiment, on a thread of its own, for the probes of runtimes
//! whose executor can be left broken by an experiment (a panic unwinding out of it) and
//! which keep per-thread state (glommio, monoio, compio).

use std::future::Future;

use super::{FdSnapshot, IoBackend};

/// A runtime the probes build afresh for each experiment.
pub trait FreshRuntime: Sized {
    /// Builds it on the calling thread, or says why it cannot be built.
    fn build() -> Result<Self, String>;

    /// Its own `block_on`.
    fn block_on<F: Future>(&mut self, future: F) -> F::Output;
}

/// Runs the root made by `root` on a fresh `R` on a fresh thread; the outer error is
/// "could not be built", the inner one a panic that escaped the runtime.
pub fn fresh<R, F, T>(
    root: impl FnOnce() -> F + Send + 'static,
) -> Result<std::thread::Result<T>, String>
where
    R: FreshRuntime,
    F: Future<Output = T> + 'static,
    T: Send + 'static,
{
    std::thread::spawn(move || {
        let mut runtime = R::build()?;
        Ok(super::catching(|| runtime.block_on(async move { root().await })))
    })
    .join()
    .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}

/// [`fresh`] for experiments that never panic.
pub fn run<R, F, T>(root: impl FnOnce() -> F + Send + 'static) -> Result<T, String>
where
    R: FreshRuntime,
    F: Future<Output = T> + 'static,
    T: Send + 'static,
{
    fresh::<R, F, T>(root)?.map_err(|payload| rtbench_core::task::payload_message(payload.as_ref()))
}

/// The I/O backend of a fresh `R`: the descriptors its build opens and those of a
/// listener bound by `bind` (kept open while they are counted), seen against a
/// snapshot taken before the build.
pub fn io_backend<R, L, F>(bind: impl FnOnce() -> F + Send + 'static) -> Result<IoBackend, String>
where
    R: FreshRuntime,
    F: Future<Output = Result<L, String>>,
{
    std::thread::spawn(move || {
        let before = FdSnapshot::take();
        let mut runtime = R::build()?;
        runtime.block_on(async {
            let _listener = bind().await?;
            Ok(IoBackend::observe(None, &before, &FdSnapshot::take()))
        })
    })
    .join()
    .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}
