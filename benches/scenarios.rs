//! `cargo bench --bench scenarios`: every registered scenario on every runtime flavour of
//! this build, side by side — one criterion group per scenario, one line per runtime.
//!
//! Fairness and honesty rules (see the design notes):
//! - each runtime is built once per line, outside the timed loop; each timed iteration is
//!   one full [`rtbench_scenarios::run`], whose own check must pass (a failed check
//!   aborts the bench: a wrong answer is never a number);
//! - multi-thread flavours all get the same thread count (the machine's cores), printed
//!   with every line together with the parameters and the comparison class;
//! - a runtime that cannot run a scenario prints `n/a: <reason>` for that line, whether
//!   a capability says so up front or the line's first (unmeasured) run returns
//!   `ScenarioError::Unsupported` (e.g. `c10k` under too low an open-file limit); the
//!   bench goes on with the next line.
//!
//! Sizes: `RTBENCH_BENCH_SIZE=full|quick|test` (default `full`) picks the scenarios'
//! parameter sizes and criterion's time budget per line. Criterion's own options still
//! apply and win: a name filter (`cargo bench --bench scenarios -- spawn_many`),
//! `--sample-size`, `--measurement-time`, `--warm-up-time`, `--quick`.
//!
//! Long scenarios stay practical without a per-name list that would go stale: every
//! line takes 10 samples in criterion's flat sampling mode (each sample the mean of
//! equally many runs — we time whole runs ourselves, so there is no per-call overhead
//! for linear sampling to remove), so a line costs about
//! `warm-up + max(measurement, 10 × one run)`: ~5 s for a fast scenario at full size,
//! ~11 s for one whose single run takes a second.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode,
    Throughput,
};
use rtbench_core::{
    Params, Runtime, RuntimeConfig, RuntimeVisitor, ScenarioError, ScenarioInfo, Size,
};

/// The environment variable that picks parameter sizes and time budgets.
const SIZE_VAR: &str = "RTBENCH_BENCH_SIZE";

/// Samples per line: criterion's minimum, so that a scenario taking seconds per run
/// costs seconds × 10, not × 100.
const SAMPLES: usize = 10;

/// The size asked for in [`SIZE_VAR`].
fn bench_size() -> Size {
    match std::env::var(SIZE_VAR).as_deref() {
        Err(_) | Ok("full") => Size::Full,
        Ok("quick") => Size::Quick,
        Ok("test") => Size::Test,
        Ok(other) => panic!("{SIZE_VAR}={other}: expected full, quick or test"),
    }
}

/// Criterion's settings for every line (command-line options override them).
fn criterion_config() -> Criterion {
    let (warm_up, measurement) = match bench_size() {
        Size::Full => (Duration::from_secs(1), Duration::from_secs(3)),
        Size::Quick | Size::Test => (Duration::from_millis(300), Duration::from_secs(1)),
    };
    Criterion::default().sample_size(SAMPLES).warm_up_time(warm_up).measurement_time(measurement)
}

fn scenarios(c: &mut Criterion) {
    let size = bench_size();
    let config = RuntimeConfig::default();
    for info in rtbench_scenarios::infos() {
        let params = Params::new(info.params, size);
        let mut group = c.benchmark_group(info.name);
        group.throughput(Throughput::Elements((info.elements)(&params)));
        group.sampling_mode(SamplingMode::Flat);
        for runtime in rtbench_adapters::names() {
            let line = Line { group: &mut group, info, params: &params, size };
            if let Err(error) = rtbench_adapters::visit(runtime, &config, line) {
                println!("{}/{runtime}: n/a: {error}", info.name);
            }
        }
        group.finish();
    }
}

/// One criterion line: one scenario on the runtime the registry builds.
struct Line<'g, 'c, 'p> {
    group: &'g mut BenchmarkGroup<'c, WallTime>,
    info: ScenarioInfo,
    params: &'p Params,
    size: Size,
}

impl RuntimeVisitor for Line<'_, '_, '_> {
    type Output = ();

    fn visit<R: Runtime>(self, runtime: &R) {
        let Line { group, info, params, size } = self;
        let runtime_info = R::INFO;
        if let Some((capability, reason)) = runtime_info.capabilities.first_missing(info.requires) {
            println!("{}/{}: n/a: {capability}: {reason}", info.name, runtime_info.name);
            return;
        }
        let announced = Cell::new(false);
        let id = BenchmarkId::new(runtime_info.name, params);
        let benched = panic::catch_unwind(AssertUnwindSafe(|| {
            group.bench_function(id, |bencher| {
                line_routine(bencher, info, runtime, params, size, &announced)
            });
        }));
        if let Err(payload) = benched {
            match payload.downcast::<NotApplicable>() {
                Ok(not_applicable) => {
                    println!("{}/{}: n/a: {}", info.name, runtime_info.name, not_applicable.0)
                }
                Err(other) => panic::resume_unwind(other),
            }
        }
    }
}

/// Why a line's first run found the scenario `n/a` here. Criterion insists that a
/// routine iterates, so the line is left by unwinding with this payload (no panic hook,
/// no message) and [`Line::visit`] prints it as the line's `n/a`.
struct NotApplicable(String);

/// What criterion calls for a line: the first call makes one unmeasured run (it announces
/// the line, and leaves it as [`NotApplicable`] if the scenario cannot run here), then
/// every call times whole runs.
fn line_routine<R: Runtime>(
    bencher: &mut criterion::Bencher<'_, WallTime>,
    info: ScenarioInfo,
    runtime: &R,
    params: &Params,
    size: Size,
    announced: &Cell<bool>,
) {
    let runtime_info = R::INFO;
    if !announced.replace(true) {
        match run_once(info, runtime, params) {
            Err(ScenarioError::Unsupported(reason)) => {
                panic::resume_unwind(Box::new(NotApplicable(reason)))
            }
            Err(error) => panic!("{} on {}: {error}", info.name, runtime_info.name),
            Ok(()) => {}
        }
        println!(
            "{}/{}: {params} ({size:?} size) on {} {} {}, {} thread(s)",
            info.name,
            runtime_info.name,
            runtime_info.crate_name,
            runtime_info.crate_version,
            runtime_info.class.label(),
            runtime.threads(),
        );
    }
    bencher.iter_custom(|iterations| {
        let start = Instant::now();
        for _ in 0..iterations {
            run_checked_once(info, runtime, params);
        }
        start.elapsed()
    });
}

/// One run of the scenario.
fn run_once<R: Runtime>(
    info: ScenarioInfo,
    runtime: &R,
    params: &Params,
) -> Result<(), ScenarioError> {
    rtbench_scenarios::run(info.name, runtime, params)
        .unwrap_or_else(|| panic!("scenario `{}` is not registered", info.name))
        .map(drop)
}

/// One timed run of the scenario; any failure — a wrong answer above all — stops the
/// bench.
fn run_checked_once<R: Runtime>(info: ScenarioInfo, runtime: &R, params: &Params) {
    match run_once(info, runtime, params) {
        Ok(()) => {}
        Err(ScenarioError::Unsupported(reason)) => panic!(
            "{} on {}: n/a after its first run succeeded ({reason})",
            info.name,
            R::INFO.name
        ),
        Err(error) => panic!("{} on {}: {error}", info.name, R::INFO.name),
    }
}

criterion_group! {
    name = benches;
    config = criterion_config();
    targets = scenarios
}
criterion_main!(benches);
