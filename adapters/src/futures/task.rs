//! A spawned task in one allocation, as the executors' own spawns are: the state the
//! task shares with its [`FuturesJoinHandle`] and the task's future sit side by side in
//! one `Arc` ([`TaskCell`]), and the executor holds the task through [`Spawned`], a
//! pointer into that allocation, instead of boxing the future again.
//!
//! Why: `futures`' pools take a `FutureObj` and `spawn_ok` fills it with a `Box` of the
//! future; a separate shared allocation for the handle made every contract spawn two
//! allocations where a native one makes one, and `chained_spawn` ran 1.26–1.51 times as
//! long as its native twin (`rtbench overhead`). A `FutureObj` can be built from any
//! [`UnsafeFutureObj`], so [`Spawned`] is one: a fat pointer to the task's [`Body`]
//! inside the cell, and a strong reference released by its `drop`.
//!
//! The body sits in an `UnsafeCell` because the handle reads the shared state of the
//! same allocation while the executor polls the body; only the [`Spawned`] pointer ever
//! reaches the body, and the body reaches the shared state through a raw pointer back
//! to its cell (a reference to the body cannot reach beyond it).

use std::cell::UnsafeCell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::ptr;
use std::sync::Arc;
use std::task::{ready, Context, Poll, Waker};

use ::futures::task::UnsafeFutureObj;

use super::join::{FuturesJoinHandle, Shared, Slot};
use crate::support::catch_panic::{catch_panic, CatchPanic};

/// The one allocation of a spawn: what the task shares with its handle, then the task
/// itself. The handle sees `body` as a `dyn Future` it never touches: its `Arc` needs only
/// the size to free the cell, and the body is dropped by the task's side, not the cell's.
pub(super) struct TaskCell<T, B: ?Sized> {
    pub(super) shared: Shared<T>,
    body: UnsafeCell<ManuallyDrop<B>>,
}

// SAFETY: across threads, a `TaskCell` gives access to `shared` only, which is `Send` and
// `Sync` when `T` is (`Mutex<Slot<T>>`, atomics, an `AtomicWaker`). `body` is private to
// this module and reached only through the `Spawned` that owns it, which is `Send` only
// when the future is (below); dropping the cell never drops the body (`ManuallyDrop`).
unsafe impl<T: Send, B: ?Sized> Send for TaskCell<T, B> {}
// SAFETY: as for `Send`: through `&TaskCell`, only `shared` is reachable.
unsafe impl<T: Send, B: ?Sized> Sync for TaskCell<T, B> {}

/// The cell of a task spawned from future `F`.
type CellOf<F> = TaskCell<<F as Future>::Output, Body<F>>;

pin_project_lite::pin_project! {
    /// The task as the executor polls it: the user's future, its panic caught.
    pub(super) struct Body<F: Future> {
        #[pin]
        future: CatchPanic<F>,
        // The waker last registered in `Shared::task`.
        registered: Option<Waker>,
        // The future finished and its outcome went to `shared`.
        ended: bool,
        // The cell this body sits in: a pointer from `Arc::into_raw`, so it may reach
        // `shared`, and the strong reference the task holds (released in `release`).
        cell: *const CellOf<F>,
    }
}

impl<F: Future> Body<F> {
    /// Whether the handle is still alive (it cannot come back once dropped).
    fn joinable(cell: *const CellOf<F>) -> bool {
        // SAFETY: `cell` came from `Arc::into_raw` and the task's strong reference is
        // released only in `release`, after the body's last use; `ManuallyDrop` keeps
        // this borrowed `Arc` from releasing it.
        let cell = ManuallyDrop::new(unsafe { Arc::from_raw(cell) });
        Arc::strong_count(&cell) > 1
    }
}

impl<F: Future> Future for Body<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        // SAFETY: the cell outlives its body (see `joinable`); this borrows its `shared`
        // field only, never the body being polled.
        let shared = unsafe { &(**this.cell).shared };
        // Once the handle is gone, nobody can abort: a detached task keeps no waker
        // (a chain of detached spawns saves a registration and a waker clone per task).
        let joinable = Body::<F>::joinable(*this.cell);
        if joinable && !this.registered.as_ref().is_some_and(|waker| waker.will_wake(cx.waker())) {
            shared.task.register(cx.waker());
            *this.registered = Some(cx.waker().clone());
        }
        // After registering: an abort either is seen here or wakes the new waker.
        if shared.aborted.load(std::sync::atomic::Ordering::Acquire) {
            // The executor drops the task now; `release` then reports it cancelled.
            return Poll::Ready(());
        }
        let caught = ready!(this.future.poll(cx));
        *this.ended = true;
        // A detached task's outcome is just dropped, without locking (a panic in it is
        // then recorded as unretrieved): with the handle gone, the count cannot grow.
        if Body::<F>::joinable(*this.cell) {
            shared.end(Slot::Ready(caught));
        }
        Poll::Ready(())
    }
}

/// The executor's reference to a task: owns the task's body and one strong reference to
/// its cell. Handed to the pool as a `FutureObj`, which calls [`UnsafeFutureObj::drop`]
/// when the pool drops the task (finished, aborted, or the pool dropped).
pub(super) struct Spawned<F: Future> {
    cell: *const CellOf<F>,
}

// SAFETY: a `Spawned` owns the body (the future, a waker) and a strong reference to the
// cell, whose shared part is `Sync` when the output is `Send`: moving it to another
// thread moves the future there, which `F: Send` allows.
unsafe impl<F: Future + Send> Send for Spawned<F> where F::Output: Send {}

impl<F: Future> Spawned<F> {
    /// The body's address, with the cell's provenance (no reference to the cell made).
    fn body(cell: *const CellOf<F>) -> *mut Body<F> {
        // SAFETY: `cell` points to a live cell (see `Body::joinable`); `&raw const`
        // makes no reference, and `raw_get` no reference to the `UnsafeCell`'s contents.
        UnsafeCell::raw_get(unsafe { &raw const (*cell).body }).cast::<Body<F>>()
    }
}

/// Wraps `future` for spawning: returns the task to hand to the executor (as a
/// `FutureObj`) and its contract handle, sharing one allocation.
pub(super) fn with_handle<F: Future + 'static>(
    future: F,
) -> (Spawned<F>, FuturesJoinHandle<F::Output>) {
    let body =
        Body { future: catch_panic(future), registered: None, ended: false, cell: ptr::null() };
    let cell = Arc::new(TaskCell {
        shared: Shared::new(),
        body: UnsafeCell::new(ManuallyDrop::new(body)),
    });
    let raw = Arc::into_raw(Arc::clone(&cell));
    // SAFETY: the body is reached by nobody else yet (the handle never reaches it), and
    // `ManuallyDrop<Body<F>>` has `Body<F>`'s layout.
    unsafe { (*Spawned::body(raw)).cell = raw };
    (Spawned { cell: raw }, FuturesJoinHandle::new(cell))
}

/// Drops the task's body (its future's destructors run first), reports the task
/// cancelled if it did not finish, and releases the task's strong reference.
///
/// # Safety
/// `body` is the body of a live cell, owned by the caller, not in use, and not used
/// again.
unsafe fn release<F: Future>(body: *mut Body<F>) {
    // SAFETY: the caller owns the live body (above).
    let (cell, ended) = unsafe { ((*body).cell, (*body).ended) };
    // SAFETY: as above; the pool polls a body in place, so it is dropped where it was pinned.
    unsafe { ptr::drop_in_place(body) };
    // SAFETY: `cell` came from `Arc::into_raw` for the strong reference the task held.
    let cell = unsafe { Arc::from_raw(cell) };
    if !ended && Arc::strong_count(&cell) > 1 {
        cell.shared.end(Slot::Cancelled);
    }
}

impl<F: Future> Drop for Spawned<F> {
    /// Only if it never reached the pool (`FutureObj::new` consumes it at once).
    fn drop(&mut self) {
        // SAFETY: a `Spawned` owns its body until `into_raw`, which forgets it.
        unsafe { release(Spawned::body(self.cell)) }
    }
}

// SAFETY: `into_raw` gives a pointer to the pinned body in its `Arc` allocation, which
// stays there, alive, until `drop` (the `Spawned` owns a strong reference and the body,
// and forgets both into the pointer). Only this pointer reaches the body, so polling it
// through `Pin<&mut dyn Future>`, non-reentrantly, is exclusive access. `drop`
// releases both exactly once per `into_raw`.
unsafe impl<F: Future + 'static> UnsafeFutureObj<'static, ()> for Spawned<F> {
    fn into_raw(self) -> *mut (dyn Future<Output = ()> + 'static) {
        let this = ManuallyDrop::new(self);
        Spawned::body(this.cell)
    }

    unsafe fn drop(ptr: *mut (dyn Future<Output = ()> + 'static)) {
        // SAFETY: `ptr` came from `into_raw` (the caller's promise), so it points to a
        // `Body<F>`, is not in use, and is not used again.
        unsafe { release(ptr.cast::<Body<F>>()) }
    }
}

#[cfg(test)]
mod tests;
