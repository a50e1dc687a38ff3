//! The contract's join handle for runtimes whose native handle can only be cancelled by
//! consuming it in an `async fn cancel(self)`: async-std's `JoinHandle` and
//! async-task's `Task` (smol / async-executor).
//!
//! The contract's [`Abort::abort`] takes `&self` and must stop the task right away, while
//! awaiting the handle afterwards must wait until the task's future has been dropped. So
//! [`abort`](Abort::abort) moves the native handle out of its cell into its `cancel`
//! future, boxes that future (the only allocation, on the abort path only — `spawn`
//! allocates nothing here) and polls it once so the cancellation is requested at once,
//! even if nobody awaits the handle afterwards. Awaiting the handle then finishes that
//! future, which resolves only after the runtime dropped the task's future.
//!
//! Dropping the handle *detaches* the task ([`NativeTask::detach`]): async-std does that
//! natively; async-task would cancel, so its handle (smol's and async-global-executor's,
//! implemented here under the `async-task` feature) detaches explicitly. Both
//! native handles are adapted by the same `native_task!` macro: they differ only in
//! that detaching step.
//!
//! Panics: both native handles are async-task's `Task` (async-std's `JoinHandle` wraps
//! one), spawned by async-executor with `propagate_panic`, so async-task itself catches
//! a task's panic and re-raises it in whoever polls the handle (or its `cancel`
//! future); `an_abort_after_the_task_ended_gives_its_outcome` (smol) and the contract's
//! panic tests hold that. Tasks run
//! [`rethrow_as_guard`](crate::support::catch_panic::rethrow_as_guard)`(future)`, which
//! re-raises with a [`Panic`](rtbench_core::task::Panic) guard as the payload (recorded
//! if a detached task's payload is dropped), and the handle catches the re-raised panic
//! where it polls ([`poll_rethrown`]). The task's output stays `T`: a `catch_panic`
//! inside the task stored a wider `Result<T, Panic>` in every task cell, beside
//! async-task's own `catch_unwind`, and cost smol-1's `spawn_many` about 30 instructions
//! per spawn (callgrind).
//!
//! The boxed cancel future is `Send` for handles of `spawn` and need not be for handles
//! of `spawn_local` (their output may be `!Send`): the handle is generic over the boxed
//! type, [`SendCancel`] or [`LocalCancel`], and [`StartCancel`] picks the matching
//! method of [`NativeTask`].

use std::cell::Cell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use crate::support::catch_panic::poll_rethrown;
use rtbench_core::{Abort, JoinError};

/// The boxed `cancel` future of a `spawn` handle.
pub type SendCancel<T> = dyn Future<Output = Option<T>> + Send + 'static;
/// The boxed `cancel` future of a `spawn_local` handle.
pub type LocalCancel<T> = dyn Future<Output = Option<T>> + 'static;

/// What the shared handle needs from a runtime's native task handle: one whose task runs
/// `rethrow_as_guard(future)` and which re-raises the task's panic when polled.
pub trait NativeTask<T>: Future<Output = T> + Unpin + Sized + 'static {
    /// Lets the task run on with nobody holding its handle.
    fn detach(self);

    /// The native `cancel(self)`, boxed as a `Send` future.
    fn cancel_send(self) -> Pin<Box<SendCancel<T>>>
    where
        T: Send;

    /// The native `cancel(self)`, boxed.
    fn cancel_local(self) -> Pin<Box<LocalCancel<T>>>;
}

/// Implements [`NativeTask`] for `$native`, a handle with an inherent
/// `async fn cancel(self)`; `detach: $detach` is the function that lets its task run on
/// (e.g. `drop` for a handle that detaches when dropped).
#[macro_export]
#[doc(hidden)]
macro_rules! native_task {
    ($native:ty, detach: $detach:expr) => {
        impl<T: 'static> $crate::support::cancel_on_abort::NativeTask<T> for $native {
            fn detach(self) {
                ($detach)(self)
            }

            fn cancel_send(
                self,
            ) -> ::std::pin::Pin<Box<$crate::support::cancel_on_abort::SendCancel<T>>>
            where
                T: Send,
            {
                Box::pin(self.cancel())
            }

            fn cancel_local(
                self,
            ) -> ::std::pin::Pin<Box<$crate::support::cancel_on_abort::LocalCancel<T>>> {
                Box::pin(self.cancel())
            }
        }
    };
}

// async-task's `Task` (smol's and async-global-executor's handle) cancels when dropped.
#[cfg(feature = "async-task")]
native_task!(async_task::Task<T>, detach: async_task::Task::detach);

/// Boxes the native `cancel` future as `Self` ([`SendCancel`] or [`LocalCancel`]).
pub trait StartCancel<T, N: NativeTask<T>>: Future<Output = Option<T>> {
    /// Consumes the native handle into its boxed `cancel` future.
    fn start(task: N) -> Pin<Box<Self>>;
}

impl<T: Send, N: NativeTask<T>> StartCancel<T, N> for SendCancel<T> {
    fn start(task: N) -> Pin<Box<Self>> {
        task.cancel_send()
    }
}

impl<T, N: NativeTask<T>> StartCancel<T, N> for LocalCancel<T> {
    fn start(task: N) -> Pin<Box<Self>> {
        task.cancel_local()
    }
}

/// A task handle with the contract's semantics over a [`NativeTask`]; `C` is the boxed
/// cancel future ([`SendCancel`] for `spawn`, [`LocalCancel`] for `spawn_local`).
///
/// The state sits in `Cell`s, not a `Mutex`: the contract's handles are `Send` but not
/// `Sync`, so `abort(&self)` never races another access; it takes the native handle
/// out (so a re-entrant `abort` finds nothing to do). And the handle is two words: the
/// native handle while there is one (`None` is its null niche), and the rare aborted
/// states in one box. Scenarios hold thousands of handles at once, and a `Mutex` over
/// inline states (five words) made smol's `spawn_many` 19 % slower than native. Two
/// `Option`s rather than one three-state enum: the hot path (poll to the result, then
/// drop) is a null check each, where the enum's tag was matched, replaced and matched
/// again by its drop glue (callgrind: 49 instructions per spawn in those two drops on
/// smol-1's `spawn_many`, beside 28 in the poll).
///
/// Both fields are `ManuallyDrop`: [`Drop`] empties them itself, so no drop glue runs
/// after it (the glue of the boxed states, an out-of-line call that found `None`, was
/// 13 instructions per spawn on smol-1's `spawn_many` and `chained_spawn`), and the
/// rare boxed states are dropped out of line.
pub struct CancelOnAbort<T, N: NativeTask<T>, C: ?Sized + StartCancel<T, N>> {
    /// The native handle, until the result is handed out or the task is aborted.
    task: Slot<N>,
    /// Once aborted: the cancellation under way, or its outcome; `None` again once
    /// handed out.
    aborting: Slot<Box<Aborting<T, C>>>,
}

/// A field of the handle: emptied by its [`Drop`], so it has no drop glue.
type Slot<X> = ManuallyDrop<Cell<Option<X>>>;

enum Aborting<T, C: ?Sized> {
    /// The native `cancel` future, already polled once.
    Cancelling(Pin<Box<C>>),
    /// The `cancel` future was ready at once: the task's result if it had finished
    /// (its output or its panic), `Cancelled` if it had not.
    Aborted(Result<T, JoinError>),
}

impl<T, N: NativeTask<T>, C: ?Sized + StartCancel<T, N>> CancelOnAbort<T, N, C> {
    /// Wraps a freshly spawned native handle (whose task runs `rethrow_as_guard(future)`).
    #[inline]
    pub fn new(task: N) -> Self {
        CancelOnAbort {
            task: ManuallyDrop::new(Cell::new(Some(task))),
            aborting: ManuallyDrop::new(Cell::new(None)),
        }
    }

    /// Polls an aborted handle: the cancellation's outcome, once the task's future has
    /// been dropped.
    #[cold]
    fn poll_aborted(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        let aborting = self.aborting.get_mut();
        if let Some(Aborting::Cancelling(cancel)) = aborting.as_deref_mut() {
            let outcome = ready!(poll_rethrown(cancel.as_mut(), cx));
            *aborting = Some(Box::new(Aborting::Aborted(cancelled(outcome))));
        }
        match aborting.take().map(|aborting| *aborting) {
            Some(Aborting::Aborted(result)) => Poll::Ready(result),
            _ => panic!("join handle polled after it returned its result"),
        }
    }
}

/// The join result of a `cancel` future's outcome: the task's output if it finished
/// before the abort, its panic if it panicked, `Cancelled` otherwise.
fn cancelled<T>(outcome: Result<Option<T>, JoinError>) -> Result<T, JoinError> {
    outcome.and_then(|output| output.ok_or(JoinError::Cancelled))
}

impl<T, N: NativeTask<T>, C: ?Sized + StartCancel<T, N>> Future for CancelOnAbort<T, N, C> {
    type Output = Result<T, JoinError>;

    /// Inlined into the awaiting task's poll: out of line, it was a call that saved and
    /// restored registers and copied the result, 24–33 instructions per spawn on
    /// smol-1's `spawn_many` (callgrind), and `#[inline]` alone did not inline it.
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(task) = this.task.get_mut() else { return this.poll_aborted(cx) };
        let result = ready!(poll_rethrown(Pin::new(task), cx));
        *this.task.get_mut() = None;
        Poll::Ready(result)
    }
}

impl<T, N: NativeTask<T>, C: ?Sized + StartCancel<T, N>> Abort for CancelOnAbort<T, N, C> {
    fn abort(&self) {
        // Already aborted, or the result was already taken: nothing to cancel.
        let Some(task) = self.task.take() else { return };
        let mut cancel = C::start(task);
        // The first poll requests the cancellation; the real waker registers on await.
        let noop = &mut Context::from_waker(Waker::noop());
        let aborting = match poll_rethrown(cancel.as_mut(), noop) {
            Poll::Ready(outcome) => Aborting::Aborted(cancelled(outcome)),
            Poll::Pending => Aborting::Cancelling(cancel),
        };
        self.aborting.set(Some(Box::new(aborting)));
    }
}

impl<T, N: NativeTask<T>, C: ?Sized + StartCancel<T, N>> Drop for CancelOnAbort<T, N, C> {
    #[inline]
    fn drop(&mut self) {
        if let Some(task) = self.task.get_mut().take() {
            task.detach();
        }
        if let Some(aborting) = self.aborting.get_mut().take() {
            drop_aborted(aborting);
        }
    }
}

/// Drops an aborted handle's boxed state, off the hot path.
#[cold]
#[inline(never)]
fn drop_aborted<A: ?Sized>(aborting: Box<A>) {
    drop(aborting);
}

// The output is never pinned (it is only moved out), so the handle is `Unpin` whatever `T`.
impl<T, N: NativeTask<T>, C: ?Sized + StartCancel<T, N>> Unpin for CancelOnAbort<T, N, C> {}
