//! The loop: the course's event loop (W8-S5, "you are the loop"), for real.
//!
//! [`Executor::block_on`] repeats three steps until the root future is done:
//!
//! 1. **Run** every task that is ready now, in the order it was woken — the root among
//!    them, when it was woken. A task woken meanwhile waits for the next round, so a
//!    task that yields lets every other ready task run first.
//! 2. **Fire** the timers that are due: their tasks become ready.
//! 3. **Wait** for I/O in the reactor: only a glance (no waiting) when tasks are
//!    ready — and none at all when no socket is registered — otherwise sleep until the
//!    next deadline, an I/O event, or a wake-up from another thread.
//!
//! Tasks live in a table (a slab: a key per live task) on the loop's thread; futures need
//! not be `Send`, since they never leave it. The wakers hold only a key, so they can be
//! `Send` (see [`super::queue`]). A task's future is taken out of the table while it is
//! polled, so that it may spawn (which inserts into the table) without a double borrow.

use std::cell::{Cell, RefCell, RefMut};
use std::future::Future;
use std::pin::{pin, Pin};
use std::ptr;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use slab::Slab;

use super::queue::{RunQueue, TaskWaker};
use super::reactor::Reactor;
use super::task::{self, JoinHandle};
use super::timers::Timers;
use crate::support::current;

/// The key of the root future (the one `block_on` drives), never a table key.
const ROOT: usize = usize::MAX;

thread_local! {
    /// The executor whose `block_on` runs on this thread.
    static CURRENT: Cell<*const Executor> = const { Cell::new(ptr::null()) };
}

/// A single-thread executor: its tasks, timers, run queue and reactor.
pub struct Executor {
    tasks: RefCell<Slab<Task>>,
    timers: RefCell<Timers>,
    queue: Arc<RunQueue>,
    reactor: Arc<Reactor>,
}

/// A spawned task, as the loop keeps it.
struct Task {
    /// `None` while it is being polled.
    future: Option<Pin<Box<dyn Future<Output = ()>>>>,
    waker: Waker,
    /// The same waker, to recognise it when it comes out of the queue: a waker kept
    /// after its task ended must not poll the task that now has its key.
    id: Arc<TaskWaker>,
}

/// Calls `f` with the executor running on this thread.
///
/// # Panics
/// Outside the reference runtime, as `tokio::spawn` does outside tokio.
pub fn with_current<R>(f: impl FnOnce(&Executor) -> R) -> R {
    current::with(&CURRENT, "reference", |executor| f(executor))
}

/// Calls `f` with the executor running on this thread, if there is one.
pub fn with_current_if_any(f: impl FnOnce(&Executor)) {
    current::with_if_any(&CURRENT, |current| current.map(f));
}

impl Executor {
    /// An executor with nothing to run, and its reactor.
    pub fn new() -> std::io::Result<Rc<Self>> {
        let reactor = Arc::new(Reactor::new()?);
        Ok(Rc::new(Executor {
            tasks: RefCell::new(Slab::new()),
            timers: RefCell::new(Timers::default()),
            queue: RunQueue::new(Arc::clone(&reactor)),
            reactor,
        }))
    }

    /// The reactor, for registering sockets.
    pub fn reactor(&self) -> &Arc<Reactor> {
        &self.reactor
    }

    /// The timer table (borrowed only for one insertion or removal at a time).
    pub fn timers(&self) -> RefMut<'_, Timers> {
        self.timers.borrow_mut()
    }

    /// Adds `future` to the table and queues it.
    pub fn spawn<F: Future + 'static>(&self, future: F) -> JoinHandle<F::Output> {
        let mut tasks = self.tasks.borrow_mut();
        let entry = tasks.vacant_entry();
        let id = self.queue.waker(entry.key());
        let waker = Waker::from(Arc::clone(&id));
        let (harness, handle) = task::new(future, waker.clone());
        entry.insert(Task { future: Some(Box::pin(harness)), waker: waker.clone(), id });
        drop(tasks);
        waker.wake();
        handle
    }

    /// Runs the loop on this thread until `future` is done (the module docs say how).
    /// Other tasks run meanwhile; those still pending at the end stay in the table for
    /// the next `block_on`.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        current::scoped(&CURRENT, self, || self.run_until(future))
    }

    /// The loop of [`block_on`](Self::block_on), with this executor current.
    fn run_until<F: Future>(&self, future: F) -> F::Output {
        let mut future = pin!(future);
        let root = self.queue.waker(ROOT);
        let root_waker = Waker::from(Arc::clone(&root));
        root_waker.wake_by_ref();
        loop {
            for _ in 0..self.queue.len() {
                let Some(woken) = self.queue.pop() else { break };
                if Arc::ptr_eq(&woken, &root) {
                    let mut cx = Context::from_waker(&root_waker);
                    if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                        return output;
                    }
                } else {
                    self.poll_task(&woken);
                }
            }
            self.fire_due_timers();
            self.wait_for_io();
        }
    }

    /// Polls the task `woken` stands for, if it is still the task under that key.
    fn poll_task(&self, woken: &Arc<TaskWaker>) {
        let (mut future, waker) = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(task) = tasks.get_mut(woken.key) else { return };
            if !Arc::ptr_eq(&task.id, woken) {
                return;
            }
            let Some(future) = task.future.take() else { return };
            (future, task.waker.clone())
        };
        if future.as_mut().poll(&mut Context::from_waker(&waker)).is_pending() {
            self.tasks.borrow_mut()[woken.key].future = Some(future);
        } else {
            self.tasks.borrow_mut().remove(woken.key);
            // Dropped with no borrow held: its destructors may spawn or sleep.
            drop(future);
        }
    }

    /// Wakes the tasks whose deadline has passed.
    fn fire_due_timers(&self) {
        if self.timers.borrow().is_empty() {
            return;
        }
        let due = self.timers.borrow_mut().fire_due(Instant::now());
        due.into_iter().for_each(Waker::wake);
    }

    /// Step 3 of the loop: glance at the reactor if tasks are ready, else sleep in it.
    fn wait_for_io(&self) {
        if self.queue.len() > 0 {
            if self.reactor.has_sources() {
                self.reactor.wait(Some(std::time::Duration::ZERO));
            }
            return;
        }
        let deadline = self.timers.borrow().next_deadline();
        let timeout = deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
        self.queue.sleep_unless_ready(|| self.reactor.wait(timeout));
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        // The tasks first: an unfinished one reports `Cancelled` and wakes its joiner,
        // queueing it. Then the queue, whose wakers point back at it (an `Arc` cycle
        // that would keep the reactor's file descriptors open).
        drop(std::mem::take(self.tasks.get_mut()));
        self.queue.clear();
    }
}
