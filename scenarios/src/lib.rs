//! The rtbench catalogue: the course's lessons as scenarios, each written once against
//! [`rtbench_core::Runtime`] and checking its own result.
//!
//! Adding a scenario is one file (a type implementing [`Scenario`]) and one line in the
//! `catalogue!` list below; the registry functions, the tests that run every scenario on
//! every runtime, the benches and the command-line runner all pick it up from there.

use rtbench_core::scenario::run_checked;
use rtbench_core::{
    Outcome, Params, Runtime, RuntimeVisitor, Scenario, ScenarioError, ScenarioInfo, Sharding,
};

pub mod measure;
pub mod starvation;

macro_rules! catalogue {
    ($( $module:ident :: $scenario:ident ),* $(,)?) => {
        $( pub mod $module; )*

        /// Every scenario, in catalogue order.
        pub fn infos() -> Vec<ScenarioInfo> {
            vec![$( <$module::$scenario as Scenario>::INFO, )*]
        }

        /// How the scenario called `name` runs on per-core flavours; `None` if no
        /// scenario has that name.
        pub fn sharding(name: &str) -> Option<Sharding> {
            $(
                if name == <$module::$scenario as Scenario>::INFO.name {
                    return Some(<$module::$scenario as Scenario>::SHARDING);
                }
            )*
            None
        }

        /// Runs the scenario called `name` on `runtime`, after checking the runtime has
        /// the capabilities it needs. `None` if no scenario has that name.
        pub fn run<R: Runtime>(
            name: &str,
            runtime: &R,
            params: &Params,
        ) -> Option<Result<Outcome, ScenarioError>> {
            $(
                if name == <$module::$scenario as Scenario>::INFO.name {
                    return Some(run_checked::<$module::$scenario, R>(runtime, params));
                }
            )*
            None
        }
    };
}

pub mod io_support;
mod scale;
pub mod shards;
pub mod under_load;

catalogue! {
    spawn_many::SpawnMany,
    awaitable::Awaitable,
    not_awaited::NotAwaited,
    chained_spawn::ChainedSpawn,
    yield_many::YieldMany,
    ping_pong::PingPong,
    gather::Gather,
    timers::Timers,
    starvation_blocking::StarvationBlocking,
    starvation_sliced::StarvationSliced,
    starvation_offloaded::StarvationOffloaded,
    producer_consumer::ProducerConsumer,
    window::Window,
    cancel::Cancel,
    panics::Panics,
    tcp_echo::TcpEcho,
    tcp_round_trip::TcpRoundTrip,
    http_fetch::HttpFetch,
    subprocess::Subprocess,
    file_io::FileIo,
    million_tasks::MillionTasks,
    c10k::C10k,
    fan_out::FanOut,
    fan_out_skewed::FanOutSkewed,
    echo_server::EchoServer,
    http_server::HttpServer,
}

/// Whether `name` is a server scenario measured at offered rates (a closed loop, then
/// open loops; [`under_load`]): the report gives these a table and a latency chart.
pub fn is_rated_server(name: &str) -> bool {
    [
        <echo_server::EchoServer as Scenario>::INFO.name,
        <http_server::HttpServer as Scenario>::INFO.name,
    ]
    .contains(&name)
}

/// Whether `name`'s clients are the load generator's: its worker must start the
/// generator beside it (the rated servers, and `c10k`).
pub fn needs_load_generator(name: &str) -> bool {
    is_rated_server(name) || name == <c10k::C10k as Scenario>::INFO.name
}

/// The scenario called `name`, or an error listing the valid names.
pub fn info(name: &str) -> Result<ScenarioInfo, String> {
    infos().into_iter().find(|info| info.name == name).ok_or_else(|| {
        let valid: Vec<_> = infos().iter().map(|info| info.name).collect();
        format!("unknown scenario `{name}`; valid: {}", valid.join(", "))
    })
}

/// A [`RuntimeVisitor`] that runs one scenario: `adapters::visit(runtime, config,
/// RunScenario { .. })` runs any scenario on any runtime chosen by name.
#[derive(Clone, Copy, Debug)]
pub struct RunScenario<'a> {
    /// The scenario's name (must be valid: see [`info`]).
    pub name: &'a str,
    /// Its parameters.
    pub params: &'a Params,
}

impl RuntimeVisitor for RunScenario<'_> {
    type Output = Result<Outcome, ScenarioError>;

    fn visit<R: Runtime>(self, runtime: &R) -> Self::Output {
        run(self.name, runtime, self.params)
            .unwrap_or_else(|| panic!("{}", info(self.name).unwrap_err()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_size_of_every_parameter_respects_its_minimum() {
        for info in super::infos() {
            for spec in info.params {
                for size in [spec.default, spec.quick, spec.test] {
                    assert!(
                        size >= spec.min,
                        "{}.{}: {size} < min {}",
                        info.name,
                        spec.name,
                        spec.min
                    );
                }
            }
        }
    }
}
