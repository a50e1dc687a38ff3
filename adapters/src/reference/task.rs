//! A spawned task and its join handle, with the contract's semantics and nothing else.
//!
//! Spawning splits one shared cell, the [`Joint`], between two owners: the executor
//! holds the [`Harness`] (the task's future, wrapped), whoever spawned holds the
//! [`JoinHandle`]. The harness puts the task's result into the joint and wakes whoever
//! awaits the handle; the handle takes it out.
//!
//! - **A panic** is caught by `catch_panic` around the future, so it is a value: the
//!   handle turns it into `JoinError::Panicked`, and if nobody ever takes it, the
//!   `Panic` guard records it as unretrieved when the joint is dropped.
//! - **Abort** sets a flag and wakes the task. The executor polls the harness, which sees
//!   the flag and ends without polling the future; the executor then drops the harness.
//!   Its fields drop in order — the future first (its `Drop` guards run), then the
//!   [`Completion`] — and only then does the joint say `Cancelled`, as the contract
//!   requires. A task dropped unfinished for any other reason (the runtime itself
//!   dropped) reports `Cancelled` the same way.
//! - **Dropping the handle** detaches: the harness is the executor's, not the handle's.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{ready, Context, Poll, Waker};

use crate::support::catch_panic::{catch_panic, join_result, CatchPanic, Caught};
use rtbench_core::{Abort, JoinError};

/// What the harness and the handle share.
struct Joint<T> {
    /// Set by [`Abort::abort`]; read by the harness before each poll.
    aborted: AtomicBool,
    state: Mutex<State<T>>,
    /// The task's own waker, to get an aborted task polled (and so dropped) soon.
    task: Waker,
}

enum State<T> {
    /// Not finished; the waker of whoever awaits the handle.
    Running { joiner: Option<Waker> },
    /// Finished: its value or its panic, until the handle takes it.
    Finished(Caught<T>),
    /// Dropped unfinished (aborted, or the runtime went away).
    Cancelled,
    /// The handle returned the result.
    Taken,
}

impl<T> Joint<T> {
    fn state(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Leaves `Running` for `end`, and wakes the joiner.
    fn end(&self, end: State<T>) {
        let mut state = self.state();
        let State::Running { joiner } = &mut *state else { return };
        let joiner = joiner.take();
        *state = end;
        drop(state);
        if let Some(joiner) = joiner {
            joiner.wake();
        }
    }
}

/// Wraps `future` for the executor, which will poll it with `task` as its waker.
pub fn new<F: Future + 'static>(future: F, task: Waker) -> (Harness<F>, JoinHandle<F::Output>) {
    let joint = Arc::new(Joint {
        aborted: AtomicBool::new(false),
        state: Mutex::new(State::Running { joiner: None }),
        task,
    });
    let harness =
        Harness { future: catch_panic(future), completion: Completion(Arc::clone(&joint)) };
    (harness, JoinHandle(joint))
}

/// The harness's side of the joint: reports `Cancelled` when dropped before finishing.
pub struct Completion<T>(Arc<Joint<T>>);

impl<T> Drop for Completion<T> {
    fn drop(&mut self) {
        self.0.end(State::Cancelled);
    }
}

pin_project_lite::pin_project! {
    /// What the executor runs: the task's future, its panic caught, and the completion.
    pub struct Harness<F: Future> {
        // Declared first, so dropped first: the future is gone before `completion`
        // reports the task cancelled.
        #[pin]
        future: CatchPanic<F>,
        completion: Completion<F::Output>,
    }
}

impl<F: Future> Future for Harness<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if this.completion.0.aborted.load(Ordering::Acquire) {
            // Ready without polling: the executor drops the harness, see the module docs.
            return Poll::Ready(());
        }
        let caught = ready!(this.future.poll(cx));
        this.completion.0.end(State::Finished(caught));
        Poll::Ready(())
    }
}

/// The contract's join handle: await it for the task's result; dropping it detaches.
pub struct JoinHandle<T>(Arc<Joint<T>>);

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.0.state();
        match std::mem::replace(&mut *state, State::Taken) {
            State::Running { mut joiner } => {
                match &mut joiner {
                    Some(waker) => waker.clone_from(cx.waker()),
                    None => joiner = Some(cx.waker().clone()),
                }
                *state = State::Running { joiner };
                Poll::Pending
            }
            State::Finished(caught) => Poll::Ready(join_result(caught)),
            State::Cancelled => Poll::Ready(Err(JoinError::Cancelled)),
            State::Taken => panic!("join handle polled after it returned its result"),
        }
    }
}

impl<T> Abort for JoinHandle<T> {
    fn abort(&self) {
        self.0.aborted.store(true, Ordering::Release);
        self.0.task.wake_by_ref();
    }
}
