//! A future whose poll is a function call of its own, whatever the inliner would do.
//!
//! Why: a runtime polls a task's future from its task harness, and whether that poll is
//! inlined there is the compiler's choice, made per build. A wrapper the adapter adds
//! around the future can change that choice. tokio's adapter wraps each task in
//! [`rethrow_as_guard`](crate::support::catch_panic::rethrow_as_guard), whose
//! `catch_unwind` takes the future's poll as a closure. Its trampoline took
//! `yield_many`'s whole task inlined, where tokio's own harness calls it. The same
//! instructions, placed there, cost tokio-ct 8 % per yield over its native twin on this
//! project's 2-core AMD VM (a tokio-only build, 41 pairs in one process: 1.08–1.11, and
//! 0.96–1.00 with the poll kept apart).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// `future`, its poll kept out of line.
pub fn out_of_line<F: Future>(future: F) -> OutOfLine<F> {
    OutOfLine { future }
}

pin_project_lite::pin_project! {
    /// The future returned by [`out_of_line`]: the same size as the one it wraps.
    pub struct OutOfLine<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for OutOfLine<F> {
    type Output = F::Output;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        poll_apart(self.project().future, cx)
    }
}

/// The one call the wrapper adds.
#[inline(never)]
fn poll_apart<F: Future>(future: Pin<&mut F>, cx: &mut Context<'_>) -> Poll<F::Output> {
    future.poll(cx)
}

#[cfg(test)]
mod tests {
    use rtbench_core::language::{poll_loop, YieldOnce};

    use super::*;

    #[test]
    fn passes_pending_and_the_value_through() {
        let (value, polls) = poll_loop(out_of_line(async {
            YieldOnce::default().await;
            7
        }));
        assert_eq!((value, polls), (7, 2));
    }
}
