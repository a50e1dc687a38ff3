//! `cargo bench --bench overhead`: what the `core` contract costs, flavour by flavour.
//!
//! For every flavour of this build and every overhead workload, two criterion lines: the
//! registered scenario through the contract (`core`) and its native twin (`native`:
//! the same work written against the runtime's own API, on the same runtime instance;
//! see `rtbench-native`). Then the ratio from rtbench-native's engine, the one
//! `rtbench overhead` prints too: core and native interleaved in pairs, the median pair
//! ratio of the scenario's headline metric and its interquartile range. Full sizes:
//! tokio's own benchmark parameters. A runtime whose own API does something different in
//! kind prints `n/a: <reason>`. Target: core/native ≤ 1.03. Then each normalised
//! semantic the flavour measures apart (`Twins::SEMANTICS`): the native twin with only
//! that semantic added, over the plain twin.
//!
//! Each line times whole runs (the runtime's `block_on` included, each run checked);
//! the ratio compares the scenario's own metric, timed inside the root task, as the
//! tables show it. About 5 minutes on a 2-core machine; criterion's filter works as
//! usual (`cargo bench --bench overhead -- smol-1`).
//!
//! Everything here runs in one process, and its interquartile range is that process's
//! only: a rerun in another process can land well outside it (memory layout, allocator
//! state, placement). `rtbench overhead` is what certifies a ratio: it runs each cell in
//! several processes and gives the median over them with a rerun interval.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rtbench_core::{Outcome, Params, RuntimeConfig, ScenarioError, Size};
use rtbench_native::pairs::{Plan, Sides, MIN_PAIRS};
use rtbench_native::{Twins, TwinsVisitor, Workload};

/// The engine's pairs: more than `rtbench overhead` takes, within a few seconds a line.
const PLAN: Plan = Plan { pairs: 101, min_pairs: MIN_PAIRS, budget: Duration::from_secs(3) };

fn overhead(c: &mut Criterion) {
    println!("overhead: allocator: {}", rtbench_native::allocator::keep_freed_memory());
    let config = RuntimeConfig::default();
    for name in rtbench_adapters::names() {
        if let Err(error) = rtbench_native::visit(name, &config, Lines { criterion: c }) {
            println!("overhead/{name}: n/a: {error}");
        }
    }
}

/// Criterion's two lines and the interleaved ratio for each workload on one flavour.
struct Lines<'a> {
    criterion: &'a mut Criterion,
}

impl TwinsVisitor for Lines<'_> {
    type Output = ();

    fn visit<R: Twins>(self, runtime: &R) {
        let threads = runtime.threads();
        println!(
            "overhead: {} ({threads} thread(s)), core vs native, in this one process (rtbench \
             overhead certifies across processes)",
            R::INFO.name
        );
        for workload in Workload::ALL {
            let info = workload.info();
            let params = Params::new(info.params, Size::Full);
            let id = format!("overhead/{}/{}", workload.name(), R::INFO.name);
            let sides = match Sides::new(runtime, workload, &params) {
                Ok(sides) => sides,
                Err(reason) => {
                    println!("{id}: n/a: {reason}");
                    continue;
                }
            };
            let mut group = self.criterion.benchmark_group(&id);
            group.throughput(Throughput::Elements((info.elements)(&params)));
            group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(2));
            group.bench_function(BenchmarkId::new("core", &params), |b| {
                b.iter(|| checked(sides.core()))
            });
            group.bench_function(BenchmarkId::new("native", &params), |b| {
                b.iter(|| checked(sides.native()))
            });
            group.finish();
            println!("{id} {params}: core/native = {:#}", sides.pairs(&PLAN));
        }
        for semantic in R::SEMANTICS {
            let params = Params::new(semantic.workload.info().params, Size::Full);
            let id = format!("overhead/{}/{}", semantic.workload.name(), R::INFO.name);
            let cost = Sides::new(runtime, semantic.workload, &params).map_or_else(
                |reason| format!("n/a: {reason}"),
                |s| format!("{:#}", s.semantic(semantic, &PLAN)),
            );
            println!("{id}: {} alone, with/native = {cost}", semantic.name);
        }
    }
}

/// Stops the bench on anything but a checked success.
fn checked(outcome: Result<Outcome, ScenarioError>) {
    if let Err(error) = outcome {
        panic!("overhead workload failed: {error}");
    }
}

criterion_group!(benches, overhead);
criterion_main!(benches);
