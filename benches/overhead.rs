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
    Workload {
        scenario: "ping_pong",
        params: &[("round_trips", 1_000)],
        native: native::ping_pong,
    },
];

/// Alternating runs per side for the interleaved ratio.
const INTERLEAVED_RUNS: usize = 31;

fn overhead(c: &mut Criterion) {
    let config = RuntimeConfig::default();
    let core = TokioMultiThread::new(&config).expect("tokio-mt builds");
    let native = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.threads)
        .enable_all()
        .build()
        .expect("tokio builds");
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
        let run_native = || check(Some((workload.native)(&native, &params)));
        let info = rtbench_scenarios::info(workload.scenario).expect("checked above");
        let mut group = c.benchmark_group(format!("overhead/{}", workload.scenario));
        group.throughput(Throughput::Elements((info.elements)(&params)));
        group.bench_function(BenchmarkId::new("core", &params), |b| b.iter(run_core));
        group.bench_function(BenchmarkId::new("native", &params), |b| b.iter(run_native));
        group.finish();
        let ratio = interleaved_ratio(run_core, run_native);
        println!("overhead/{} {params}: core/native = {ratio:.3} (median of {INTERLEAVED_RUNS} interleaved pairs)", workload.scenario);
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

/// Median over alternating pairs of `core` time / `native` time.
fn interleaved_ratio(core: impl Fn(), native: impl Fn()) -> f64 {
    let timed = |run: &dyn Fn()| {
        let start = Instant::now();
        run();
        start.elapsed()
    };
    let mut ratios: Vec<f64> = (0..INTERLEAVED_RUNS)
        .map(|_| {
            let core: Duration = timed(&core);
            let native = timed(&native);
            core.as_secs_f64() / native.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

/// The scenarios of the registry, written directly against tokio. Keep each one a
/// line-for-line mirror of its scenario (`scenarios/src/<name>.rs`).
mod native {
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

    /// Mirrors `scenarios/src/yield_many.rs`.
    pub fn yield_many(
        runtime: &tokio::runtime::Runtime,
        params: &Params,
    ) -> Result<Outcome, ScenarioError> {
        let _ = (runtime, params);
        unimplemented!("mirror of yield_many: written once the scenario is merged")
    }

    /// Mirrors `scenarios/src/ping_pong.rs`.
    pub fn ping_pong(
        runtime: &tokio::runtime::Runtime,
        params: &Params,
    ) -> Result<Outcome, ScenarioError> {
        let _ = (runtime, params);
        unimplemented!("mirror of ping_pong: written once the scenario is merged")
    }
}

criterion_group!(benches, overhead);
criterion_main!(benches);
