//! The "current runtime" of a thread, for executors that have no such notion.
//!
//! The contract's `R::spawn` takes no runtime handle: like `tokio::spawn`, it acts on
//! the runtime the calling thread belongs to. tokio and async-std know that themselves;
//! async-executor and the `futures` executors do not, so their adapters keep a handle
//! in a thread-local: set for the duration of `block_on` on the calling thread
//! ([`enter`], restoring what was there before, so runtimes may nest) and for the
//! whole life of their worker threads ([`install`]). Reading it ([`with`]) costs a
//! thread-local access and a `RefCell` flag check, no atomics.

use std::cell::RefCell;
use std::thread::LocalKey;

/// A thread-local slot holding the current runtime's handle, if any.
pub type Slot<T> = LocalKey<RefCell<Option<T>>>;

/// Puts the previous value back into the slot when `block_on` returns (or unwinds).
#[must_use = "the slot is restored when the guard is dropped"]
pub struct Entered<T: 'static> {
    slot: &'static Slot<T>,
    previous: Option<T>,
}

/// Makes `handle` the current runtime of this thread until the guard is dropped.
pub fn enter<T>(slot: &'static Slot<T>, handle: T) -> Entered<T> {
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
/// threads).
pub fn install<T>(slot: &'static Slot<T>, handle: T) {
    slot.with(|current| *current.borrow_mut() = Some(handle));
}

/// Calls `f` with the current runtime's handle.
///
/// # Panics
/// If this thread belongs to no runtime of this kind (`runtime` names it in the message),
/// as `tokio::spawn` does outside a tokio runtime.
pub fn with<T, R>(slot: &'static Slot<T>, runtime: &str, f: impl FnOnce(&T) -> R) -> R {
    slot.with(|current| match &*current.borrow() {
        Some(handle) => f(handle),
        None => panic!(
            "{runtime}: called outside the runtime (not in its block_on or on one of its threads)"
        ),
    })
}
