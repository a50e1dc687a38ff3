//! The "current runtime" of a thread, for executors that have no such notion.
//!
//! The contract's `R::spawn` takes no runtime handle: like `tokio::spawn`, it acts on
//! the runtime the calling thread belongs to. tokio and async-std know that themselves;
//! async-executor and the `futures` executors do not, so their adapters keep a handle
//! in a thread-local.
//!
//! Two kinds of slot, because reading one is on every spawn's path:
//! - [`Scoped`]: a plain pointer, set while a closure runs ([`scoped`]: a `block_on`, or
//!   a worker thread's whole run loop) and restored after it, so runtimes may nest.
//!   The handle is borrowed for the closure, so the pointer never outlives it. A
//!   `Cell` of a pointer needs no destructor, so reading it ([`with`]) is one
//!   thread-local load and a null check: the `RefCell<Option<Rc<_>>>` it replaces
//!   (lazily registered destructor, borrow flag) cost smol-1 and reference 35–37
//!   instructions per spawn (callgrind), 4–6 % of a spawn.
//! - [`Owned`]: the handle itself, for a runtime whose workers get it from a start-up
//!   callback and keep it for life ([`install`]; `futures-pool`, whose workers may
//!   outlive the runtime), and during its `block_on` ([`enter`]); read with
//!   [`with_owned`].

use std::cell::{Cell, RefCell};
use std::thread::LocalKey;

/// A thread-local slot pointing at the current runtime's handle while one is entered.
pub type Scoped<T> = LocalKey<Cell<*const T>>;

/// A thread-local slot owning the current runtime's handle, if any.
pub type Owned<T> = LocalKey<RefCell<Option<T>>>;

/// Makes `handle` the current runtime of this thread while `f` runs (restoring what was
/// there before when it returns or unwinds).
pub fn scoped<T: 'static, R>(slot: &'static Scoped<T>, handle: &T, f: impl FnOnce() -> R) -> R {
    /// Puts the previous pointer back, even when `f` unwinds.
    struct Restore<T: 'static> {
        slot: &'static Scoped<T>,
        previous: *const T,
    }
    impl<T> Drop for Restore<T> {
        fn drop(&mut self) {
            self.slot.set(self.previous);
        }
    }
    let _restore = Restore { slot, previous: slot.replace(handle) };
    f()
}

/// Calls `f` with the current runtime's handle.
///
/// # Panics
/// If this thread belongs to no runtime of this kind (`runtime` names it in the message),
/// as `tokio::spawn` does outside a tokio runtime.
#[inline]
pub fn with<T: 'static, R>(slot: &'static Scoped<T>, runtime: &str, f: impl FnOnce(&T) -> R) -> R {
    with_if_any(slot, |current| match current {
        Some(handle) => f(handle),
        None => outside(runtime),
    })
}

/// Calls `f` with the current runtime's handle, or `None` outside any.
#[inline]
pub fn with_if_any<T: 'static, R>(slot: &'static Scoped<T>, f: impl FnOnce(Option<&T>) -> R) -> R {
    // SAFETY: the pointer is non-null only inside `scoped`, whose borrow of the handle
    // lasts until it restores the slot; `f` returns before that frame can end.
    f(unsafe { slot.get().as_ref() })
}

/// Puts the previous handle back into an [`Owned`] slot when `block_on` returns (or
/// unwinds).
#[must_use = "the slot is restored when the guard is dropped"]
pub struct Entered<T: 'static> {
    slot: &'static Owned<T>,
    previous: Option<T>,
}

/// Makes `handle` the current runtime of this thread until the guard is dropped.
pub fn enter<T>(slot: &'static Owned<T>, handle: T) -> Entered<T> {
    let previous = slot.with(|current| current.replace(Some(handle)));
    Entered { slot, previous }
}

impl<T> Drop for Entered<T> {
    fn drop(&mut self) {
        let previous = self.previous.take();
        self.slot.with(|current| *current.borrow_mut() = previous);
    }
}

/// Makes `handle` the current runtime of this thread for the rest of its life (worker
/// threads that get it from a start-up callback).
pub fn install<T>(slot: &'static Owned<T>, handle: T) {
    slot.with(|current| *current.borrow_mut() = Some(handle));
}

/// Calls `f` with the handle [`install`]ed on this thread.
///
/// # Panics
/// As [`with`].
pub fn with_owned<T, R>(slot: &'static Owned<T>, runtime: &str, f: impl FnOnce(&T) -> R) -> R {
    slot.with(|current| match &*current.borrow() {
        Some(handle) => f(handle),
        None => outside(runtime),
    })
}

#[cold]
fn outside(runtime: &str) -> ! {
    panic!("{runtime}: called outside the runtime (not in its block_on or on one of its threads)")
}
