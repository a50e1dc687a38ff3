//! Every registered scenario, at its test size, on every runtime flavour of this build:
//! its own check must pass, or — only where the runtime declares a capability the
//! scenario requires missing — it must say `n/a` with a reason. A runtime that cannot
//! run on this machine at all (glommio under a low `RLIMIT_MEMLOCK`) is reported as
//! `n/a` and skipped. On per-core flavours (2 shards here) a scenario that shards must
//! run and check both shards; one that does not must say `n/a` with its own reason. The
//! servers' shards are checked apart as well: each one serves.

use rtbench_adapters::AdapterError;
use rtbench_core::{
    Class, Params, Runtime, RuntimeConfig, RuntimeVisitor, Scenario, ScenarioError, Sharding, Size,
};
use rtbench_scenarios::echo_server::EchoServer;
use rtbench_scenarios::{under_load, RunScenario};

/// The server scenarios' load comes from a generator process, as under the runner.
fn generate_in_a_process() {
    rtbench_loadgen::Launcher::set(rtbench_loadgen::Launcher::Process {
        program: env!("CARGO_BIN_EXE_rtbench").into(),
        args: vec!["loadgen".to_owned()],
        cpus: Vec::new(),
    });
}

/// Every scenario on `R`. Public, as the contract's semantics are in tests/contract.rs,
/// so that a build with no runtime compiled in (nothing calls it) still lints clean.
pub fn check_every_scenario_on<R: Runtime>() {
    generate_in_a_process();
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

/// A sharded server really is served by every shard: on each per-core flavour with 3
/// shards, `echo_server`'s test-size 4 connections are split 2, 1, 1 over the shards'
/// listeners, every shard answers requests, and together they answer every request the
/// job sends.
#[test]
fn a_per_core_server_is_served_by_every_shard() {
    generate_in_a_process();
    let config = RuntimeConfig { threads: 3 };
    for info in rtbench_adapters::infos().into_iter().filter(|info| info.class == Class::PerCore) {
        match rtbench_adapters::visit(info.name, &config, ServedPerShard) {
            Ok(Ok((per_shard, sent))) => {
                assert_eq!(per_shard.len(), 3, "{}: {per_shard:?}", info.name);
                assert!(per_shard.iter().all(|&served| served > 0), "{}: {per_shard:?}", info.name);
                assert_eq!(per_shard.iter().sum::<u64>(), sent, "{}: {per_shard:?}", info.name);
            }
            Ok(Err(error)) => panic!("{}: {error}", info.name),
            Err(error) => eprintln!("{}: n/a: {error}", info.name),
        }
    }
}

/// Runs `echo_server` at test size through the server engine and returns what each
/// shard's server answered, and the requests the job sent.
struct ServedPerShard;

impl RuntimeVisitor for ServedPerShard {
    type Output = Result<(Vec<u64>, u64), ScenarioError>;

    fn visit<R: Runtime>(self, runtime: &R) -> Self::Output {
        let params = Params::new(EchoServer::INFO.params, Size::Test);
        let loaded = under_load::drive::<R, EchoServer>(runtime, &params, under_load::CONNECTIONS)?;
        Ok((loaded.served, loaded.job.requests()))
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
