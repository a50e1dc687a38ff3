//! The contract's join handle for runtimes whose own handle cannot abort the way the
//! contract says: monoio's has no cancel at all, and compio's `cancel().await` returns
//! before the task's future has been dropped (compio drops it at the executor's next
//! turn), while the contract's awaited handle must come back only once the aborted
//! future's destructors ran.
//!
//! The task runs as `Abortable(catch_panic(future))` (`futures::future::Abortable`: one
//! shared allocation per spawn, for the abort flag and the task's waker). `abort` sets
//! the flag and wakes the task; its next poll returns `Err(Aborted)` without polling the
//! user's future, the task completes, and the runtime drops the future in place *before*
//! it wakes the handle (both monoio and compio do), so awaiting the handle gives
//! `Cancelled` only after the cleanup. A task that finished before the abort gives its
//! value. Dropping the handle must detach the task: the native handle does (monoio's), or
//! is wrapped to (compio's).

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures::future::{AbortHandle, Abortable, Aborted};
use rtbench_core::{Abort, JoinError};

use crate::support::catch_panic::{catch_panic, join_result, CatchPanic, Caught};

/// The future a runtime spawns for [`AbortableHandle`].
pub type AbortableTask<F> = Abortable<CatchPanic<F>>;

/// A native handle, awaited for the task's caught output (or `Aborted`), with an abort
/// switch on the task.
pub struct AbortableHandle<N> {
    task: N,
    abort: AbortHandle,
}

impl<N> AbortableHandle<N> {
    /// Spawns `future`, its panic caught and made abortable, with `spawn` (the runtime's
    /// own), which gives the native handle.
    pub fn spawn<F: Future>(future: F, spawn: impl FnOnce(AbortableTask<F>) -> N) -> Self {
        let (abort, registration) = AbortHandle::new_pair();
        AbortableHandle { task: spawn(Abortable::new(catch_panic(future), registration)), abort }
    }
}

impl<T, N> Future for AbortableHandle<N>
where
    N: Future<Output = Result<Caught<T>, Aborted>> + Unpin,
{
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(match ready!(Pin::new(&mut self.task).poll(cx)) {
            Ok(caught) => join_result(caught),
            Err(Aborted) => Err(JoinError::Cancelled),
        })
    }
}

impl<N> Abort for AbortableHandle<N> {
    fn abort(&self) {
        self.abort.abort();
    }
}
