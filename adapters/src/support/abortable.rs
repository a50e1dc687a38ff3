//! The contract's join handle for runtimes whose own handle cannot abort the way the
//! contract says: monoio's has no cancel at all, and compio's `cancel().await` returns
//! before the task's future has been dropped (compio drops it at the executor's next
//! turn), while the contract's awaited handle must come back only once the aborted
//! future's destructors ran. Both run every task on the thread that spawned it.
//!
//! The task runs as [`AbortableTask`]: the user's future, holding the task side of an
//! abort key; the handle holds the other side (see
//! [`abort_registry`](crate::support::abort_registry): no memory shared, nothing
//! allocated per spawn). On monoio the task's output is the future's own: a wider one (the value,
//! or a panic, or `Aborted`) cost monoio's `spawn_many` a quarter of its time over the
//! native spawn (`rtbench-native`'s pairs in one process, monoio alone: 1.03–1.08 with
//! the output unwidened, 1.11 with an `Aborted` variant, 1.15–1.19 with a caught panic,
//! 1.26–1.29 with both and the abort key). So a task that ends
//! without its output — `abort` files the key and wakes it, and its next poll finds it;
//! or its poll panics — drops its future in place and reports how it ended ([`Ended`])
//! as its [`EndMode`] says: filed for the handle, which it wakes if it waits, the task
//! then pending for good (monoio, which frees a task nobody references, an end nobody
//! took going with it, a panic recorded as lost); or as the task's output (compio).
//! The future is dropped before the end is filed, so awaiting the handle gives
//! `Cancelled` only after the cleanup. A task that finished before the abort gives its
//! value. Dropping the handle must detach the task: the native handle does (monoio's),
//! or is wrapped to (compio's). The handle is `Send`, as the contract's handles are; it
//! aborts on the task's thread only. An end the runtime hands over itself ([`InBand`]:
//! the task completes with it) reaches a waiting handle through the runtime's own
//! handle, on any thread; one it never sees ([`OutOfBand`]) through the waker the handle
//! files where the task's end finds it.

use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use rtbench_core::{Abort, JoinError};

use crate::support::abort_registry::{self, Ended, HandleSide, TaskSide};
use crate::support::catch_panic::{catch_panic, CatchPanic};

/// How a task that ends without its output tells its handle: by the runtime's own
/// completion (in band) or through the key (out of band), as the runtime allows.
pub trait EndMode {
    /// The task's output, for a future giving `T`.
    type Output<T>;

    /// A finished task's output.
    fn finished<T>(value: T) -> Self::Output<T>;

    /// The task's poll, once it ended without output (its future dropped).
    fn ended<T>(side: &mut TaskSide, ended: Ended) -> Poll<Self::Output<T>>;
    /// The handle's poll, while the runtime's own handle says its task has not returned:
    /// an end without output filed for it, if any, or else `None` once the handle can
    /// be woken for one.
    fn end_or_wait(side: &HandleSide, waker: &Waker) -> Option<Ended>;
}

/// The task's output is the future's own, so the runtime's task stores exactly what it
/// would natively; an end without output is filed for the handle, and the task stays
/// pending for good. For runtimes that free a task nobody references (monoio).
pub enum OutOfBand {}

impl EndMode for OutOfBand {
    type Output<T> = T;

    #[inline]
    fn finished<T>(value: T) -> T {
        value
    }

    #[cold]
    fn ended<T>(side: &mut TaskSide, ended: Ended) -> Poll<T> {
        side.end(ended);
        Poll::Pending
    }

    /// Looks for the end in the registry, or files the handle's waker there for it.
    #[inline(always)]
    fn end_or_wait(side: &HandleSide, waker: &Waker) -> Option<Ended> {
        side.end_or_wait(waker)
    }
}

/// The task completes with its end: `Err(Ended)`. For runtimes that keep every task
/// until it completes (compio's executor holds them in a slot map).
pub enum InBand {}

impl EndMode for InBand {
    type Output<T> = Result<T, Ended>;

    #[inline]
    fn finished<T>(value: T) -> Result<T, Ended> {
        Ok(value)
    }

    #[cold]
    fn ended<T>(_: &mut TaskSide, ended: Ended) -> Poll<Result<T, Ended>> {
        Poll::Ready(Err(ended))
    }

    /// Nothing to look for: the end completes the task, so the runtime's own handle
    /// gives it, and wakes whoever awaits it. Filing the waker anyway was a hash-map
    /// lookup on every poll of a waiting handle, which compio makes on every turn of its
    /// loop while its `block_on` root awaits one (callgrind, `ping_pong`: 171
    /// instructions a poll, two polls a round trip).
    #[inline(always)]
    fn end_or_wait(_: &HandleSide, _: &Waker) -> Option<Ended> {
        None
    }
}

/// The future a runtime spawns for [`AbortableHandle`]: `future`, ended early by an
/// abort or its panic, which `M` reports.
///
/// Its fields are dropped by its own `drop`, kept out of line, so that a runtime's stage
/// change that drops a task (monoio's `CoreStage::set_stage`, inlined into its task's
/// poll) finds one call there, not the wrapper's fields: with them, the stage change
/// stayed out of line in some builds, 69 instructions per hop on monoio's
/// `chained_spawn` (callgrind, the full build), where the native task's is inlined.
pub struct AbortableTask<F, M> {
    side: ManuallyDrop<TaskSide>,
    /// Structurally pinned: never moved out, dropped in place (by `end`, or `drop`).
    future: ManuallyDrop<Option<CatchPanic<F>>>,
    mode: PhantomData<M>,
}

impl<F, M> Drop for AbortableTask<F, M> {
    #[inline(never)]
    fn drop(&mut self) {
        // SAFETY: each field is dropped once, here, and the future in place.
        unsafe {
            ManuallyDrop::drop(&mut self.side);
            ManuallyDrop::drop(&mut self.future);
        }
    }
}

impl<F: Future, M: EndMode> Future for AbortableTask<F, M> {
    type Output = M::Output<F::Output>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is pinned with the task (never moved, see the field); `side`
        // is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let side = &mut *this.side;
        let mut slot = unsafe { Pin::new_unchecked(&mut *this.future) };
        let Some(future) = slot.as_mut().as_pin_mut() else {
            // Ended already (woken by a waker the dropped future had handed out).
            return Poll::Pending;
        };
        let ended = if side.take_abort() {
            Ended::Cancelled
        } else {
            match future.poll(cx) {
                Poll::Ready(Ok(output)) => return Poll::Ready(M::finished(output)),
                Poll::Ready(Err(panic)) => Ended::Panicked(panic),
                // Aborted during that poll (by the task itself): end now.
                Poll::Pending if side.take_abort() => Ended::Cancelled,
                Poll::Pending => {
                    side.pending(cx.waker());
                    return Poll::Pending;
                }
            }
        };
        end::<_, M, _>(slot, side, ended)
    }
}

/// Drops the task's future (its destructors run before anyone hears of the end), then
/// reports the end as `M` does.
#[cold]
fn end<F, M: EndMode, T>(
    mut future: Pin<&mut Option<CatchPanic<F>>>,
    side: &mut TaskSide,
    ended: Ended,
) -> Poll<M::Output<T>> {
    future.set(None);
    M::ended(side, ended)
}

/// A native handle, awaited for the task's output, with an abort key on the task, whose
/// end without output comes back as `M` says.
pub struct AbortableHandle<N: Future + Unpin, M: EndMode> {
    task: N,
    side: HandleSide,
    /// Only the type: the marker adds no auto-trait bound (the handle is `Unpin` and
    /// `Send` whatever `M` is).
    mode: PhantomData<fn() -> M>,
}

impl<N: Future + Unpin, M: EndMode> AbortableHandle<N, M> {
    /// Spawns `future`, made abortable and its panic caught, with `spawn` (the runtime's
    /// own, on the calling thread), which gives the native handle. Always inlined, as is
    /// the handle's poll: a native spawn and await have no call of their own around the
    /// runtime's. monoio's adapter also keeps `monoio::spawn` out of line, as native
    /// code calls it (its `spawn_here`, measured there); compio's leaves its spawn to the
    /// inliner (a compio-only build read 0.93–1.01 on `spawn_many` either way).
    #[inline(always)]
    pub fn spawn<F: Future>(future: F, spawn: impl FnOnce(AbortableTask<F, M>) -> N) -> Self {
        let (side, handle_side) = abort_registry::pair();
        let task = AbortableTask {
            side: ManuallyDrop::new(side),
            future: ManuallyDrop::new(Some(catch_panic(future))),
            mode: PhantomData,
        };
        AbortableHandle { task: spawn(task), side: handle_side, mode: PhantomData }
    }
}

/// `N` gives the task's output, or the runtime's own error (compio's, when its runtime
/// drops the task).
impl<T, N, M> Future for AbortableHandle<N, M>
where
    N: Future<Output = Result<T, JoinError>> + Unpin,
    M: EndMode,
{
    type Output = Result<T, JoinError>;

    #[inline(always)]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(output) = Pin::new(&mut self.task).poll(cx) {
            self.side.ended();
            return Poll::Ready(output);
        }
        match M::end_or_wait(&self.side, cx.waker()) {
            Some(ended) => {
                self.side.ended();
                Poll::Ready(Err(ended.into_join_error()))
            }
            None => Poll::Pending,
        }
    }
}

impl<N: Future + Unpin, M: EndMode> Abort for AbortableHandle<N, M> {
    fn abort(&self) {
        self.side.abort();
    }
}

/// A handle that filed an abort looks once whether the task returned, so that an abort
/// filed after that does not stay in the registry; an end its task filed and nobody
/// took goes with the handle.
impl<N: Future + Unpin, M: EndMode> Drop for AbortableHandle<N, M> {
    #[inline]
    fn drop(&mut self) {
        if self.side.filed() {
            self.look_once();
        }
        self.side.release();
    }
}

impl<N: Future + Unpin, M: EndMode> AbortableHandle<N, M> {
    /// Whether the task returned, looked at once by a dropped handle that filed an abort.
    #[cold]
    fn look_once(&mut self) {
        let mut cx = Context::from_waker(Waker::noop());
        if Pin::new(&mut self.task).poll(&mut cx).is_ready() {
            self.side.ended();
        }
    }
}
