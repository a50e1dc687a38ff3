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
//! The boxed cancel future is `Send` for handles of `spawn` and need not be for handles
//! of `spawn_local` (their output may be `!Send`): the handle is generic over the boxed
//! type, [`SendCancel`] or [`LocalCancel`], and [`StartCancel`] picks the matching
//! method of [`NativeTask`].

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use crate::support::catch_panic::{join_result, Caught};
use rtbench_core::{Abort, JoinError};

/// The boxed `cancel` future of a `spawn` handle.
pub type SendCancel<T> = dyn Future<Output = Option<Caught<T>>> + Send + 'static;
/// The boxed `cancel` future of a `spawn_local` handle.
pub type LocalCancel<T> = dyn Future<Output = Option<Caught<T>>> + 'static;

/// What the shared handle needs from a runtime's native task handle.
pub trait NativeTask<T>: Future<Output = Caught<T>> + Unpin + Sized + 'static {
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
native_task!(async_task::Task<Caught<T>>, detach: async_task::Task::detach);

/// Boxes the native `cancel` future as `Self` ([`SendCancel`] or [`LocalCancel`]).
pub trait StartCancel<T, N: NativeTask<T>>: Future<Output = Option<Caught<T>>> {
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
pub struct CancelOnAbort<T, N: NativeTask<T>, C: ?Sized + StartCancel<T, N>> {
    /// The native handle, until the result is handed out or the task is aborted.
    task: Cell<Option<N>>,
    /// Once aborted: the cancellation under way, or its outcome; `None` again once
    /// handed out.
    aborting: Cell<Option<Box<Aborting<T, C>>>>,
}

enum Aborting<T, C: ?Sized> {
    /// The native `cancel` future, already polled once.
    Cancelling(Pin<Box<C>>),
    /// The `cancel` future was ready at once: the task's output if it had finished,
    /// `None` if it was already cancelled.
    Aborted(Option<Caught<T>>),
}

impl<T, N: NativeTask<T>, C: ?Sized + StartCancel<T, N>> CancelOnAbort<T, N, C> {
    /// Wraps a freshly spawned native handle (whose task runs `catch_panic(future)`).
    pub fn new(task: N) -> Self {
        CancelOnAbort { task: Cell::new(Some(task)), aborting: Cell::new(None) }
    }
}

/// The join result of an aborted task: its output if it finished before the abort.
fn aborted<T>(output: Option<Caught<T>>) -> Result<T, JoinError> {
    output.map_or(Err(JoinError::Cancelled), join_result)
}

impl<T, N: NativeTask<T>, C: ?Sized + StartCancel<T, N>> Future for CancelOnAbort<T, N, C> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(task) = this.task.get_mut() {
            let caught = ready!(Pin::new(task).poll(cx));
            *this.task.get_mut() = None;
            return Poll::Ready(join_result(caught));
        }
        let aborting = this.aborting.get_mut();
        let result = match aborting.as_deref_mut() {
            Some(Aborting::Cancelling(cancel)) => aborted(ready!(cancel.as_mut().poll(cx))),
            Some(Aborting::Aborted(output)) => aborted(output.take()),
            None => panic!("join handle polled after it returned its result"),
        };
        *aborting = None;
        Poll::Ready(result)
    }
}

impl<T, N: NativeTask<T>, C: ?Sized + StartCancel<T, N>> Abort for CancelOnAbort<T, N, C> {
    fn abort(&self) {
        // Already aborted, or the result was already taken: nothing to cancel.
        let Some(task) = self.task.take() else { return };
        let mut cancel = C::start(task);
        // The first poll requests the cancellation; the real waker registers on await.
        let aborting = match cancel.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => Aborting::Aborted(output),
            Poll::Pending => Aborting::Cancelling(cancel),
        };
        self.aborting.set(Some(Box::new(aborting)));
    }
}

impl<T, N: NativeTask<T>, C: ?Sized + StartCancel<T, N>> Drop for CancelOnAbort<T, N, C> {
    fn drop(&mut self) {
        if let Some(task) = self.task.get_mut().take() {
            task.detach();
        }
    }
}

// The output is never pinned (it is only moved out), so the handle is `Unpin` whatever `T`.
impl<T, N: NativeTask<T>, C: ?Sized + StartCancel<T, N>> Unpin for CancelOnAbort<T, N, C> {}
