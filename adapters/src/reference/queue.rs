//! The run queue, and the wakers that fill it.
//!
//! A waker is the one part of an executor that other threads touch: a timer fires on
//! the loop's thread, but a blocking closure finishes on its own thread, and a channel
//! may be sent to from anywhere. So the queue is a `VecDeque` behind a mutex, and a
//! waker is an `Arc<TaskWaker>` (std's [`Wake`] trait) holding the task's key: waking
//! pushes it at the back. Its `queued` flag keeps a task from being in the queue twice,
//! however often it is woken before it runs.
//!
//! When the queue is empty the loop sleeps in the reactor ([`Reactor::wait`]). A wake
//! from another thread must then interrupt that sleep; one from the loop's own thread
//! (the common case: a task waking another) must not pay a system call for it. The
//! `sleeping` flag tells them apart — see [`RunQueue::sleep_unless_ready`].

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Wake;

use super::reactor::Reactor;

/// The tasks ready to be polled, in the order they were woken.
pub struct RunQueue {
    ready: Mutex<VecDeque<Arc<TaskWaker>>>,
    /// Set while the loop sleeps (or is about to) in the reactor.
    sleeping: AtomicBool,
    reactor: Arc<Reactor>,
}

/// The waker of one task: its key in the executor's task table.
pub struct TaskWaker {
    /// The task's key ([`super::executor`]'s table, or its root marker).
    pub key: usize,
    /// Whether it is in the queue now.
    queued: AtomicBool,
    queue: Arc<RunQueue>,
}

impl RunQueue {
    /// An empty queue whose wakers interrupt `reactor`'s sleep.
    pub fn new(reactor: Arc<Reactor>) -> Arc<Self> {
        Arc::new(RunQueue {
            ready: Mutex::new(VecDeque::new()),
            sleeping: AtomicBool::new(false),
            reactor,
        })
    }

    fn ready(&self) -> MutexGuard<'_, VecDeque<Arc<TaskWaker>>> {
        self.ready.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A waker for the task with `key`, not yet queued.
    pub fn waker(self: &Arc<Self>, key: usize) -> Arc<TaskWaker> {
        Arc::new(TaskWaker { key, queued: AtomicBool::new(false), queue: Arc::clone(self) })
    }

    /// How many tasks are ready now.
    pub fn len(&self) -> usize {
        self.ready().len()
    }

    /// The task woken longest ago; it may be queued again from now on.
    pub fn pop(&self) -> Option<Arc<TaskWaker>> {
        let task = self.ready().pop_front()?;
        task.queued.store(false, Ordering::Release);
        Some(task)
    }

    /// Runs `wait` (a sleep in the reactor) unless a task is ready. A waker that finds
    /// `sleeping` set interrupts the sleep; one that does not was seen by the check.
    pub fn sleep_unless_ready(&self, wait: impl FnOnce()) {
        self.sleeping.store(true, Ordering::SeqCst);
        if self.ready().is_empty() {
            wait();
        }
        self.sleeping.store(false, Ordering::SeqCst);
    }

    /// Forgets every queued waker (they point back at the queue: an `Arc` cycle).
    pub fn clear(&self) {
        self.ready().clear();
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let queue = Arc::clone(&self.queue);
        queue.ready().push_back(self);
        if queue.sleeping.load(Ordering::SeqCst) {
            queue.reactor.interrupt();
        }
    }

    fn wake_by_ref(self: &Arc<Self>) {
        Arc::clone(self).wake();
    }
}
