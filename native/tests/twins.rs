//! The twins stay honest: on every flavour of this build, each native twin and its
//! scenario, run through the contract at test size, pass the same check and say the
//! same thing about it. No timing is asserted.

use rtbench_adapters::AdapterError;
use rtbench_core::{Class, Outcome, Params, RuntimeConfig, ScenarioError, Size, Unavailable};
use rtbench_native::dispatch::no_twins;
use rtbench_native::pairs::Sides;
use rtbench_native::{Twins, TwinsVisitor, Workload};

/// Runs both sides of `workload` once on one flavour; what differs, if anything.
struct BothSides(Workload);

impl TwinsVisitor for BothSides {
    type Output = Result<(), String>;

    fn visit<R: Twins>(self, runtime: &R) -> Result<(), String> {
        let params = Params::new(self.0.info().params, Size::Test);
        let sides = match Sides::new(runtime, self.0, &params) {
            Ok(sides) => sides,
            // The exceptions, kept deliberate: futures' pool and monoio re-poll a task
            // woken during its own poll at once, so their native yield lets nothing run.
            // (reference has twins too: its executor's own spawn, handle and block_on.)
            Err(reason)
                if self.0 == Workload::YieldMany
                    && ["futures-pool", "monoio"].contains(&R::INFO.name) =>
            {
                assert!(reason.contains("re-polls"), "{reason}");
                return Ok(());
            }
            // A per-core flavour runs N executors of a single-thread flavour whose twins
            // measure it; the overhead workloads do not shard.
            Err(reason) if R::INFO.class == Class::PerCore => {
                assert!(reason.starts_with("per-core:"), "{reason}");
                return Ok(());
            }
            Err(reason) => return Err(format!("no twin: {reason}")),
        };
        let (core, native) = (checked("core", sides.core())?, checked("native", sides.native())?);
        let names = |outcome: &Outcome| outcome.metrics.iter().map(|m| m.name).collect::<Vec<_>>();
        if names(&core) != names(&native) {
            return Err(format!("metrics differ: {:?} vs {:?}", names(&core), names(&native)));
        }
        if verified(&core) != verified(&native) {
            return Err(format!("checks differ: {:?} vs {:?}", core.checked, native.checked));
        }
        Ok(())
    }
}

/// What `outcome` says was checked: before `;`; after it, what was seen (yield_many: how
/// many tasks met another, which varies between runs on N threads).
fn verified(outcome: &Outcome) -> &str {
    outcome.checked.split(';').next().unwrap_or_default()
}

fn checked(side: &str, outcome: Result<Outcome, ScenarioError>) -> Result<Outcome, String> {
    outcome.map_err(|error| format!("{side}: {error}"))
}

/// `visitor` on flavour `name`, or `None` for a flavour whose twins are not written yet
/// (a runtime just added to the list: its overhead row says so, and this says it here).
/// Any other error is a failure.
fn on_twins<V: TwinsVisitor>(name: &str, visitor: V) -> Option<V::Output> {
    match rtbench_native::visit(name, &RuntimeConfig { threads: 2 }, visitor) {
        Ok(output) => Some(output),
        Err(AdapterError::Unavailable(Unavailable(reason))) if reason == no_twins(name) => {
            eprintln!("{name}: {reason}");
            None
        }
        Err(error) => panic!("{name}: {error}"),
    }
}

/// Both sides of `workload` on every flavour of this build: each failure, by flavour.
fn on_every_flavour(workload: Workload) {
    let failures: Vec<_> = rtbench_adapters::names()
        .into_iter()
        .filter_map(|name| {
            let outcome = on_twins(name, BothSides(workload))?;
            outcome.err().map(|failure| format!("{name}: {failure}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}: {failures:#?}", workload.name());
}

#[test]
fn spawn_many_twins_pass_the_scenario_check() {
    on_every_flavour(Workload::SpawnMany);
}

#[test]
fn chained_spawn_twins_pass_the_scenario_check() {
    on_every_flavour(Workload::ChainedSpawn);
}

#[test]
fn yield_many_twins_pass_the_scenario_check() {
    on_every_flavour(Workload::YieldMany);
}

#[test]
fn ping_pong_twins_pass_the_scenario_check() {
    on_every_flavour(Workload::PingPong);
}

/// Every semantic's twin (the native twin with one normalised semantic added) passes
/// its scenario's check, the same check as the plain twin's ([`verified`]: what it saw
/// may differ on N threads).
struct SemanticTwins;

impl TwinsVisitor for SemanticTwins {
    type Output = Vec<String>;

    fn visit<R: Twins>(self, runtime: &R) -> Vec<String> {
        let failure = |semantic: &rtbench_native::Semantic<R>| {
            let params = Params::new(semantic.workload.info().params, Size::Test);
            let plain = match R::twin(semantic.workload) {
                Ok(plain) => plain,
                Err(reason) => return Some(format!("{}: no plain twin: {reason}", semantic.name)),
            };
            let with = match checked(semantic.name, (semantic.twin)(runtime, &params)) {
                Ok(with) => with,
                Err(error) => return Some(error),
            };
            let plain = match checked("native", plain(runtime, &params)) {
                Ok(plain) => plain,
                Err(error) => return Some(error),
            };
            (verified(&with) != verified(&plain))
                .then(|| format!("{}: {:?} vs {:?}", semantic.name, with.checked, plain.checked))
        };
        R::SEMANTICS.iter().filter_map(failure).map(|f| format!("{}: {f}", R::INFO.name)).collect()
    }
}

#[test]
fn semantic_twins_pass_the_scenario_check() {
    let failures: Vec<_> = rtbench_adapters::names()
        .into_iter()
        .flat_map(|name| on_twins(name, SemanticTwins).unwrap_or_default())
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn tcp_round_trip_twins_pass_the_scenario_check() {
    on_every_flavour(Workload::TcpRoundTrip);
}
