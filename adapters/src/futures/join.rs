//! The join handle of the `futures` executors, which have none of their own: the state
//! a task shares with its [`FuturesJoinHandle`] ([`Shared`]), which lives in the task's
//! own allocation (the `task` submodule).
//!
//! Why not `futures`' own combinators: wrapping the task as `Abortable` and
//! `remote_handle` cost three shared allocations per spawn (the abort state, the
//! result channel and the remote handle's keep-running flag), and an atomic waker
//! registration at every poll; spawns ran 1.5–2.6 times as long as native ones
//! (`rtbench overhead`). Here the task registers its waker only when it changes, and
//! not at all once its handle is dropped, and checks for an abort with one atomic load
//! per poll. The output slot sits behind a
//! `Mutex`, taken (uncontended, as a rule) once when the task ends and once per poll of
//! the handle: what a task outputs is moved across threads without `unsafe`.

use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use super::task::CellRef;
use crate::support::catch_panic::{join_result, Caught};
use ::futures::task::AtomicWaker;
use rtbench_core::{Abort, JoinError};

/// What the task and its handle share.
pub(super) struct Shared<T> {
    /// Set by [`Abort::abort`]; the task reads it before polling the user's future.
    pub(super) aborted: AtomicBool,
    /// The task's waker, so that `abort` gets a sleeping task polled (and dropped).
    pub(super) task: AtomicWaker,
    slot: Mutex<Slot<T>>,
}

/// Where the task's outcome waits for the handle.
pub(super) enum Slot<T> {
    /// The task has not ended; the waker of whoever awaits the handle.
    Pending(Option<Waker>),
    /// The task finished: its value or its panic (which, if nobody takes it, is
    /// recorded as unretrieved when the slot is dropped).
    Ready(Caught<T>),
    /// The task's future was dropped before it finished.
    Cancelled,
    /// The handle returned the outcome.
    Taken,
}

impl<T> Shared<T> {
    pub(super) fn new() -> Self {
        Shared {
            aborted: AtomicBool::new(false),
            task: AtomicWaker::new(),
            slot: Mutex::new(Slot::Pending(None)),
        }
    }

    fn slot(&self) -> MutexGuard<'_, Slot<T>> {
        // Nothing panics while holding the lock but a waker's `clone`: the slot is
        // still consistent then.
        self.slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records how the task ended and wakes whoever awaits the handle. The task calls
    /// it only while its handle is alive: a detached task's outcome is just dropped.
    pub(super) fn end(&self, outcome: Slot<T>) {
        let previous = mem::replace(&mut *self.slot(), outcome);
        if let Slot::Pending(Some(joiner)) = previous {
            joiner.wake();
        }
    }
}

/// A task on a `futures` executor, with the contract's join semantics. Dropping it
/// detaches the task.
pub struct FuturesJoinHandle<T> {
    /// The handle's reference to the task's cell.
    cell: CellRef<T>,
}

impl<T> FuturesJoinHandle<T> {
    pub(super) fn new(cell: CellRef<T>) -> Self {
        FuturesJoinHandle { cell }
    }
}

impl<T> Future for FuturesJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.cell.shared().slot();
        match mem::replace(&mut *slot, Slot::Taken) {
            Slot::Pending(mut joiner) => {
                match &mut joiner {
                    Some(waker) => waker.clone_from(cx.waker()),
                    None => joiner = Some(cx.waker().clone()),
                }
                *slot = Slot::Pending(joiner);
                Poll::Pending
            }
            Slot::Ready(caught) => Poll::Ready(join_result(caught)),
            Slot::Cancelled => Poll::Ready(Err(JoinError::Cancelled)),
            Slot::Taken => panic!("FuturesJoinHandle polled after it returned"),
        }
    }
}

impl<T> Abort for FuturesJoinHandle<T> {
    fn abort(&self) {
        self.cell.shared().aborted.store(true, Ordering::Release);
        self.cell.shared().task.wake();
    }
}
