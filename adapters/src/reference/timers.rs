//! Timers: deadlines in order, each with the waker of the task that waits for it.
//!
//! A priority queue of deadlines is all a timer needs. This one is a `BTreeMap` keyed by
//! `(deadline, id)` rather than a binary heap, because a sleep that is dropped early
//! (a `timeout` whose future won) must be able to remove its entry; ids are unique in
//! the process, so two sleeps with the same deadline never collide. The loop fires what
//! is due ([`Timers::fire_due`]) and sleeps in the reactor until the first deadline that
//! is not ([`Timers::next_deadline`]).
//!
//! [`Sleep`] takes its deadline when it is created and completes only once
//! `Instant::now()` has reached it: never early, whatever woke it.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use super::executor;

/// The pending deadlines of one executor.
#[derive(Default)]
pub struct Timers {
    wakers: BTreeMap<(Instant, u64), Waker>,
}

impl Timers {
    /// Whether any timer is pending.
    pub fn is_empty(&self) -> bool {
        self.wakers.is_empty()
    }

    /// The earliest pending deadline.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.wakers.first_key_value().map(|(&(deadline, _), _)| deadline)
    }

    /// Removes every timer due by `now` and returns their wakers, earliest first (the
    /// caller wakes them once this table is no longer borrowed).
    pub fn fire_due(&mut self, now: Instant) -> Vec<Waker> {
        let mut due = Vec::new();
        while let Some(entry) = self.wakers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            due.push(entry.remove());
        }
        due
    }
}

/// The contract's `sleep` on the reference executor.
pub struct Sleep {
    deadline: Instant,
    /// Unique in the process; set once registered with an executor's timers.
    id: Option<u64>,
}

impl Sleep {
    /// A sleep until `duration` from now.
    pub fn new(duration: Duration) -> Self {
        Sleep { deadline: Instant::now() + duration, id: None }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let id = *self.id.get_or_insert_with(|| NEXT_ID.fetch_add(1, Ordering::Relaxed));
        let key = (self.deadline, id);
        executor::with_current(|executor| {
            let mut timers = executor.timers();
            match timers.wakers.get_mut(&key) {
                Some(waker) => waker.clone_from(cx.waker()),
                None => {
                    timers.wakers.insert(key, cx.waker().clone());
                }
            }
        });
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            // Outside the runtime (dropped with it) there is nothing left to remove.
            executor::with_current_if_any(|executor| {
                executor.timers().wakers.remove(&(self.deadline, id));
            });
        }
    }
}
