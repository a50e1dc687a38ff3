//! A `yield_now` for executors that re-poll a task woken during its own poll at once
//! (futures' `ThreadPool`; monoio, which puts it at the front of its queue): there, the
//! usual yield (wake, then `Pending` once) lets no other task run. This one hands the
//! waker to a tiny task, spawned by the caller's `spawn_waker`, which wakes it from the
//! back of the queue, behind every task that was ready: one spawn per yield.

use std::future::Future;
use std::task::{Poll, Waker};

/// Returns `Pending` once, after passing its waker to `spawn_waker`, whose task wakes it.
pub fn yield_behind(spawn_waker: impl FnOnce(Waker)) -> impl Future<Output = ()> {
    let mut spawn_waker = Some(spawn_waker);
    std::future::poll_fn(move |cx| match spawn_waker.take() {
        Some(spawn_waker) => {
            spawn_waker(cx.waker().clone());
            Poll::Pending
        }
        None => Poll::Ready(()),
    })
}
