//! The join handle of the `futures` executors, which have none of their own: the state
//! a task shares with its [`FuturesJoinHandle`] ([`Shared`]), which lives in the task's
//! own allocation (the `task` submodule).
//!
//! Why not `futures`' own combinators: wrapping the task as `Abortable` and
//! `remote_handle` cost three shared allocations per spawn (the abort state, the
//! result channel and the remote handle's keep-running flag), and an atomic waker
//! registration at every poll; spawns ran 1.5–2.6 times as long as native ones
//! (`rtbench overhead`).
//!
//! Why one state word: who still holds the cell, whether the task was aborted, and
//! how it ended are bits of one atomic ([`Shared::state`]), and the outcome waits in a
//! plain slot that the bits say is written or taken. A spawn then writes one word
//! where separate fields wrote five (a reference count, an abort flag, a mutex, its
//! slot, the body's "ended" flag), a task's poll reads one word where it read two,
//! and freeing the cell tests one word instead of dropping a mutex and its slot.
//! On `futures-local`'s `chained_spawn` (a detached spawn per hop), the separate fields
//! cost 73 instructions per hop over the native spawn, the word 41 (callgrind), and
//! the cell read 1.05–1.08 where it read 1.11–1.13 (`rtbench overhead`).

use std::cell::UnsafeCell;
use std::future::Future;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::atomic::{fence, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use super::task::CellRef;
use crate::support::catch_panic::{join_result, Caught};
use ::futures::task::AtomicWaker;
use rtbench_core::{Abort, JoinError};

/// The task's side (the executor's `FutureObj`) still holds the cell.
const TASK: usize = 1;
/// The handle still holds the cell.
const HANDLE: usize = 1 << 1;
/// [`Abort::abort`] was called; the task reads it before polling the user's future.
const ABORTED: usize = 1 << 2;
/// The task finished and its outcome is in [`Shared::outcome`]. Written only while the
/// handle was there to take it: a detached task's outcome is dropped where it ends.
const DONE: usize = 1 << 3;
/// The task's future was dropped unfinished while the handle was there.
const CANCELLED: usize = 1 << 4;
/// The handle returned how the task ended (and took the outcome, if `DONE`).
const TAKEN: usize = 1 << 5;

/// What the task and its handle share.
pub(super) struct Shared<T> {
    /// The bits above.
    state: AtomicUsize,
    /// The task's waker, so that `abort` gets a sleeping task polled (and dropped).
    pub(super) task: AtomicWaker,
    /// The waker of whoever awaits the handle.
    joiner: AtomicWaker,
    /// The task's value or panic: written by the task before it sets `DONE`, read by
    /// the handle after it sees `DONE` (then `TAKEN`); dropped with the cell if it is
    /// `DONE` but not `TAKEN` (a panic nobody took is then recorded as unretrieved).
    outcome: UnsafeCell<MaybeUninit<Caught<T>>>,
}

impl<T> Shared<T> {
    /// Both sides hold the cell; nothing happened yet.
    pub(super) fn new() -> Self {
        Shared {
            state: AtomicUsize::new(TASK | HANDLE),
            task: AtomicWaker::new(),
            joiner: AtomicWaker::new(),
            outcome: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// The bits, as they are now. `Acquire`: what the other side did before setting
    /// them happens before what follows.
    #[inline]
    pub(super) fn state(&self) -> usize {
        self.state.load(Ordering::Acquire)
    }

    /// Whether `state` says the handle is still there (once gone, it cannot come back).
    #[inline]
    pub(super) fn joinable(state: usize) -> bool {
        state & HANDLE != 0
    }

    /// Whether `state` says the task must not poll its future again: aborted, or
    /// ended already (a poll after `Ready` would write the outcome twice; the pools
    /// never make one, but a `FutureObj` may be polled until it is dropped).
    #[inline]
    pub(super) fn stopped(state: usize) -> bool {
        state & (ABORTED | DONE) != 0
    }

    /// Records the task's outcome and wakes whoever awaits the handle.
    ///
    /// # Safety
    /// Only the task calls it, once (never after `DONE` is set), while it holds the
    /// cell, and only if the handle was there at the poll's read of the bits (it may
    /// have let go since: the outcome then goes with the cell).
    pub(super) unsafe fn end(&self, outcome: Caught<T>) {
        // SAFETY: nobody reads the slot before `DONE` is set, and only the task writes
        // it, once (the caller's promise).
        unsafe { (*self.outcome.get()).write(outcome) };
        // `Release`: the write above happens before the handle sees `DONE`.
        self.state.fetch_or(DONE, Ordering::Release);
        self.joiner.wake();
    }

    /// The task's side lets go of the cell, once the task's future is dropped: reports
    /// the task cancelled if the handle is there and the task did not end; true if the
    /// handle had already let go, so that the caller must free the cell. A detached
    /// task (the handle gone) reads the word once.
    ///
    /// # Safety
    /// Only the task's side calls it, once, and does not use the cell after.
    #[inline]
    pub(super) unsafe fn task_lets_go(&self) -> bool {
        let state = self.state();
        if state & HANDLE == 0 {
            return true;
        }
        if state & DONE == 0 {
            self.state.fetch_or(CANCELLED, Ordering::Release);
            self.joiner.wake();
        }
        // SAFETY: the caller's promise.
        unsafe { self.let_go(TASK) }
    }

    /// Lets go of the cell for `side` ([`TASK`] or [`HANDLE`]); true if the other side
    /// had already let go, so that the caller must free the cell. `Arc`'s protocol: a
    /// release decrement, then an acquire fence before freeing. A side that sees the
    /// other gone is the last without a locked instruction: the other cannot come back
    /// (a chain of detached spawns saves one per task).
    ///
    /// # Safety
    /// `side` holds the cell, and does not use it after this call.
    #[inline]
    pub(super) unsafe fn let_go(&self, side: usize) -> bool {
        let other = (TASK | HANDLE) & !side;
        if self.state() & other == 0 {
            return true;
        }
        // Subtracting the side's bit clears it (it is set): `lock xadd`, where a
        // `fetch_and` would loop on a compare-exchange to return the old bits.
        if self.state.fetch_sub(side, Ordering::Release) & other != 0 {
            return false;
        }
        fence(Ordering::Acquire);
        true
    }
}

impl<T> Drop for Shared<T> {
    /// Drops an outcome nobody took (with the cell, once both sides let go).
    fn drop(&mut self) {
        if *self.state.get_mut() & (DONE | TAKEN) == DONE {
            // SAFETY: `DONE` says the slot was written, and not `TAKEN` that it was not
            // read; nobody else reaches it now.
            unsafe { self.outcome.get_mut().assume_init_drop() };
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
        let shared = self.cell.shared();
        let mut state = shared.state();
        if state & (DONE | CANCELLED) == 0 {
            shared.joiner.register(cx.waker());
            // After registering: the task's end either is seen here or wakes the waker.
            state = shared.state();
            if state & (DONE | CANCELLED) == 0 {
                return Poll::Pending;
            }
        }
        assert!(state & TAKEN == 0, "FuturesJoinHandle polled after it returned");
        // Only the handle sets `TAKEN`; the task may set other bits meanwhile, hence
        // the atomic or. Whoever frees the cell sees it (the handle's `let_go` comes
        // after, in order).
        shared.state.fetch_or(TAKEN, Ordering::Relaxed);
        Poll::Ready(if state & DONE != 0 {
            // SAFETY: `DONE` (seen with `Acquire`) says the task wrote the slot, and
            // not `TAKEN` that nobody read it; `TAKEN` is now set, so nobody will again.
            join_result(unsafe { (*shared.outcome.get()).assume_init_read() })
        } else {
            Err(JoinError::Cancelled)
        })
    }
}

impl<T> Abort for FuturesJoinHandle<T> {
    fn abort(&self) {
        let shared = self.cell.shared();
        // `Release`: pairs with the task's `Acquire` read of the bits.
        shared.state.fetch_or(ABORTED, Ordering::Release);
        shared.task.wake();
    }
}

impl<T> Drop for FuturesJoinHandle<T> {
    /// Detaches the task: lets go of the cell, and frees it if the task already has.
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the handle holds the cell and is not used after its drop.
        unsafe { self.cell.let_go(HANDLE) }
    }
}
