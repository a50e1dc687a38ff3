//! The contract's join handle for runtimes whose own handle cannot abort the way the
//! contract says: monoio's has no cancel at all, and compio's `cancel().await` returns
//! before the task's future has been dropped (compio drops it at the executor's next
//! turn), while the contract's awaited handle must come back only once the aborted
//! future's destructors ran. Both run every task on the thread that spawned it.
//!
//! The task runs as [`AbortableTask`]: the user's future with its panic caught, holding
//! the task side of an abort key; the handle holds the other side (see
//! [`abort_registry`](crate::support::abort_registry): no memory shared, nothing
//! allocated per spawn). `abort` files the key and wakes the task; its next poll returns
//! `Err(Aborted)` without polling the user's future, the task completes, and the
//! runtime drops the future in place *before* it wakes the handle (both monoio and
//! compio do), so awaiting the handle gives `Cancelled` only after the cleanup. A task
//! that finished before the abort gives its value. Dropping the handle must detach the
//! task: the native handle does (monoio's), or is wrapped to (compio's). The handle is
//! `Send`, as the contract's handles are; it aborts on the task's thread only.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use futures::future::Aborted;
use rtbench_core::{Abort, JoinError};

use crate::support::abort_registry::{self, HandleSide, TaskSide};
use crate::support::catch_panic::{catch_panic, join_result, CatchPanic, Caught};

pin_project_lite::pin_project! {
    /// The future a runtime spawns for [`AbortableHandle`]: `future`, its panic caught,
    /// ended early by an abort.
    pub struct AbortableTask<F> {
        side: TaskSide,
        #[pin]
        future: CatchPanic<F>,
    }
}

impl<F: Future> Future for AbortableTask<F> {
    type Output = Result<Caught<F::Output>, Aborted>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if this.side.take_abort() {
            return Poll::Ready(Err(Aborted));
        }
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        // Aborted during that poll (by the task itself): end now.
        if this.side.take_abort() {
            return Poll::Ready(Err(Aborted));
        }
        this.side.pending(cx.waker());
        Poll::Pending
    }
}

/// A native handle, awaited for the task's caught output (or `Aborted`), with an abort
/// key on the task.
pub struct AbortableHandle<N: Future + Unpin> {
    task: N,
    side: HandleSide,
}

impl<N: Future + Unpin> AbortableHandle<N> {
    /// Spawns `future`, its panic caught and made abortable, with `spawn` (the runtime's
    /// own, on the calling thread), which gives the native handle.
    #[inline]
    pub fn spawn<F: Future>(future: F, spawn: impl FnOnce(AbortableTask<F>) -> N) -> Self {
        let (task, side) = abort_registry::pair();
        AbortableHandle {
            task: spawn(AbortableTask { side: task, future: catch_panic(future) }),
            side,
        }
    }
}

impl<T, N> Future for AbortableHandle<N>
where
    N: Future<Output = Result<Caught<T>, Aborted>> + Unpin,
{
    type Output = Result<T, JoinError>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let ended = ready!(Pin::new(&mut self.task).poll(cx));
        self.side.ended();
        Poll::Ready(match ended {
            Ok(caught) => join_result(caught),
            Err(Aborted) => Err(JoinError::Cancelled),
        })
    }
}

impl<N: Future + Unpin> Abort for AbortableHandle<N> {
    fn abort(&self) {
        self.side.abort();
    }
}

/// A handle that filed an abort looks once whether the task ended, so that an abort
/// filed after the end does not stay in the registry.
impl<N: Future + Unpin> Drop for AbortableHandle<N> {
    fn drop(&mut self) {
        if self.side.filed() {
            let mut cx = Context::from_waker(Waker::noop());
            if Pin::new(&mut self.task).poll(&mut cx).is_ready() {
                self.side.ended();
            }
        }
    }
}
