//! How a task and its join handle agree on an abort without sharing any memory, for
//! executors whose tasks never leave their thread (monoio, compio): the two hold the
//! same number, a [key](TaskSide), and an abort goes through a per-thread registry that
//! is empty unless something was aborted.
//!
//! Why: `futures::future::Abortable` shares an `Arc` (an abort flag and an
//! `AtomicWaker`) between task and handle. On monoio's `spawn_many` that was 44 % of a
//! spawn (callgrind: 1 245 instructions per spawn through the contract against 694
//! natively, about 350 of them in `malloc` and `free` of the `Arc`: with thousands of
//! tasks alive, glibc's allocator leaves its per-thread cache for its slower bins), and
//! a thread-local `Rc` in its place, pooled, still cost a third (the pooled cells and
//! wider handles are memory every spawn touches). Here a spawn draws a number from a
//! per-thread counter, a poll reads one process-wide count, and nothing is allocated
//! unless the task returns `Pending` (then its waker is filed once, so that an abort can
//! wake it) or is aborted.
//!
//! - `abort` files the key as aborted and wakes the task if it is waiting; the task's
//!   next poll (or its first) finds its key, takes it out, and ends.
//! - The task's key leaves the registry with the task (its drop), so a key is never
//!   left behind by a live task; one filed after the task ended (a late abort) is taken
//!   out by the handle when it sees the task's end (awaited to the end, or dropped:
//!   then it looks once, with a no-op waker). A handle that sees it on another thread
//!   leaves it in a process-wide list, which the task's thread empties at its next look
//!   (the aborted count, not 0, sends every poll there to look).
//! - A key carries the number of its thread ([`this_thread`]): aborting on another
//!   thread panics, as every use of a thread-per-core task's state there does
//!   ([`ThreadBound`](crate::support::thread_bound::ThreadBound)).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::task::Waker;

use rtbench_core::task::Panic;
use rtbench_core::JoinError;

use crate::support::thread_bound::this_thread;

/// Bits of a key below the thread's number: the spawn counter, shifted left by one (bit
/// 0 is the holder's flag). 2^39 spawns per thread before a counter wraps.
const THREAD_SHIFT: u32 = 40;

/// The counter's bits of a key (bit 0 included, always clear in a drawn key).
const COUNTER: u64 = (1 << THREAD_SHIFT) - 1;

/// One spawn's step of the counter, above the flag.
const STEP: u64 = 2;

/// Bit 0 of a held key: the task filed its waker (task side), or the handle filed an
/// abort (handle side).
const FLAG: u64 = 1;

thread_local! {
    /// The last key drawn on this thread (0: none yet, the thread's number not known).
    static LAST_KEY: Cell<u64> = const { Cell::new(0) };
    /// How many aborts are filed on this thread (and not yet taken): a task looks in the
    /// registry only when not 0 (and [`ABORTS_ANYWHERE`] is not 0).
    static ABORTS: Cell<usize> = const { Cell::new(0) };
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry::new());
    /// How many handles on this thread wait for a task of this thread: a task looks for
    /// its waiting handle, when it ends, only when not 0.
    static JOINERS: Cell<usize> = const { Cell::new(0) };
}

/// How many aborts are filed on every thread: a task looks at its thread's count only
/// when not 0. A task's poll is generic, so compiled in the crate that spawns it, and
/// Rust reaches a thread-local of another crate through a call: in monoio's
/// `spawn_many`, a call per poll, where a static is one load.
static ABORTS_ANYWHERE: AtomicUsize = AtomicUsize::new(0);

/// How a task ended without its output: aborted, or panicked. Its future is dropped;
/// then either the task stays pending and its handle takes the end from [`ENDS`]
/// (monoio), or the task completes with it (compio: see `abortable::EndMode`).
pub enum Ended {
    Cancelled,
    Panicked(Panic),
}

impl Ended {
    /// The handle's error (a panic is then retrieved, not recorded as lost).
    pub fn into_join_error(self) -> JoinError {
        match self {
            Ended::Cancelled => JoinError::Cancelled,
            Ended::Panicked(panic) => panic.into_join_error(),
        }
    }
}

/// Ends not yet taken by their handle, the handles waiting on another thread than
/// their task's, and late aborts seen out on another thread: process-wide, since a
/// handle is `Send`. All are rare (an abort, a panic, a handle awaited elsewhere), so
/// one lock serves them.
struct Ends {
    ended: BTreeMap<u64, Ended>,
    /// Wakers of handles waiting on a thread other than their task's, by key.
    joiners: BTreeMap<u64, Waker>,
    /// Aborts filed after their task ended, whose handle then saw the end on another
    /// thread than the task's: the task's thread takes them out of its registry (see
    /// [`HandleSide::ended`]).
    stale_aborts: BTreeSet<u64>,
    /// The threads whose registry is alive, by number: only they get stale aborts.
    registries: BTreeSet<u64>,
}

static ENDS: Mutex<Ends> = Mutex::new(Ends {
    ended: BTreeMap::new(),
    joiners: BTreeMap::new(),
    stale_aborts: BTreeSet::new(),
    registries: BTreeSet::new(),
});

/// How many ends and joiners [`ENDS`] holds: a handle or task looks there only when
/// not 0.
static ENDS_HELD: AtomicUsize = AtomicUsize::new(0);

/// How many stale aborts [`ENDS`] holds: a thread with aborts filed looks there for its
/// own only when not 0. Counted apart from [`ENDS_HELD`], which every task's drop reads:
/// a stale abort concerns its thread's polls, not the ends and joiners a drop looks for.
static STALE_ABORTS_HELD: AtomicUsize = AtomicUsize::new(0);

fn ends() -> MutexGuard<'static, Ends> {
    // Nothing panics while holding the lock but a waker's `clone`: still consistent.
    ENDS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Every filing and taking goes through these, so [`ENDS_HELD`] and
/// [`STALE_ABORTS_HELD`] count the entries.
impl Ends {
    fn file_ended(&mut self, key: u64, ended: Ended) {
        if self.ended.insert(key, ended).is_none() {
            ENDS_HELD.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Files (or refreshes) the waker of `key`'s handle, waiting on another thread.
    fn file_joiner(&mut self, key: u64, waker: &Waker) {
        match self.joiners.get_mut(&key) {
            Some(filed) => filed.clone_from(waker),
            None => {
                self.joiners.insert(key, waker.clone());
                ENDS_HELD.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn take_ended(&mut self, key: u64) -> Option<Ended> {
        let ended = self.ended.remove(&key)?;
        ENDS_HELD.fetch_sub(1, Ordering::Relaxed);
        Some(ended)
    }

    fn take_joiner(&mut self, key: u64) -> Option<Waker> {
        let waker = self.joiners.remove(&key)?;
        ENDS_HELD.fetch_sub(1, Ordering::Relaxed);
        Some(waker)
    }

    fn file_stale_abort(&mut self, key: u64) {
        if self.stale_aborts.insert(key) {
            STALE_ABORTS_HELD.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Takes out the stale aborts of the thread numbered `thread`.
    fn take_stale_aborts(&mut self, thread: u64) -> Vec<u64> {
        let first = thread << THREAD_SHIFT;
        let taken: Vec<u64> = self.stale_aborts.range(first..=first | COUNTER).copied().collect();
        for key in &taken {
            self.stale_aborts.remove(key);
        }
        STALE_ABORTS_HELD.fetch_sub(taken.len(), Ordering::Relaxed);
        taken
    }
}

/// Takes the waker of a handle waiting for `key` on this thread, if one is filed.
#[inline]
fn take_local_joiner(key: u64) -> Option<Waker> {
    if JOINERS.get() == 0 {
        return None;
    }
    let mut waker = None;
    with_registry(|registry| waker = registry.joiners.remove(&key));
    if waker.is_some() {
        JOINERS.set(JOINERS.get() - 1);
    }
    waker
}

/// What this thread's tasks filed.
struct Registry {
    /// Tasks that returned `Pending`, by key: the waker an abort wakes.
    waiting: HashMap<u64, Waker>,
    /// Keys aborted and not yet taken out.
    aborted: HashSet<u64>,
    /// Wakers of handles waiting for a task of this thread, on this thread, by key.
    joiners: HashMap<u64, Waker>,
}

impl Registry {
    /// This thread's registry, known in [`ENDS`] from now on.
    fn new() -> Registry {
        ends().registries.insert(this_thread());
        Registry { waiting: HashMap::new(), aborted: HashSet::new(), joiners: HashMap::new() }
    }
}

/// A thread's registry goes with the thread, and with it the stale aborts left for it
/// and the aborts filed on it (its other filings go with its tasks: every task on it
/// has been dropped by now).
impl Drop for Registry {
    fn drop(&mut self) {
        ABORTS_ANYWHERE.fetch_sub(self.aborted.len(), Ordering::Relaxed);
        let mut ends = ends();
        ends.registries.remove(&this_thread());
        drop(ends.take_stale_aborts(this_thread()));
    }
}

/// Runs `f` on this thread's registry (nothing while the thread is being torn down).
fn with_registry(f: impl FnOnce(&mut Registry)) {
    let _ = REGISTRY.try_with(|registry| f(&mut registry.borrow_mut()));
}

/// Takes `key`'s abort out of the registry, if one is filed; says whether there was.
/// Inlined into every poll and drop of a task: one thread-local read while nothing is
/// aborted on the thread.
#[inline]
fn take_abort(key: u64) -> bool {
    ABORTS_ANYWHERE.load(Ordering::Relaxed) != 0 && take_filed_abort(key)
}

/// [`take_abort`] once something is aborted somewhere. First takes out this thread's
/// stale aborts, if [`ENDS`] may hold some: else an abort whose end was seen on another
/// thread would keep every poll here on this path.
#[cold]
fn take_filed_abort(key: u64) -> bool {
    if ABORTS.get() == 0 {
        return false;
    }
    if STALE_ABORTS_HELD.load(Ordering::Relaxed) != 0 {
        let stale = ends().take_stale_aborts(this_thread());
        for stale_key in stale {
            remove_abort(stale_key);
        }
    }
    remove_abort(key)
}

/// Takes `key`'s abort out of this thread's registry; says whether there was one.
fn remove_abort(key: u64) -> bool {
    let mut taken = false;
    with_registry(|registry| taken = registry.aborted.remove(&key));
    if taken {
        ABORTS.set(ABORTS.get() - 1);
        ABORTS_ANYWHERE.fetch_sub(1, Ordering::Relaxed);
    }
    taken
}

/// A fresh key for a task spawned on this thread: its task side and its handle side.
/// One thread-local read and write: the thread's number is drawn into the first key.
#[inline]
pub fn pair() -> (TaskSide, HandleSide) {
    // One access: from another crate (where spawns are compiled), each is a call.
    let key = LAST_KEY.with(|last_key| {
        let last = last_key.get();
        let key = match last & COUNTER {
            // The thread's first key (or its counter wrapped to 0): start from its number.
            0 => (this_thread() << THREAD_SHIFT) | STEP,
            _ => (last & !COUNTER) | ((last + STEP) & COUNTER),
        };
        last_key.set(key);
        key
    });
    (TaskSide { key }, HandleSide { key: Cell::new(key) })
}

/// The task's side of a key.
pub struct TaskSide {
    /// The key; [`FLAG`]: its waker is filed.
    key: u64,
}

impl TaskSide {
    /// Whether the task was aborted (the abort is then taken out: the task must end).
    #[inline]
    pub fn take_abort(&mut self) -> bool {
        take_abort(self.key & !FLAG)
    }

    /// Files how the task ended without its output, after its future was dropped, and
    /// wakes its handle if it waits. The task's filed waker leaves the registry: nothing
    /// will wake the task again, and nothing must keep it alive once its handle is gone.
    #[cold]
    pub fn end(&mut self, ended: Ended) {
        let key = self.leave_registry();
        let remote = {
            let mut ends = ends();
            ends.file_ended(key, ended);
            ends.take_joiner(key)
        };
        for joiner in [remote, take_local_joiner(key)].into_iter().flatten() {
            joiner.wake();
        }
    }

    /// Takes the task's filed waker and an abort filed for it out of this thread's
    /// registry; returns its key (the flag cleared: nothing filed any more).
    #[inline]
    fn leave_registry(&mut self) -> u64 {
        self.key = leave_registry(self.key);
        self.key
    }

    /// Files `waker` for an abort to wake, the first time the task returns `Pending`.
    /// Once is enough: the runtimes poll a task with its own waker every time.
    #[inline]
    pub fn pending(&mut self, waker: &Waker) {
        if self.key & FLAG == 0 {
            self.file_waker(waker);
        }
    }

    /// [`pending`](Self::pending)'s filing, out of line: inlined, its hash-map insert
    /// made the task's poll too big for monoio's harness to inline (see [`Drop`]).
    #[inline(never)]
    fn file_waker(&mut self, waker: &Waker) {
        let key = self.key;
        with_registry(|registry| drop(registry.waiting.insert(key, waker.clone())));
        self.key |= FLAG;
    }
}

/// The task's key leaves every registry with the task. An end nobody took is dropped
/// here, when the runtime frees the task, which it does once the handle is gone too: a
/// panic is then recorded as never retrieved.
///
/// One call, out of line: monoio's harness inlines its task's stage changes only while
/// the task's drop is that small (inlined, even the check alone made `CoreStage::set_stage`
/// a call of 64 instructions; callgrind, monoio's `spawn_many`).
impl Drop for TaskSide {
    #[inline]
    fn drop(&mut self) {
        leave_every_registry(self.key);
    }
}

/// `key`'s waker (filed if [`FLAG`] is set) and an abort filed for it leave this thread's
/// registry; returns the key without the flag.
#[inline]
fn leave_registry(key: u64) -> u64 {
    let bare = key & !FLAG;
    if key & FLAG != 0 {
        with_registry(|registry| drop(registry.waiting.remove(&bare)));
    }
    take_abort(bare);
    bare
}

/// Takes a dropped task's key out of every registry it may be in: its filed waker, an
/// abort filed for it on this thread, a handle waiting for it here, and its end or a
/// remote handle in [`ENDS`]. While nothing is filed (the counts are all 0), a few loads
/// and one branch.
#[inline(never)]
fn leave_every_registry(key: u64) {
    let counts = ABORTS.get() | JOINERS.get() | ENDS_HELD.load(Ordering::Relaxed);
    if key & FLAG != 0 || counts != 0 {
        take_every_filing(key);
    }
}

/// [`leave_every_registry`]'s work, once the key may be filed somewhere.
#[cold]
fn take_every_filing(key: u64) {
    let key = leave_registry(key);
    drop(take_local_joiner(key));
    if ENDS_HELD.load(Ordering::Relaxed) != 0 {
        drop_remote_filings(key);
    }
}

/// Takes `key`'s end and remote joiner out of [`ENDS`], if they are there, and drops
/// them (outside the lock: a dropped panic records itself).
#[cold]
fn drop_remote_filings(key: u64) {
    let (ended, joiner) = {
        let mut ends = ends();
        (ends.take_ended(key), ends.take_joiner(key))
    };
    drop((ended, joiner));
}

/// The handle's side of a key.
pub struct HandleSide {
    /// The key; [`FLAG`]: this handle filed an abort; 0: the task was seen to end.
    key: Cell<u64>,
}

impl HandleSide {
    /// Files an abort and wakes the task if it waits; nothing once the task was seen to
    /// end.
    ///
    /// # Panics
    /// On a thread other than the task's.
    pub fn abort(&self) {
        let key = self.key.get() & !FLAG;
        if key == 0 {
            return;
        }
        if key >> THREAD_SHIFT != this_thread() {
            panic!("aborted a thread-per-core task on a thread other than its own");
        }
        self.key.set(key | FLAG);
        let mut waker = None;
        with_registry(|registry| {
            if registry.aborted.insert(key) {
                ABORTS.set(ABORTS.get() + 1);
                ABORTS_ANYWHERE.fetch_add(1, Ordering::Relaxed);
            }
            waker = registry.waiting.get(&key).cloned();
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Whether this handle filed an abort that may still be in the registry.
    #[inline]
    pub fn filed(&self) -> bool {
        self.key.get() & FLAG != 0
    }

    /// The task was seen to end: takes out an abort filed after it did (on another
    /// thread than the task's, leaves it in the process-wide `ENDS` for the task's
    /// thread to take out).
    #[inline]
    pub fn ended(&self) {
        if self.filed() {
            take_late_abort(self.key.get() & !FLAG);
        }
        self.key.set(0);
    }

    /// For a handle whose task has not returned: the task's end without output if there
    /// is one (taken), or else `waker` filed, for [`TaskSide::end`] to wake.
    #[cold]
    pub fn end_or_wait(&self, waker: &Waker) -> Option<Ended> {
        let key = self.key.get() & !FLAG;
        if key == 0 {
            return None;
        }
        if key >> THREAD_SHIFT == this_thread() {
            // The task runs on this thread, so not while this runs: no end can slip in
            // between the look and the filing.
            if ENDS_HELD.load(Ordering::Relaxed) != 0 {
                if let Some(ended) = ends().take_ended(key) {
                    return Some(ended);
                }
            }
            with_registry(|registry| match registry.joiners.get_mut(&key) {
                Some(filed) => filed.clone_from(waker),
                None => {
                    registry.joiners.insert(key, waker.clone());
                    JOINERS.set(JOINERS.get() + 1);
                }
            });
            return None;
        }
        // Elsewhere, the look and the filing under the lock the task's end takes.
        let mut ends = ends();
        if let Some(ended) = ends.take_ended(key) {
            return Some(ended);
        }
        ends.file_joiner(key, waker);
        None
    }

    /// The handle goes without having seen its task return: an end its task filed
    /// (and nobody took) is dropped now, a panic recorded as never retrieved.
    #[inline]
    pub fn release(&self) {
        let key = self.key.get() & !FLAG;
        if key != 0 && ENDS_HELD.load(Ordering::Relaxed) != 0 {
            drop_remote_filings_of_handle(key);
        }
    }
}

/// An abort filed after its task ended: taken out here on the task's thread, else left
/// for it in [`ENDS`] (nowhere, once that thread and its registry are gone).
#[cold]
fn take_late_abort(key: u64) {
    let thread = key >> THREAD_SHIFT;
    if thread == this_thread() {
        take_abort(key);
        return;
    }
    let mut ends = ends();
    if ends.registries.contains(&thread) {
        ends.file_stale_abort(key);
    }
}

/// [`HandleSide::release`]'s look: only the end (a remote joiner of this handle is its
/// task's to take, when it ends).
#[cold]
fn drop_remote_filings_of_handle(key: u64) {
    let ended = ends().take_ended(key);
    drop(ended);
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    use super::*;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn an_abort_wakes_a_waiting_task_which_takes_it_once() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let (mut task, handle) = pair();
        assert!(!task.take_abort());
        task.pending(&Waker::from(Arc::clone(&count)));
        handle.abort();
        handle.abort();
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
        assert!(task.take_abort());
        assert!(!task.take_abort());
        drop(task);
        assert_eq!(Arc::strong_count(&count), 1, "the filed waker left with the task");
        handle.ended();
        assert_eq!(ABORTS.get(), 0);
    }

    /// A handle whose task ended, then aborted (a late abort), on this thread.
    fn late_abort() -> HandleSide {
        let (task, handle) = pair();
        drop(task);
        handle.abort();
        handle
    }

    /// How many stale aborts [`ENDS`] holds for the thread of the task keyed `key` (only
    /// that thread's: tests on other threads file theirs meanwhile).
    fn stale_aborts_for(key: u64) -> usize {
        let thread = key & !COUNTER;
        ends().stale_aborts.range(thread..=thread | COUNTER).count()
    }

    #[test]
    fn a_late_abort_is_taken_out_when_the_end_is_seen() {
        let handle = late_abort();
        assert_eq!(ABORTS.get(), 1);
        handle.ended();
        assert_eq!(ABORTS.get(), 0);
        handle.abort();
        assert_eq!(ABORTS.get(), 0, "no abort once the end was seen");
    }

    #[test]
    fn a_late_abort_seen_out_on_another_thread_leaves_this_threads_registry() {
        let handle = late_abort();
        let (mut next, next_handle) = pair();
        assert_eq!(ABORTS.get(), 1);
        std::thread::spawn(move || handle.ended()).join().unwrap();
        assert_eq!(ABORTS.get(), 1, "left for this thread, which took no look yet");
        assert_eq!(stale_aborts_for(next_handle.key.get()), 1);
        assert!(!next.take_abort(), "not aborted: the look takes the stale abort out");
        assert_eq!(ABORTS.get(), 0);
        assert_eq!(stale_aborts_for(next_handle.key.get()), 0);
    }

    #[test]
    fn the_stale_aborts_of_a_thread_go_with_it() {
        let (to_main, from_thread) = std::sync::mpsc::channel();
        let (to_thread, from_main) = std::sync::mpsc::channel::<()>();
        let task_thread = std::thread::spawn(move || {
            to_main.send(late_abort()).unwrap();
            from_main.recv().unwrap();
            late_abort()
        });
        let seen_while_alive = from_thread.recv().unwrap();
        let of_that_thread = seen_while_alive.key.get();
        seen_while_alive.ended();
        assert_eq!(stale_aborts_for(of_that_thread), 1, "left for the thread");
        to_thread.send(()).unwrap();
        let seen_once_gone = task_thread.join().unwrap();
        assert_eq!(stale_aborts_for(of_that_thread), 0, "gone with it");
        seen_once_gone.ended();
        assert_eq!(stale_aborts_for(of_that_thread), 0, "none for a thread gone");
    }

    #[test]
    fn an_end_wakes_its_handle_here_or_elsewhere_and_is_taken_once() {
        for elsewhere in [false, true] {
            let count = Arc::new(Count(AtomicUsize::new(0)));
            let waker = Waker::from(Arc::clone(&count));
            let (mut task, handle) = pair();
            let wait = move || {
                assert!(handle.end_or_wait(&waker).is_none(), "nothing ended yet");
                handle
            };
            let handle = if elsewhere { std::thread::spawn(wait).join().unwrap() } else { wait() };
            task.end(Ended::Cancelled);
            assert_eq!(count.0.load(Ordering::SeqCst), 1, "elsewhere: {elsewhere}");
            let ended = handle.end_or_wait(Waker::noop()).map(Ended::into_join_error);
            assert_eq!(ended, Some(JoinError::Cancelled));
            assert!(handle.end_or_wait(Waker::noop()).is_none(), "taken once");
            drop(task);
            assert_eq!(Arc::strong_count(&count), 1, "no waker left filed");
        }
    }

    #[test]
    fn an_end_nobody_takes_goes_with_the_task_and_a_panic_is_recorded() {
        let (mut task, handle) = pair();
        handle.release();
        let panic = Panic::from_payload(Box::new("untaken-4e1d"));
        task.end(Ended::Panicked(panic));
        assert!(rtbench_core::task::unretrieved_panics::take_matching("untaken-4e1d").is_empty());
        drop(task);
        let recorded = rtbench_core::task::unretrieved_panics::take_matching("untaken-4e1d");
        assert_eq!(recorded, ["untaken-4e1d"]);
    }

    #[test]
    fn keys_differ_and_aborting_elsewhere_panics() {
        let (first, a) = pair();
        let (second, b) = pair();
        assert_ne!(first.key, second.key);
        let aborted = std::thread::spawn(move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| a.abort())).is_err()
        });
        assert!(aborted.join().unwrap());
        drop((b, first, second));
    }
}
