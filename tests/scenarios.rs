//! Every registered scenario, at its test size, on every runtime flavour of this build:
//! its own check must pass, or — only where the runtime declares a capability the
//! scenario requires missing — it must say `n/a` with a reason. A runtime that cannot
//! run on this machine at all (glommio under a low `RLIMIT_MEMLOCK`) is reported as
//! `n/a` and skipped. On per-core flavours (2 shards here) a scenario that shards must
//! run and check both shards; one that does not must say `n/a` with its own reason.

use rtbench_adapters::AdapterError;
use rtbench_core::{Class, Params, Runtime, RuntimeConfig, ScenarioError, Sharding, Size};
use rtbench_scenarios::RunScenario;

/// Every scenario on `R`. Public, as the contract's semantics are in tests/contract.rs,
/// so that a build with no runtime compiled in (nothing calls it) still lints clean.
pub fn check_every_scenario_on<R: Runtime>() {
    // The server scenarios' load comes from a generator process, as under the runner.
    rtbench_loadgen::Launcher::set(rtbench_loadgen::Launcher::Process {
        program: env!("CARGO_BIN_EXE_rtbench").into(),
        args: vec!["loadgen".to_owned()],
        cpus: Vec::new(),
    });
    let (runtime, capabilities) = (R::INFO.name, R::INFO.capabilities);
    let config = RuntimeConfig { threads: 2 };
    let mut failures = Vec::new();
    for info in rtbench_scenarios::infos() {
        let params = Params::new(info.params, Size::Test);
        let visitor = RunScenario { name: info.name, params: &params };
        match rtbench_adapters::visit(runtime, &config, visitor) {
            Ok(Ok(outcome)) => {
                assert!(!outcome.metrics.is_empty(), "{}: no metrics", info.name);
                // A sharded scenario on a per-core flavour ran (and checked) 2 shards.
                if R::INFO.class == Class::PerCore {
                    assert!(
                        outcome.notes.iter().any(|note| note.starts_with("2 shards")),
                        "{}: no 2-shard note in {:?}",
                        info.name,
                        outcome.notes
                    );
                }
                assert!(
                    outcome.metrics.iter().all(|m| m.value.is_finite()),
                    "{}: non-finite metric in {:?}",
                    info.name,
                    outcome.metrics
                );
            }
            Ok(Err(ScenarioError::Unsupported(reason))) => {
                let unsharded = match rtbench_scenarios::sharding(info.name) {
                    Some(Sharding::Unsharded(why)) => {
                        R::INFO.class == Class::PerCore && reason == format!("per-core: {why}")
                    }
                    _ => false,
                };
                match capabilities.first_missing(info.requires) {
                    Some(_) => eprintln!("{runtime} / {}: n/a: {reason}", info.name),
                    None if unsharded => eprintln!("{runtime} / {}: n/a: {reason}", info.name),
                    None => failures.push(format!(
                        "{}: n/a ({reason}), yet {runtime} declares every capability it requires",
                        info.name
                    )),
                }
            }
            Ok(Err(error)) => failures.push(format!("{}: {error}", info.name)),
            Err(AdapterError::Unavailable(reason)) => {
                eprintln!("{runtime}: n/a: {reason}");
                return;
            }
            Err(error) => failures.push(format!("{}: {error}", info.name)),
        }
    }
    assert!(failures.is_empty(), "{runtime}: {}", failures.join("\n"));
}

/// A scenario that holds many connections says `n/a`, with the numbers and a fix,
/// before it opens any when the open-file limit cannot hold them (issue 7: `tcp_echo`
/// was reset halfway instead). 2^62 connections need more descriptors than any kernel
/// grants, privileged or not, so this reads the real limit (and may raise its soft
/// value to the hard one, as the runner does) but never lowers it; and were the check
/// missing, the scenario would panic at once on that count rather than open anything.
#[cfg(unix)]
#[test]
fn connection_scenarios_are_na_when_the_open_file_limit_cannot_hold_them() {
    let Some(&runtime) = rtbench_adapters::names().first() else { return };
    let connections: u64 = 1 << 62;
    for (scenario, param) in [("tcp_echo", "clients"), ("c10k", "connections")] {
        let info = rtbench_scenarios::info(scenario).unwrap();
        let mut params = Params::new(info.params, Size::Test);
        params.set(param, connections).unwrap();
        let visitor = RunScenario { name: scenario, params: &params };
        match rtbench_adapters::visit(runtime, &RuntimeConfig { threads: 1 }, visitor) {
            Ok(Err(ScenarioError::Unsupported(reason))) => {
                assert!(reason.starts_with("open-file limit too low: "), "{reason}");
                let asked = format!("{scenario}.{param}={connections} needs");
                assert!(reason.contains(&asked), "{reason}");
            }
            Ok(other) => panic!("{scenario} on {runtime}: {other:?}"),
            Err(error) => eprintln!("{runtime}: n/a: {error}"),
        }
    }
}

/// One test per flavour of the adapters' one runtime list, and one that fails when a
/// flavour compiled into the adapters is missing here (a feature not forwarded under the
/// same name by this package).
macro_rules! every_runtime {
    ($( #[cfg($cfg:meta)] $flavour:ident: $runtime:ty $(, probed by $probe:path)?; )*) => {
        $(
            #[cfg($cfg)]
            #[test]
            fn $flavour() {
                check_every_scenario_on::<$runtime>();
            }
        )*

        #[test]
        fn the_list_covers_every_compiled_runtime() {
            let listed: Vec<&str> =
                vec![$( #[cfg($cfg)] <$runtime as rtbench_core::Runtime>::INFO.name, )*];
            assert_eq!(listed, rtbench_adapters::names());
        }
    };
}

rtbench_adapters::for_each_flavour!(every_runtime);
