//! Futures without a runtime: the course's "you are the loop" (W8-S4, W8-S5).
//!
//! A `Future` is a language construct; nothing in it needs an executor. These helpers
//! drive one by hand, or return `Pending` on purpose, so scenarios can show that the
//! same future gives the same result under a bare poll loop as under any runtime.

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

/// Drives `future` to completion by polling it in a loop with a no-op waker, and
/// returns its output with the number of polls it took. Only meaningful for futures
/// that make progress on every poll (no timers, no I/O).
///
/// ```
/// let (value, polls) = rtbench_core::language::poll_loop(async { 7 });
/// assert_eq!((value, polls), (7, 1));
/// ```
pub fn poll_loop<F: Future>(future: F) -> (F::Output, u64) {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return (value, polls);
        }
    }
}

/// A future that is `Pending` once — waking itself — and then `Ready`. This is the
/// hand-written awaitable of the course and the generic `yield_now`: the task goes
/// back to the end of its executor's queue.
///
/// ```
/// let (_, polls) = rtbench_core::language::poll_loop(rtbench_core::language::YieldOnce::default());
/// assert_eq!(polls, 2);
/// ```
#[derive(Debug, Default)]
pub struct YieldOnce {
    yielded: bool,
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            Poll::Ready(())
        } else {
            self.yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}
