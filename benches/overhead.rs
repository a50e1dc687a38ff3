//! `cargo bench --bench overhead`: what the `core` contract costs on tokio-mt.
//!
//! Each workload runs twice: as the registered scenario through `rtbench_core` on the
//! `tokio-mt` adapter (line `core`), and as the same code written directly against tokio
//! (line `native`: `tokio::spawn`, `tokio::task::yield_now`, the same `async-channel`
//! channels). The native versions mirror the scenarios line for line — same root task,
//! same checks, same outcome — so the ratio measures only the runtime layer: the
//! adapter's join-handle normalisation and panic catching. Target: core/native ≤ 1.03.
//!
//! Besides criterion's two lines per workload, the bench prints a ratio measured with
//! interleaved runs (core, native, core, …), which drifts less than two lines measured
//! one after the other on a loaded machine.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rtbench_adapters::tokio::TokioMultiThread;
use rtbench_core::{Metric, Outcome, Params, Runtime, RuntimeConfig, ScenarioError, Size};

/// One workload: a registered scenario, its parameters here (tokio's own benchmark
/// parameters), and its hand-written tokio twin.
struct Workload {
    scenario: &'static str,
    params: &'static [(&'static str, u64)],
    native: fn(&tokio::runtime::Runtime, &Params) -> Result<Outcome, ScenarioError>,
}

const WORKLOADS: [Workload; 3] = [
    Workload { scenario: "spawn_many", params: &[("tasks", 10_000)], native: native::spawn_many },
    Workload {
        scenario: "yield_many",
        params: &[("tasks", 200), ("yields", 1_000)],
        native: native::yield_many,
    },
    Workload { scenario: "ping_pong", params: &[("rounds", 1_000)], native: native::ping_pong },
];

/// Alternating runs per side for the interleaved ratio.
const INTERLEAVED_RUNS: usize = 101;

fn overhead(c: &mut Criterion) {
    let config = RuntimeConfig::default();
    let core = TokioMultiThread::new(&config).expect("tokio-mt builds");
    // Both sides run on the same tokio runtime: same worker threads, same wake-up state.
    let native = core.native();
    println!("overhead: tokio-mt, {} worker threads, core vs native", config.threads);
    for workload in &WORKLOADS {
        let params = match workload_params(workload) {
            Ok(params) => params,
            Err(reason) => {
                println!("overhead/{}: n/a: {reason}", workload.scenario);
                continue;
            }
        };
        let run_core = || check(rtbench_scenarios::run(workload.scenario, &core, &params));
        let run_native = || check(Some((workload.native)(native, &params)));
        let info = rtbench_scenarios::info(workload.scenario).expect("checked above");
        let mut group = c.benchmark_group(format!("overhead/{}", workload.scenario));
        group.throughput(Throughput::Elements((info.elements)(&params)));
        group.bench_function(BenchmarkId::new("core", &params), |b| b.iter(run_core));
        group.bench_function(BenchmarkId::new("native", &params), |b| b.iter(run_native));
        group.finish();
        let ratio = interleaved_ratio(run_core, run_native);
        println!("overhead/{} {params}: core/native = {ratio:.3} (medians of {INTERLEAVED_RUNS} interleaved pairs)", workload.scenario);
    }
}

/// The scenario's full-size parameters with the workload's values, or why not.
fn workload_params(workload: &Workload) -> Result<Params, String> {
    let info = rtbench_scenarios::info(workload.scenario)
        .map_err(|_| format!("scenario `{}` is not registered in this build", workload.scenario))?;
    let mut params = Params::new(info.params, Size::Full);
    for &(name, value) in workload.params {
        params.set(name, value)?;
    }
    Ok(params)
}

/// Stops the bench on anything but a checked success.
fn check(outcome: Option<Result<Outcome, ScenarioError>>) {
    match outcome {
        Some(Ok(_)) => {}
        Some(Err(error)) => panic!("overhead workload failed: {error}"),
        None => panic!("overhead workload is not registered"),
    }
}

/// Median `core` time over median `native` time, from runs taken in alternating pairs
/// (the pair's order alternates too, so neither side always runs second).
fn interleaved_ratio(core: impl Fn(), native: impl Fn()) -> f64 {
    let timed = |run: &dyn Fn()| {
        let start = Instant::now();
        run();
        start.elapsed()
    };
    let (mut core_times, mut native_times): (Vec<Duration>, Vec<Duration>) = (0..INTERLEAVED_RUNS)
        .map(|pair| {
            if pair % 2 == 0 {
                let core = timed(&core);
                (core, timed(&native))
            } else {
                let native = timed(&native);
                (timed(&core), native)
            }
        })
        .unzip();
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        times[times.len() / 2].as_secs_f64()
    };
    median(&mut core_times) / median(&mut native_times)
}

/// The scenarios of the registry, written directly against tokio. Keep each one a
/// line-for-line mirror of its scenario (`scenarios/src/<name>.rs`).
mod native {
    use std::cell::Cell;

    use async_channel::{Receiver, Sender};

    use super::*;

    /// Mirrors `Runtime::run` on a multi-thread flavour: the root runs in a spawned task.
    fn run<F>(runtime: &tokio::runtime::Runtime, root: F) -> F::Output
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match runtime.block_on(async { tokio::spawn(root).await }) {
            Ok(value) => value,
            Err(error) => panic!("scenario root failed: {error}"),
        }
    }

    /// A join error as the contract's `From<JoinError>` reports it.
    fn task_failed(error: tokio::task::JoinError) -> ScenarioError {
        ScenarioError::Check(format!("a task failed: {error}"))
    }

    /// Mirrors `scenarios/src/spawn_many.rs`.
    pub fn spawn_many(
        runtime: &tokio::runtime::Runtime,
        params: &Params,
    ) -> Result<Outcome, ScenarioError> {
        let tasks = params.count("tasks");
        let runs = Arc::new(AtomicUsize::new(0));
        let task_runs = Arc::clone(&runs);
        let (elapsed, index_sum) = run(runtime, async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|index| {
                    let runs = Arc::clone(&task_runs);
                    tokio::spawn(async move {
                        runs.fetch_add(1, Ordering::Relaxed);
                        index
                    })
                })
                .collect();
            let mut index_sum = 0;
            for handle in handles {
                index_sum += handle.await.map_err(task_failed)?;
            }
            Ok::<_, ScenarioError>((start.elapsed(), index_sum))
        })?;
        let runs = runs.load(Ordering::Relaxed);
        ScenarioError::ensure(runs == tasks, || {
            format!("{runs} task bodies ran, expected {tasks}")
        })?;
        let expected_sum = tasks * tasks.saturating_sub(1) / 2;
        ScenarioError::ensure(index_sum == expected_sum, || {
            format!("handles returned indices summing to {index_sum}, expected {expected_sum}")
        })?;
        Ok(Outcome::checked(format!("{tasks} tasks each ran once and returned their index"))
            .metric(Metric::nanos_per("ns/spawn", elapsed, tasks as u64)))
    }

    /// Mirrors `scenarios/src/yield_many.rs` (multi-thread class: one task must have
    /// seen another run while it yielded).
    pub fn yield_many(
        runtime: &tokio::runtime::Runtime,
        params: &Params,
    ) -> Result<Outcome, ScenarioError> {
        let tasks = params.get("tasks");
        let yields = params.get("yields");
        let (tallies, elapsed) = run(
            runtime,
            timed(async move {
                let handles: Vec<_> = (0..tasks).map(|_| tokio::spawn(yielder(yields))).collect();
                let mut tallies = Vec::with_capacity(handles.len());
                for handle in handles {
                    tallies.push(handle.await.map_err(task_failed)?);
                }
                Ok::<_, ScenarioError>(tallies)
            }),
        );
        let tallies = tallies?;

        if let Some((task, tally)) = tallies.iter().enumerate().find(|(_, t)| t.completed != yields)
        {
            return Err(ScenarioError::Check(format!(
                "task {task} completed {} yields, expected {yields}",
                tally.completed
            )));
        }
        let interleaved = tallies.iter().filter(|t| t.interleaved > 0).count() as u64;
        if tasks >= 2 && yields >= 1 {
            let needed = 1;
            ScenarioError::ensure(interleaved >= needed, || {
                format!(
                    "only {interleaved} of {tasks} tasks saw another task run while they \
                     yielded (needed {needed}): yield_now did not give the hand back"
                )
            })?;
        }
        Ok(Outcome::checked(format!(
            "{tasks} tasks each completed {yields} yields; {interleaved} saw other tasks run \
             meanwhile"
        ))
        .metric(Metric::nanos_per("ns/yield", elapsed, tasks * yields)))
    }

    #[derive(Clone, Copy, Debug, Default)]
    struct Tally {
        completed: u64,
        interleaved: u64,
    }

    async fn yielder(yields: u64) -> Tally {
        let mut tally = Tally::default();
        for _ in 0..yields {
            let before = step();
            tokio::task::yield_now().await;
            let after = step();
            tally.completed += 1;
            if after != (before.0, before.1 + 1) {
                tally.interleaved += 1;
            }
        }
        tally
    }

    thread_local! {
        static STEPS_HERE: Cell<u64> = const { Cell::new(0) };
    }

    fn step() -> (usize, u64) {
        STEPS_HERE.with(|steps| {
            steps.set(steps.get() + 1);
            (steps as *const Cell<u64> as usize, steps.get())
        })
    }

    /// Mirrors `scenarios/src/ping_pong.rs`.
    pub fn ping_pong(
        runtime: &tokio::runtime::Runtime,
        params: &Params,
    ) -> Result<Outcome, ScenarioError> {
        let rounds = params.get("rounds");
        let (finals, elapsed) = run(
            runtime,
            timed(async move {
                let (ping_tx, ping_rx) = async_channel::bounded(1);
                let (pong_tx, pong_rx) = async_channel::bounded(1);
                let server = tokio::spawn(player(Side::Server, rounds, pong_rx, ping_tx));
                let returner = tokio::spawn(player(Side::Returner, rounds, ping_rx, pong_tx));
                Ok::<_, ScenarioError>((
                    server.await.map_err(task_failed)?,
                    returner.await.map_err(task_failed)?,
                ))
            }),
        );
        let (server, returner) = finals?;
        let server = server.map_err(ScenarioError::Check)?;
        let returner = returner.map_err(ScenarioError::Check)?;
        let expected = match rounds {
            0 => (None, None),
            _ => (Some(2 * rounds - 1), Some(2 * rounds - 2)),
        };
        ScenarioError::ensure((server, returner) == expected, || {
            format!(
                "last tokens received: server {server:?}, returner {returner:?}; expected {expected:?}"
            )
        })?;
        Ok(Outcome::checked(format!("{rounds} round trips, the token alternated strictly"))
            .metric(Metric::nanos_per("ns/round trip", elapsed, rounds)))
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Side {
        Server,
        Returner,
    }

    async fn player(
        side: Side,
        rounds: u64,
        inbox: Receiver<u64>,
        outbox: Sender<u64>,
    ) -> Result<Option<u64>, String> {
        let hung_up = || format!("{side:?}: the other side hung up");
        let mut expected = 0;
        if side == Side::Server && rounds > 0 {
            outbox.send(0).await.map_err(|_| hung_up())?;
            expected = 1;
        }
        let mut last = None;
        for round in 1..=rounds {
            let token = inbox.recv().await.map_err(|_| hung_up())?;
            if token != expected {
                return Err(format!("{side:?} received token {token}, expected {expected}"));
            }
            last = Some(token);
            expected = token + 2;
            let game_over = side == Side::Server && round == rounds;
            if !game_over {
                outbox.send(token + 1).await.map_err(|_| hung_up())?;
            }
        }
        Ok(last)
    }

    /// Mirrors `scenarios/src/measure.rs`'s `timed`.
    async fn timed<F: std::future::Future>(future: F) -> (F::Output, Duration) {
        let start = Instant::now();
        let output = future.await;
        (output, start.elapsed())
    }
}

criterion_group!(benches, overhead);
criterion_main!(benches);
