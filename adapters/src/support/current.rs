//! The "current runtime" of a thread, for executors that have no such notion.
//!
//! The contract's `R::spawn` takes no runtime handle: like `tokio::spawn`, it acts on
//! the runtime the calling thread belongs to. tokio and async-std know that themselves;
//! async-executor and the `futures` executors do not, so their adapters keep a handle
//! in a thread-local.
//!
//! The slot is a plain pointer ([`Scoped`]), because reading it is on every spawn's
//! path: a `Cell` of a pointer needs no destructor, so reading it ([`with`]) is one
//! thread-local load and a null check. The `RefCell<Option<Rc<_>>>` it replaces (lazily
//! registered destructor, borrow flag) cost smol-1 and reference 35–37 instructions per
//! spawn (callgrind), 4–6 % of a spawn. It is set with
//! [`scoped`], while a closure runs (a `block_on`, or a worker thread's whole run loop),
//! restored after it, so runtimes may nest. The handle is borrowed for the closure, so
//! the pointer never outlives it. (`futures-pool`'s workers run the executor's loop, not
//! ours: its adapter sets their slot itself, and guards its reads: `futures::current_pool`.)

use std::cell::Cell;
use std::thread::LocalKey;

/// A thread-local slot pointing at the current runtime's handle while one is entered.
pub type Scoped<T> = LocalKey<Cell<*const T>>;

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

/// Panics as `R::spawn` does outside its runtime (`runtime` names it), like
/// `tokio::spawn` outside a tokio runtime.
#[cold]
pub fn outside(runtime: &str) -> ! {
    panic!("{runtime}: called outside the runtime (not in its block_on or on one of its threads)")
}
