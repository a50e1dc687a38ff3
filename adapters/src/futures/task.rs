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
//! The cell has exactly two owners, the task and the handle, so it tracks them itself,
//! as two bits of the shared state word ([`Shared::let_go`]), rather than in an `Arc`:
//! both bits are set with the word's one store, the first owner to let go clears its
//! bit, and the last one, seeing it alone, frees the cell without another locked
//! instruction (an `Arc` adds a clone's increment and the weak count's decrement, and
//! decrements on every drop).
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
use std::task::{ready, Context, Poll, Waker};

use ::futures::task::UnsafeFutureObj;

use super::join::{FuturesJoinHandle, Shared};
use crate::support::catch_panic::{catch_panic, CatchPanic};

/// The one allocation of a spawn: what the task shares with its handle (which of the
/// two owners are left among it), then the task itself. The handle sees `body` as a
/// `dyn Future` it never touches (it needs its size only, to free the cell); the body
/// is dropped by the task's side, never by the cell's.
pub(super) struct TaskCell<T, B: ?Sized> {
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

// SAFETY: a `CellRef` reaches `shared`, never the body: only the `Spawned` that owns
// the body reaches it, and that is `Send` only when the future is (below). `shared` is
// atomics, `AtomicWaker`s and the outcome's slot, which moves a `T` from the task's
// thread to the handle's once, ordered by the state word (`join`'s `DONE` and
// `TAKEN`): so `T: Send` is enough, as for a channel. Freeing the cell on another
// thread drops `shared` only (the body is `ManuallyDrop`, and already dropped by then).
unsafe impl<T: Send, B: ?Sized> Send for CellRef<T, B> {}
// SAFETY: as for `Send`: through `&CellRef`, only `shared` is reachable.
unsafe impl<T: Send, B: ?Sized> Sync for CellRef<T, B> {}

impl<T, B: ?Sized> CellRef<T, B> {
    /// What the task and its handle share.
    pub(super) fn shared(&self) -> &Shared<T> {
        // SAFETY: the cell lives while an owner does; this borrows `shared` only.
        unsafe { &(*self.cell.as_ptr()).shared }
    }

    /// Lets go of the cell for `side` (`join`'s `TASK` or `HANDLE`), freeing it if the other
    /// side already has.
    ///
    /// # Safety
    /// `side` is the side this reference is, and it is not used after this call.
    #[inline]
    pub(super) unsafe fn let_go(&self, side: usize) {
        // SAFETY: the caller's promise.
        if unsafe { self.shared().let_go(side) } {
            // SAFETY: no other owner is left, and this one is done with the cell.
            unsafe { self.free() }
        }
    }

    /// Frees the cell. Out of line, so that a handle's drop that does not free stays a
    /// test and a decrement where it is inlined; the task's side, already out of line
    /// (the pool drops it through a pointer), frees in place ([`release`]).
    ///
    /// # Safety
    /// No other owner is left, and this one does not use the cell again.
    #[inline(never)]
    unsafe fn free(&self) {
        // SAFETY: the caller's promise.
        unsafe { self.free_here() }
    }

    /// [`free`](Self::free), inlined.
    ///
    /// # Safety
    /// As for `free`.
    #[inline(always)]
    unsafe fn free_here(&self) {
        // SAFETY: the cell came from `Box::leak` (a `dyn Future` one is unsized from
        // that pointer, so its vtable gives the size), and no other owner is left (the
        // caller's promise).
        drop(unsafe { Box::from_raw(self.cell.as_ptr()) });
    }
}

pin_project_lite::pin_project! {
    /// The task as the executor polls it: the user's future, its panic caught.
    pub(super) struct Body<F: Future> {
        #[pin]
        future: CatchPanic<F>,
        // The waker last registered in `Shared::task`.
        registered: Option<Waker>,
        // The cell this body sits in: the task's reference, released in `release`.
        cell: NonNull<CellOf<F>>,
    }
}

impl<F: Future> Body<F> {
    /// The task's reference (only `release` lets go of it, after the body's last use).
    fn cell(&self) -> CellRef<F::Output, Body<F>> {
        CellRef { cell: self.cell }
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
        let mut state = shared.state();
        let joinable = Shared::<F::Output>::joinable(state);
        if joinable && !this.registered.as_ref().is_some_and(|waker| waker.will_wake(cx.waker())) {
            shared.task.register(cx.waker());
            *this.registered = Some(cx.waker().clone());
            // After registering: an abort either is seen here or wakes the new waker.
            state = shared.state();
        }
        if Shared::<F::Output>::stopped(state) {
            // Aborted: the executor drops the task now, and `release` then reports it
            // cancelled. Or polled again after it ended: nothing to do.
            return Poll::Ready(());
        }
        let caught = ready!(this.future.poll(cx));
        // A detached task's outcome is just dropped, without a locked instruction (a
        // panic in it is then recorded as unretrieved). A handle dropped during this
        // poll still gets the outcome stored, for the cell to drop.
        if joinable {
            // SAFETY: the task ends once (`DONE`, set here, stops it above), holds the
            // cell until `release`, and saw the handle there.
            unsafe { shared.end(caught) };
        }
        Poll::Ready(())
    }
}

/// The executor's reference to a task: owns the task's body and the task's reference
/// to its cell. Handed to the pool as a `FutureObj`, which calls
/// [`UnsafeFutureObj::drop`] when the pool drops the task (finished, aborted, or the
/// pool dropped).
pub(super) struct Spawned<F: Future + 'static> {
    cell: NonNull<CellOf<F>>,
}

// SAFETY: a `Spawned` owns the body (the future, a waker) and the task's `CellRef`,
// which is `Send` when the output is: moving it to another thread moves the future
// there, which `F: Send` allows.
unsafe impl<F: Future + Send + 'static> Send for Spawned<F> where F::Output: Send {}

impl<F: Future + 'static> Spawned<F> {
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
        (&raw mut (*raw).shared).write(Shared::new());
        let body = UnsafeCell::raw_get(&raw const (*raw).body).cast::<Body<F>>();
        body.write(Body { future: catch_panic(future), registered: None, cell });
    }
    (Spawned { cell }, FuturesJoinHandle::new(CellRef { cell }))
}

/// Drops the task's body (its future's destructors run first), reports the task
/// cancelled if it did not finish, and releases the task's reference to the cell,
/// freeing it in place if the handle is gone (a detached task, as a rule). If a
/// destructor panics, the rest still happens as the panic unwinds.
///
/// # Safety
/// `body` is the body of a live cell, owned by the caller, not in use, and not used
/// again.
#[inline]
unsafe fn release<F: Future + 'static>(body: *mut Body<F>) {
    // Field by field, so that the drop is inlined here: the body's drop glue was a call
    // of 13 instructions per task (callgrind, `futures-local`'s `chained_spawn`). The
    // pattern names every field, so a new one cannot be left undropped.
    // SAFETY: the caller owns the live body (above).
    let Body { future, registered, cell } = unsafe { &mut *body };
    // Lets go of the cell last, or as an unwind from a destructor passes.
    let task = TaskLetsGo(CellRef { cell: *cell });
    // The pool's waker first, so that it is not held across the future's destructors.
    // SAFETY: the body is owned by the caller and not used again (above).
    drop(unsafe { ptr::read(registered) });
    // SAFETY: the body is pinned where it is (the pool polls it in place), owned by the
    // caller and not used again: its future is dropped once, in place.
    unsafe { ptr::drop_in_place(future) };
    task.now();
}

/// The task's reference to its cell, let go of by [`release`]'s last step, or when
/// dropped by an unwind from a destructor before it.
struct TaskLetsGo<F: Future + 'static>(CellRef<F::Output, Body<F>>);

impl<F: Future + 'static> TaskLetsGo<F> {
    /// Lets go now, freeing in place: inlined, where a guard's drop was a call of its
    /// own (callgrind).
    #[inline(always)]
    fn now(self) {
        let task = ManuallyDrop::new(self);
        // SAFETY: the task's reference, made by `release` from the body, which nothing
        // uses again; let go of once (the guard is forgotten).
        if unsafe { task.0.shared().task_lets_go() } {
            // SAFETY: the handle let go first, and the task is done with the cell.
            unsafe { task.0.free_here() }
        }
    }
}

impl<F: Future + 'static> Drop for TaskLetsGo<F> {
    /// Only on an unwind ([`now`](Self::now) forgets the guard). Frees through the
    /// handle's view of the cell (`dyn Future`), so that the drop of a cell of this
    /// type is inlined at one place only, `now`'s (at two, it was a call of its own).
    #[cold]
    fn drop(&mut self) {
        // SAFETY: as in `now`: the guard is dropped once, instead of `now`.
        if unsafe { self.0.shared().task_lets_go() } {
            let cell: CellRef<F::Output> = CellRef { cell: self.0.cell };
            // SAFETY: as in `now`; the same cell, seen as the handle sees it.
            unsafe { cell.free() }
        }
    }
}

impl<F: Future + 'static> Drop for Spawned<F> {
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
