//! `cargo bench --bench overhead`: what the `core` contract costs, flavour by flavour.
//!
//! For every flavour of this build and every overhead workload, two criterion lines: the
//! registered scenario through the contract (`core`) and its native twin (`native`:
//! the same work written against the runtime's own API, on the same runtime instance;
//! see `rtbench-native`). Full sizes: tokio's own benchmark parameters. A runtime whose
//! own API does something different in kind prints `n/a: <reason>`. Each line times
//! whole runs (the runtime's `block_on` included, each run checked); criterion's filter
//! works as usual (`cargo bench --bench overhead -- smol-1`).
//!
//! Then the ratios, from `rtbench overhead` over the flavours and workloads benched (all
//! the workloads benched on any flavour, on each flavour benched: a filter that keeps
//! different workloads on different flavours measures their product):
//! core and native interleaved in pairs on one runtime instance, in several worker
//! processes a cell, each normalised semantic on its own line, and the verdict (target:
//! core/native ≤ 1.03). Not criterion's two lines divided, nor pairs in this one
//! process: a ratio from one process did not hold a rerun in another (memory layout,
//! allocator state, placement), and the pairs cancel the drift between two lines timed
//! seconds apart. About 11 minutes on a 2-core machine, the ratios the last one.
//!
//! Criterion's test mode (`--test`, or no `--bench`, as under `cargo test --benches`)
//! runs each line once and skips the ratios, as `--profile-time` does; `--list` runs
//! nothing.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rtbench_core::{Outcome, Params, RuntimeConfig, ScenarioError, Size};
use rtbench_native::pairs::Sides;
use rtbench_native::{Twins, TwinsVisitor, Workload};

fn overhead(c: &mut Criterion) {
    println!("overhead: allocator: {}", rtbench_native::allocator::keep_freed_memory());
    let config = RuntimeConfig::default();
    let mut benched = Benched::default();
    for name in rtbench_adapters::names() {
        let lines = Lines { criterion: c, benched: &mut benched };
        if let Err(error) = rtbench_native::visit(name, &config, lines) {
            println!("overhead/{name}: n/a: {error}");
        }
    }
    benched.certify();
}

/// The flavours and workloads criterion ran a line for (its filter may leave some out).
#[derive(Default)]
struct Benched {
    flavours: BTreeSet<&'static str>,
    workloads: BTreeSet<&'static str>,
}

impl Benched {
    /// Runs `rtbench overhead` (this package's binary, built for the bench) over what was
    /// benched; its report goes to this bench's output.
    fn certify(self) {
        if !measuring() {
            println!("overhead: not benchmarking: the ratios (rtbench overhead) are not measured");
            return;
        }
        if self.flavours.is_empty() {
            return;
        }
        let join = |names: BTreeSet<&str>| names.into_iter().collect::<Vec<_>>().join(",");
        let (runtimes, workloads) = (join(self.flavours), join(self.workloads));
        println!("overhead: the ratios: rtbench overhead -r {runtimes} -s {workloads}");
        let status = Command::new(env!("CARGO_BIN_EXE_rtbench"))
            .args(["overhead", "-r", &runtimes, "-s", &workloads])
            .status()
            .unwrap_or_else(|error| panic!("could not start rtbench overhead: {error}"));
        assert!(status.success(), "rtbench overhead failed: {status}");
    }
}

/// Whether criterion measures, as under `cargo bench`: it runs each line once when
/// `--bench` is missing (`cargo test --benches`) or `--test` is given, lists with
/// `--list`, and profiles with `--profile-time`, and then no ratio is wanted.
fn measuring() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let given = |flag: &str| args.iter().any(|arg| arg == flag);
    given("--bench") && !["--test", "--list", "--profile-time"].into_iter().any(given)
}

/// Criterion's two lines for each workload on one flavour.
struct Lines<'a> {
    criterion: &'a mut Criterion,
    benched: &'a mut Benched,
}

impl TwinsVisitor for Lines<'_> {
    type Output = ();

    fn visit<R: Twins>(self, runtime: &R) {
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
            let mut ran = false;
            let mut group = self.criterion.benchmark_group(&id);
            group.throughput(Throughput::Elements((info.elements)(&params)));
            group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(2));
            group.bench_function(BenchmarkId::new("core", &params), |b| {
                ran = true;
                b.iter(|| checked(sides.core()))
            });
            group.bench_function(BenchmarkId::new("native", &params), |b| {
                ran = true;
                b.iter(|| checked(sides.native()))
            });
            group.finish();
            if ran {
                self.benched.flavours.insert(R::INFO.name);
                self.benched.workloads.insert(workload.name());
            }
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
