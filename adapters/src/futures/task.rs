//! A spawned task in one allocation, as the executors' own spawns are: the state the
//! task shares with its [`FuturesJoinHandle`] and the task's future sit side by side in
//! one [`TaskCell`], and the executor holds the task through [`Spawned`], a pointer into
//! that allocation, instead of boxing the future again.
//!
//! Why: `futures`' pools take a `FutureObj` and `spawn_ok` fills it with a `Box` of the
//! future; a separate shared allocation for the handle made every contract spawn two
//! allocations where a native one makes one, and `chained_spawn` ran 1.26–1.51 times as
//! long as its native twin (`rtbench overhead`). A `FutureObj` can be built from any
//! [`UnsafeFutureObj`], so [`Spawned`] is one: a fat pointer to the task's [`Body`]
//! inside the cell, released by its `drop`.
//!
//! The cell has exactly two owners, the task and the handle, so it counts them itself
//! ([`CellRef`]) rather than in an `Arc`: the count starts at two with a plain store,
//! the first owner to let go decrements it, and the last one, seeing it alone, frees
//! the cell without another locked instruction (an `Arc` adds a clone's increment and
//! the weak count's decrement, and decrements on every drop).
//!
//! The body sits in an `UnsafeCell` because the handle reads the shared state of the
//! same allocation while the executor polls the body; only the [`Spawned`] pointer ever
//! reaches the body, and the body reaches the rest of its cell through a raw pointer
//! (a reference to the body cannot reach beyond it). Nothing here makes a reference to
//! a whole cell but the `Box` that frees it, once both owners are gone.

use std::cell::UnsafeCell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::sync::atomic::{fence, AtomicUsize, Ordering};
use std::task::{ready, Context, Poll, Waker};

use ::futures::task::UnsafeFutureObj;

use super::join::{FuturesJoinHandle, Shared, Slot};
use crate::support::catch_panic::{catch_panic, CatchPanic};

/// The one allocation of a spawn: how many of its two owners are left, what the task
/// shares with its handle, then the task itself. The handle sees `body` as a
/// `dyn Future` it never touches (it needs its size only, to free the cell); the body
/// is dropped by the task's side, never by the cell's.
pub(super) struct TaskCell<T, B: ?Sized> {
    refs: AtomicUsize,
    shared: Shared<T>,
    body: UnsafeCell<ManuallyDrop<B>>,
}

/// The cell of a task spawned from future `F`.
type CellOf<F> = TaskCell<<F as Future>::Output, Body<F>>;

/// One owner's reference to a cell: the handle's (which sees the body as `dyn Future`)
/// or the task's.
pub(super) struct CellRef<T, B: ?Sized = dyn Future<Output = ()>> {
    /// From `Box::leak` (in [`with_handle`]), so it reaches the whole cell.
    cell: NonNull<TaskCell<T, B>>,
}

// SAFETY: a `CellRef` reaches `refs` (atomic) and `shared`, which is `Send` and `Sync`
// when `T` is `Send` (`Mutex<Slot<T>>`, atomics, an `AtomicWaker`), never the body:
// only the `Spawned` that owns the body reaches it, and that is `Send` only when the
// future is (below). Freeing the cell on another thread drops `shared` only (the body
// is `ManuallyDrop`, and already dropped by then).
unsafe impl<T: Send, B: ?Sized> Send for CellRef<T, B> {}
// SAFETY: as for `Send`: through `&CellRef`, only `refs` and `shared` are reachable.
unsafe impl<T: Send, B: ?Sized> Sync for CellRef<T, B> {}

impl<T, B: ?Sized> CellRef<T, B> {
    /// What the task and its handle share.
    pub(super) fn shared(&self) -> &Shared<T> {
        // SAFETY: the cell lives while an owner does; this borrows `shared` only.
        unsafe { &(*self.cell.as_ptr()).shared }
    }

    /// Whether the other owner is still there (once gone, it cannot come back).
    #[inline]
    fn both_alive(&self) -> bool {
        // SAFETY: as in `shared`; this borrows `refs` only. `Acquire`: what the other
        // owner did to `shared` before letting go happens before what follows.
        unsafe { (*self.cell.as_ptr()).refs.load(Ordering::Acquire) > 1 }
    }

    /// Frees the cell, once no other owner is left: out of line, so that a release that
    /// does not free stays a decrement where it is inlined.
    #[inline(never)]
    fn free(&mut self) {
        // SAFETY: the cell came from `Box::leak` (a `dyn Future` one is unsized from
        // that pointer, so its vtable gives the size), and no other owner is left.
        drop(unsafe { Box::from_raw(self.cell.as_ptr()) });
    }
}

impl<T, B: ?Sized> Drop for CellRef<T, B> {
    /// The last owner to let go frees the cell (`Arc`'s protocol: a release decrement,
    /// then an acquire fence before freeing, so the other owner's uses happen before).
    /// An owner that sees the other one gone is the last without counting down: the
    /// other cannot come back (a chain of detached spawns saves a locked instruction per
    /// task).
    #[inline]
    fn drop(&mut self) {
        // SAFETY: as in `shared`; this borrows `refs` only.
        let refs = unsafe { &(*self.cell.as_ptr()).refs };
        // `Acquire`: the other owner's uses happen before the free.
        if refs.load(Ordering::Acquire) != 1 {
            if refs.fetch_sub(1, Ordering::Release) != 1 {
                return;
            }
            fence(Ordering::Acquire);
        }
        self.free();
    }
}

pin_project_lite::pin_project! {
    /// The task as the executor polls it: the user's future, its panic caught.
    pub(super) struct Body<F: Future> {
        #[pin]
        future: CatchPanic<F>,
        // The waker last registered in `Shared::task`.
        registered: Option<Waker>,
        // The future finished and its outcome went to `shared`.
        ended: bool,
        // The cell this body sits in: the task's reference, released in `release`.
        cell: NonNull<CellOf<F>>,
    }
}

impl<F: Future> Body<F> {
    /// The task's reference, borrowed: `ManuallyDrop` keeps it from being released
    /// (only `release` does that, after the body's last use).
    fn cell(&self) -> ManuallyDrop<CellRef<F::Output, Body<F>>> {
        ManuallyDrop::new(CellRef { cell: self.cell })
    }
}

impl<F: Future> Future for Body<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let cell = self.cell();
        let shared = cell.shared();
        let this = self.project();
        // Once the handle is gone, nobody can abort: a detached task keeps no waker
        // (a chain of detached spawns saves a registration and a waker clone per task).
        let joinable = cell.both_alive();
        if joinable && !this.registered.as_ref().is_some_and(|waker| waker.will_wake(cx.waker())) {
            shared.task.register(cx.waker());
            *this.registered = Some(cx.waker().clone());
        }
        // After registering: an abort either is seen here or wakes the new waker.
        if shared.aborted.load(Ordering::Acquire) {
            // The executor drops the task now; `release` then reports it cancelled.
            return Poll::Ready(());
        }
        let caught = ready!(this.future.poll(cx));
        *this.ended = true;
        // A detached task's outcome is just dropped, without locking (a panic in it is
        // then recorded as unretrieved). A handle dropped during this poll still gets
        // the outcome stored, for the cell to drop.
        if joinable {
            shared.end(Slot::Ready(caught));
        }
        Poll::Ready(())
    }
}

/// The executor's reference to a task: owns the task's body and the task's reference
/// to its cell. Handed to the pool as a `FutureObj`, which calls
/// [`UnsafeFutureObj::drop`] when the pool drops the task (finished, aborted, or the
/// pool dropped).
pub(super) struct Spawned<F: Future> {
    cell: NonNull<CellOf<F>>,
}

// SAFETY: a `Spawned` owns the body (the future, a waker) and the task's `CellRef`,
// which is `Send` when the output is: moving it to another thread moves the future
// there, which `F: Send` allows.
unsafe impl<F: Future + Send> Send for Spawned<F> where F::Output: Send {}

impl<F: Future> Spawned<F> {
    /// The body's address, with the cell's provenance (no reference to the cell made).
    fn body(&self) -> *mut Body<F> {
        // SAFETY: the cell is live (the task's reference is released only with the
        // body); `&raw const` makes no reference, nor does `raw_get` to the contents.
        let body = UnsafeCell::raw_get(unsafe { &raw const (*self.cell.as_ptr()).body });
        // `ManuallyDrop<Body<F>>` has `Body<F>`'s layout.
        body.cast::<Body<F>>()
    }
}

/// Wraps `future` for spawning: returns the task to hand to the executor (as a
/// `FutureObj`) and its contract handle, sharing one allocation.
#[inline]
pub(super) fn with_handle<F: Future + 'static>(
    future: F,
) -> (Spawned<F>, FuturesJoinHandle<F::Output>) {
    // Written field by field into the allocation: built on the stack, the cell would be
    // copied over whole (a `memcpy` of some 150 bytes per spawn, in callgrind).
    let cell = NonNull::from(Box::leak(Box::<CellOf<F>>::new_uninit())).cast::<CellOf<F>>();
    let raw = cell.as_ptr();
    // SAFETY: `raw` is a fresh allocation for a cell, reached by nobody else: each field
    // is written once, through a place that makes no reference, which initialises the
    // whole cell (`ManuallyDrop<Body<F>>` has `Body<F>`'s layout).
    unsafe {
        (&raw mut (*raw).refs).write(AtomicUsize::new(2));
        (&raw mut (*raw).shared).write(Shared::new());
        let body = UnsafeCell::raw_get(&raw const (*raw).body).cast::<Body<F>>();
        body.write(Body { future: catch_panic(future), registered: None, ended: false, cell });
    }
    (Spawned { cell }, FuturesJoinHandle::new(CellRef { cell }))
}

/// Drops the task's body (its future's destructors run first), reports the task
/// cancelled if it did not finish, and releases the task's reference to the cell.
///
/// # Safety
/// `body` is the body of a live cell, owned by the caller, not in use, and not used
/// again.
unsafe fn release<F: Future>(body: *mut Body<F>) {
    // SAFETY: the caller owns the live body (above).
    let (cell, ended) = unsafe { (ManuallyDrop::into_inner((*body).cell()), (*body).ended) };
    // SAFETY: as above; the pool polls a body in place, so it is dropped where it was pinned.
    unsafe { ptr::drop_in_place(body) };
    if !ended && cell.both_alive() {
        cell.shared().end(Slot::Cancelled);
    }
}

impl<F: Future> Drop for Spawned<F> {
    /// Only if it never reached the pool (`FutureObj::new` consumes it at once).
    fn drop(&mut self) {
        // SAFETY: a `Spawned` owns its body until `into_raw`, which forgets it.
        unsafe { release(self.body()) }
    }
}

// SAFETY: `into_raw` gives a pointer to the pinned body in its cell, which stays there,
// alive, until `drop` (the `Spawned` owns the task's reference and the body, and
// forgets both into the pointer). Only this pointer reaches the body, so polling it
// through `Pin<&mut dyn Future>`, non-reentrantly, is exclusive access. `drop`
// releases both exactly once per `into_raw`.
unsafe impl<F: Future + 'static> UnsafeFutureObj<'static, ()> for Spawned<F> {
    fn into_raw(self) -> *mut (dyn Future<Output = ()> + 'static) {
        ManuallyDrop::new(self).body()
    }

    unsafe fn drop(ptr: *mut (dyn Future<Output = ()> + 'static)) {
        // SAFETY: `ptr` came from `into_raw` (the caller's promise), so it points to a
        // `Body<F>`, is not in use, and is not used again.
        unsafe { release(ptr.cast::<Body<F>>()) }
    }
}

#[cfg(test)]
mod tests;
