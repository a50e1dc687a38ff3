//! [`ThreadBound`]: a `!Send` value made `Send` by checking, on every access, poll and
//! drop, that it is still on the thread that made it — panicking otherwise, never
//! undefined behaviour. The thread-per-core adapters (glommio, monoio, compio) wrap
//! their runtimes' `!Send` handles, timers, sockets and files in it, so that the
//! contract's associated types can be `Send` while their tasks never leave their
//! thread (see the design notes). `send_wrapper::SendWrapper` does the same, but identifies the
//! thread with `thread::current().id()`, which takes and releases a reference to the
//! thread's handle (two atomic operations) on every check: on glommio's spawn path,
//! where a handle is made, polled and dropped once per task, that cost 18–26 % of a
//! spawn (64 → 102 ns, measured with `rtbench overhead`). Here the thread is identified
//! by a number drawn once per thread from a global counter and kept in a `const`
//! thread-local: a check is a thread-local read and a comparison. Numbers are never
//! reused, so a value cannot pass for at home on a thread that came after its own.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::mem::{self, ManuallyDrop};
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use futures::io::{AsyncRead, AsyncWrite};

/// A value that may be moved between threads but used and dropped only on its own.
pub struct ThreadBound<T> {
    value: ManuallyDrop<T>,
    home: u64,
}

// SAFETY: the value is only reached (deref, poll, drop) after checking that the caller
// runs on the thread that made it; elsewhere those panic instead (a value whose drop
// does nothing may be dropped anywhere, since dropping it touches nothing).
unsafe impl<T> Send for ThreadBound<T> {}

/// The number of the calling thread: drawn at its first use, then fixed.
#[inline]
pub(crate) fn this_thread() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static NUMBER: Cell<u64> = const { Cell::new(0) };
    }
    NUMBER.with(|number| match number.get() {
        0 => {
            let drawn = NEXT.fetch_add(1, Ordering::Relaxed);
            number.set(drawn);
            drawn
        }
        known => known,
    })
}

impl<T> ThreadBound<T> {
    /// Binds `value` to the calling thread.
    pub fn new(value: T) -> Self {
        ThreadBound { value: ManuallyDrop::new(value), home: this_thread() }
    }

    /// The value, out of its wrapper (on its own thread only).
    #[track_caller]
    pub fn into_inner(self) -> T {
        self.check("unwrapped");
        let mut bound = ManuallyDrop::new(self);
        // SAFETY: at home; the wrapper is never dropped (`ManuallyDrop`), so the value is
        // taken out exactly once.
        unsafe { ManuallyDrop::take(&mut bound.value) }
    }

    #[inline]
    fn at_home(&self) -> bool {
        self.home == this_thread()
    }

    #[track_caller]
    fn check(&self, what: &str) {
        if !self.at_home() {
            panic!("{what} a thread-bound value on a thread other than the one that made it");
        }
    }
}

impl<T> Deref for ThreadBound<T> {
    type Target = T;

    #[track_caller]
    fn deref(&self) -> &T {
        self.check("used");
        &self.value
    }
}

impl<T> DerefMut for ThreadBound<T> {
    #[track_caller]
    fn deref_mut(&mut self) -> &mut T {
        self.check("used");
        &mut self.value
    }
}

impl<F: Future> Future for ThreadBound<F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.check("polled");
        // SAFETY: the value is never moved out of its pinned wrapper (only dropped in
        // place), so projecting the pin onto it is sound.
        unsafe { self.map_unchecked_mut(|bound| &mut *bound.value) }.poll(cx)
    }
}

/// A thread-bound byte stream is a byte stream, checked on every call (the thread-per-core
/// adapters' TCP streams are `ThreadBound<native stream>`).
impl<S: AsyncRead + Unpin> AsyncRead for ThreadBound<S> {
    #[track_caller]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut **self.get_mut()).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ThreadBound<S> {
    #[track_caller]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut **self.get_mut()).poll_write(cx, buf)
    }

    #[track_caller]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut **self.get_mut()).poll_flush(cx)
    }

    #[track_caller]
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut **self.get_mut()).poll_close(cx)
    }
}

impl<T> Drop for ThreadBound<T> {
    #[track_caller]
    fn drop(&mut self) {
        if !mem::needs_drop::<T>() || self.at_home() {
            // SAFETY: at home (or nothing to run), and dropped only here, once.
            unsafe { ManuallyDrop::drop(&mut self.value) }
        } else if !std::thread::panicking() {
            panic!("dropped a thread-bound value on a thread other than the one that made it");
        }
        // Already unwinding on a foreign thread: leak the value rather than abort.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_have_distinct_numbers_that_stay_fixed() {
        let here = this_thread();
        assert_eq!(here, this_thread());
        let there = std::thread::spawn(this_thread).join().unwrap();
        assert_ne!(here, there);
    }

    #[test]
    fn use_and_drop_elsewhere_panic() {
        let bound = ThreadBound::new(std::rc::Rc::new(5));
        assert_eq!(**bound, 5);
        let used = std::thread::spawn({
            let bound = ThreadBound::new(std::rc::Rc::new(6));
            move || {
                let value = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| **bound));
                mem::forget(bound);
                value
            }
        });
        assert!(used.join().unwrap().is_err(), "deref on another thread must panic");
        let dropped = std::thread::spawn({
            let bound = ThreadBound::new(std::rc::Rc::new(7));
            move || drop(bound)
        });
        assert!(dropped.join().is_err(), "drop on another thread must panic");
    }
}
