//! Every registered scenario, at its test size, on every runtime flavour of this build:
//! its own check must pass, or — only where the runtime declares a capability the
//! scenario requires missing — it must say `n/a` with a reason. A runtime that cannot
//! run on this machine at all (glommio under a low `RLIMIT_MEMLOCK`) is reported as
//! `n/a` and skipped.

use rtbench_adapters::AdapterError;
use rtbench_core::{Params, RuntimeConfig, ScenarioError, Size};
use rtbench_scenarios::RunScenario;

fn check_every_scenario_on(runtime: &str) {
    let config = RuntimeConfig { threads: 2 };
    let capabilities = rtbench_adapters::infos()
        .into_iter()
        .find(|info| info.name == runtime)
        .unwrap_or_else(|| panic!("{runtime} is not compiled in"))
        .capabilities;
    let mut failures = Vec::new();
    for info in rtbench_scenarios::infos() {
        let params = Params::new(info.params, Size::Test);
        let visitor = RunScenario { name: info.name, params: &params };
        match rtbench_adapters::visit(runtime, &config, visitor) {
            Ok(Ok(outcome)) => {
                assert!(!outcome.metrics.is_empty(), "{}: no metrics", info.name);
                assert!(
                    outcome.metrics.iter().all(|m| m.value.is_finite()),
                    "{}: non-finite metric in {:?}",
                    info.name,
                    outcome.metrics
                );
            }
            Ok(Err(ScenarioError::Unsupported(reason))) => {
                match capabilities.first_missing(info.requires) {
                    Some(_) => eprintln!("{runtime} / {}: n/a: {reason}", info.name),
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

macro_rules! every_runtime {
    ($( $(#[$cfg:meta])* $test:ident => $name:literal ),* $(,)?) => {
        $( $(#[$cfg])* #[test] fn $test() { check_every_scenario_on($name); } )*

        #[test]
        fn the_list_covers_every_compiled_runtime() {
            let listed: Vec<&str> = vec![$( $(#[$cfg])* $name, )*];
            assert_eq!(listed, rtbench_adapters::names());
        }
    };
}

every_runtime! {
    #[cfg(feature = "tokio")] tokio_ct => "tokio-ct",
    #[cfg(feature = "tokio")] tokio_mt => "tokio-mt",
    #[cfg(feature = "async-std")] async_std => "async-std",
    #[cfg(feature = "smol")] smol_1 => "smol-1",
    #[cfg(feature = "smol")] smol_mt => "smol-mt",
    #[cfg(feature = "futures")] futures_local => "futures-local",
    #[cfg(feature = "futures")] futures_pool => "futures-pool",
    #[cfg(all(feature = "glommio", target_os = "linux"))] glommio => "glommio",
}
