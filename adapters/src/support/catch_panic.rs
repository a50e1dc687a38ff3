//! Catching a task's panic, for adapters: the contract says a panic comes back as
//! [`JoinError::Panicked`] and one nobody retrieves is recorded, and these helpers are
//! how an adapter keeps that promise. The promise and the record ([`Panic`], the
//! unretrieved-panic registry) are `rtbench_core`'s; this is the machinery, which no
//! scenario needs.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::CatchUnwind;
use futures::FutureExt;
use rtbench_core::task::{payload_message, Panic};
use rtbench_core::JoinError;

/// What a spawned task's future resolves to inside an adapter: its value, or its panic.
pub type Caught<T> = Result<T, Panic>;

/// Wraps a task's future so that a panic becomes a value instead of unwinding into the
/// executor. Adapters spawn `catch_panic(future)` and turn the `Err` into
/// [`JoinError::Panicked`] with [`Panic::into_join_error`] when the handle is awaited.
/// Costs nothing unless the future panics.
pub fn catch_panic<F: Future>(future: F) -> CatchPanic<F> {
    CatchPanic { future }
}

pin_project_lite::pin_project! {
    /// The future returned by [`catch_panic`]: exactly the size of the future it wraps
    /// (no combinator state), so task cells grow only by the wider output.
    pub struct CatchPanic<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Caught<F::Output>;

    /// Inlined into the task's poll: out of line, it was a call and a copy of the output
    /// on every poll of every task (callgrind, monoio's `spawn_many`).
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.project().future;
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(payload) => Poll::Ready(Err(Panic::from_payload(payload))),
        }
    }
}

/// For runtimes that already catch a task's panic and hand its payload to whoever awaits
/// the task (tokio): wraps the future so that a panic is re-raised with a [`Panic`] guard
/// as its payload. The task's output type stays `F::Output` — no wider result stored in
/// every task — and if the runtime drops the payload because nobody awaited the task,
/// the guard records the panic as unretrieved. The adapter turns the payload back into
/// a [`JoinError`] with [`join_error_from_payload`].
pub fn rethrow_as_guard<F: Future>(future: F) -> RethrowAsGuard<F> {
    RethrowAsGuard { future }
}

pin_project_lite::pin_project! {
    /// The future returned by [`rethrow_as_guard`]. Exactly the size of the future it
    /// wraps: no extra state, so tokio's task cells do not grow (a combinator with its
    /// own state measurably slowed spawn_many).
    pub struct RethrowAsGuard<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for RethrowAsGuard<F> {
    type Output = F::Output;

    /// Inlined into the task's poll, as [`CatchPanic::poll`]: out of line, it was a call
    /// of 18 instructions per task on smol-1's `spawn_many` (callgrind).
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let future = self.project().future;
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(poll) => poll,
            Err(payload) => std::panic::resume_unwind(Box::new(Panic::from_payload(payload))),
        }
    }
}

/// The [`JoinError`] for a panic payload a runtime returned: a [`Panic`] guard (see
/// [`rethrow_as_guard`]) is marked retrieved; any other payload gives its message.
pub fn join_error_from_payload(payload: Box<dyn Any + Send>) -> JoinError {
    match payload.downcast::<Panic>() {
        Ok(guard) => guard.into_join_error(),
        Err(other) => JoinError::Panicked(payload_message(other.as_ref())),
    }
}

/// Polls the handle of a task spawned as [`rethrow_as_guard`]`(future)` on a runtime
/// that re-raises a task's panic in whoever polls its handle (async-task's `Task`, as
/// async-executor spawns it, with `propagate_panic`): the re-raised panic becomes the
/// [`JoinError`]. The task's output stays `T` — no wider result in every task, no second
/// `catch_unwind` beside the runtime's own — and a panic nobody retrieves is recorded
/// when the runtime drops its payload. Inlined into the handle's poll, like
/// [`CatchPanic::poll`].
#[inline(always)]
pub fn poll_rethrown<F: Future + ?Sized>(
    handle: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<Result<F::Output, JoinError>> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| handle.poll(cx))) {
        Ok(poll) => poll.map(Ok),
        Err(payload) => Poll::Ready(Err(join_error_from_payload(payload))),
    }
}

/// Drives `root` with `block_on` (a runtime's own), a panic in it caught inside the
/// runtime and resumed on the caller: for runtimes whose `block_on` would otherwise let
/// it unwind through their run loop (monoio) or cancel every other task (compio). The
/// catch is on every poll of the root, which costs where a runtime polls its root on
/// every turn of its loop (compio; `rtbench-native` measures it on a line of its own).
pub fn block_on_resuming<F: Future>(
    root: F,
    block_on: impl FnOnce(CatchUnwind<AssertUnwindSafe<F>>) -> std::thread::Result<F::Output>,
) -> F::Output {
    block_on(AssertUnwindSafe(root).catch_unwind())
        .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}

/// The same as [`catch_panic`], for a blocking closure.
pub fn catch_panic_sync<T>(f: impl FnOnce() -> T) -> Caught<T> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(Panic::from_payload)
}

/// Turns an adapter's caught output into the contract's join result.
pub fn join_result<T>(caught: Caught<T>) -> Result<T, JoinError> {
    caught.map_err(Panic::into_join_error)
}

#[cfg(test)]
mod tests {
    use rtbench_core::language::poll_loop;
    use rtbench_core::task::unretrieved_panics;

    use super::*;

    #[test]
    fn a_caught_panic_is_retrieved_by_join_result() {
        let caught = catch_panic_sync(|| panic!("retrieved-7f3a"));
        let err = join_result::<()>(caught).unwrap_err();
        assert_eq!(err, JoinError::Panicked("retrieved-7f3a".into()));
        assert!(unretrieved_panics::take_matching("retrieved-7f3a").is_empty());
    }

    #[test]
    fn rethrown_guard_is_retrieved_or_recorded() {
        let rethrow = || {
            std::panic::catch_unwind(|| poll_loop(rethrow_as_guard(async { panic!("guard-5d2b") })))
                .unwrap_err()
        };
        let retrieved = join_error_from_payload(rethrow());
        assert_eq!(retrieved, JoinError::Panicked("guard-5d2b".into()));
        assert!(unretrieved_panics::take_matching("guard-5d2b").is_empty());
        drop(rethrow());
        assert_eq!(unretrieved_panics::take_matching("guard-5d2b"), ["guard-5d2b"]);
    }

    #[test]
    fn a_rethrown_panic_is_caught_where_the_handle_is_polled() {
        let mut panicking = std::pin::pin!(async {
            panic!("rethrown-9c1e");
        });
        let (out, _) = poll_loop(std::future::poll_fn(|cx| poll_rethrown(panicking.as_mut(), cx)));
        assert_eq!(out, Err::<(), _>(JoinError::Panicked("rethrown-9c1e".into())));
        let mut value = std::pin::pin!(async { 7 });
        let (out, _) = poll_loop(std::future::poll_fn(|cx| poll_rethrown(value.as_mut(), cx)));
        assert_eq!(out, Ok(7));
    }

    #[test]
    fn catch_panic_future_passes_values_through() {
        let (out, _) = poll_loop(catch_panic(async { 41 + 1 }));
        assert_eq!(join_result(out), Ok(42));
    }
}
