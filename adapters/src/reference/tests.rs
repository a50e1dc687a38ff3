//! The reference executor's own behaviour, below the contract: the order tasks run in,
//! timers that never end early, wake-ups from other threads while the loop sleeps, and
//! nothing kept alive once the executor is dropped.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtbench_core::language::YieldOnce;

use super::executor::{self, Executor};
use super::timers::Sleep;

fn executor() -> Rc<Executor> {
    Executor::new().expect("a poller")
}

#[test]
fn tasks_run_in_the_order_they_were_woken_and_a_yield_goes_to_the_back() {
    let order = Rc::new(RefCell::new(Vec::new()));
    let log = |name: &'static str, yields: bool| {
        let order = Rc::clone(&order);
        async move {
            order.borrow_mut().push(name);
            if yields {
                YieldOnce::default().await;
                order.borrow_mut().push(name);
            }
        }
    };
    executor().block_on(async {
        let handles = [log("a", true), log("b", false), log("c", true)]
            .map(|task| executor::with_current(|executor| executor.spawn(task)));
        for handle in handles {
            handle.await.unwrap();
        }
    });
    assert_eq!(*order.borrow(), ["a", "b", "c", "a", "c"]);
}

#[test]
fn sleeps_never_end_early_and_end_in_deadline_order() {
    let ended = Rc::new(RefCell::new(Vec::new()));
    executor().block_on(async {
        let handles = [5u64, 1, 3, 0].map(|millis| {
            let ended = Rc::clone(&ended);
            let start = Instant::now();
            executor::with_current(|executor| {
                executor.spawn(async move {
                    Sleep::new(Duration::from_millis(millis)).await;
                    assert!(
                        start.elapsed() >= Duration::from_millis(millis),
                        "{millis} ms sleep ended early"
                    );
                    ended.borrow_mut().push(millis);
                })
            })
        });
        for handle in handles {
            handle.await.unwrap();
        }
    });
    assert_eq!(*ended.borrow(), [0, 1, 3, 5]);
}

#[test]
fn a_task_woken_from_another_thread_runs_while_the_loop_sleeps() {
    // No timer and no socket: the loop sleeps in the reactor with no timeout, and only
    // the other thread's wake-up (an interrupt) can end that sleep.
    let value = executor().block_on(async {
        let (sender, receiver) = futures::channel::oneshot::channel();
        let task = executor::with_current(|executor| executor.spawn(receiver));
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            sender.send(7).unwrap();
        });
        task.await
    });
    assert_eq!(value, Ok(Ok(7)));
}

#[test]
fn dropping_the_executor_with_pending_tasks_frees_its_reactor() {
    let executor = executor();
    let reactor = Arc::downgrade(executor.reactor());
    executor.block_on(async {
        let sleeper =
            executor::with_current(|executor| executor.spawn(Sleep::new(Duration::from_secs(60))));
        // Waits on the sleeper: cancelling the sleeper will queue it.
        drop(executor::with_current(|executor| executor.spawn(sleeper)));
        YieldOnce::default().await;
    });
    drop(executor);
    assert!(reactor.upgrade().is_none(), "the executor's reactor outlived it");
}
