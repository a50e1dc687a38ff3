//! The [`Scenario`] trait: one catalogue entry, written once against [`Runtime`].
//!
//! A scenario declares its parameters (with a full, a quick and a test size), the
//! capabilities it needs, and a `run` that drives it on any runtime and **checks its own
//! result**: a wrong answer is a [`ScenarioError::Check`], never a number.

use std::fmt;
use std::io;
use std::time::Duration;

use crate::capability::Capability;
use crate::runtime::Runtime;

/// One catalogue entry.
pub trait Scenario {
    /// Name, lesson, parameters, requirements.
    const INFO: ScenarioInfo;

    /// Whether the scenario splits its work into shards ([`Runtime::run_sharded`]); one
    /// that does not is `n/a` on per-core flavours, with the reason given here.
    const SHARDING: Sharding =
        Sharding::Unsharded("not written to split its work across independent executors");

    /// Runs the scenario on `runtime` with `params`, checks the result, reports metrics.
    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError>;
}

/// How a scenario runs on per-core flavours ([`crate::Class::PerCore`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharding {
    /// It drives its work through [`Runtime::run_sharded`] and checks each shard's part.
    Sharded,
    /// It runs one root; the text says why it does not shard (shown as `n/a: <reason>`).
    Unsharded(&'static str),
}

/// Static description of a scenario.
#[derive(Clone, Copy, Debug)]
pub struct ScenarioInfo {
    /// Command-line and table name, e.g. `"spawn_many"`.
    pub name: &'static str,
    /// The course lesson it comes from, e.g. `"W8-S6"`.
    pub lesson: &'static str,
    /// One line: what it does and what it checks.
    pub summary: &'static str,
    /// Its parameters.
    pub params: &'static [ParamSpec],
    /// Capabilities a runtime needs to run it.
    pub requires: &'static [Capability],
    /// How many elements one run processes, for throughput figures.
    pub elements: fn(&Params) -> u64,
}

/// One numeric parameter with its sizes.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    /// Name, e.g. `"tasks"`.
    pub name: &'static str,
    /// What it means, with its unit.
    pub help: &'static str,
    /// The full-size value (tokio's own benchmark parameters where they exist).
    pub default: u64,
    /// The value for quick runs.
    pub quick: u64,
    /// The value for tests: small, but large enough for the check to mean something.
    pub test: u64,
    /// The smallest value that makes sense (e.g. 1 task, 2 coroutines for a gather):
    /// [`Params::set`] refuses anything below it.
    pub min: u64,
}

/// Which of a parameter's sizes to use.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    /// The full-size defaults.
    Full,
    /// Shorter runs (the README's quick mode).
    Quick,
    /// Test sizes.
    Test,
}

impl Size {
    /// `"full"`, `"quick"` or `"test"`, as in results files and tables.
    pub fn label(self) -> &'static str {
        match self {
            Size::Full => "full",
            Size::Quick => "quick",
            Size::Test => "test",
        }
    }
}

/// Parameter values for one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    values: Vec<(&'static str, u64)>,
    /// Each value's [`ParamSpec::min`], in the same order.
    mins: Vec<u64>,
}

impl Params {
    /// Every parameter of `specs` at `size`.
    pub fn new(specs: &[ParamSpec], size: Size) -> Self {
        let values = specs
            .iter()
            .map(|spec| {
                let value = match size {
                    Size::Full => spec.default,
                    Size::Quick => spec.quick,
                    Size::Test => spec.test,
                };
                (spec.name, value)
            })
            .collect();
        let mins = specs.iter().map(|spec| spec.min).collect();
        Params { values, mins }
    }

    /// Overrides one value; an unknown name, or a value below the parameter's
    /// [`min`](ParamSpec::min), is an error that says what is valid.
    pub fn set(&mut self, name: &str, value: u64) -> Result<(), String> {
        let names = || self.names().collect::<Vec<_>>().join(", ");
        let Some(index) = self.values.iter().position(|(n, _)| *n == name) else {
            return Err(format!("unknown parameter `{name}`; valid: {}", names()));
        };
        let min = self.mins[index];
        if value < min {
            return Err(format!("parameter `{name}`={value} is below its minimum {min}"));
        }
        self.values[index].1 = value;
        Ok(())
    }

    /// The value of a declared parameter.
    ///
    /// # Panics
    /// If `name` was not declared: that is a bug in the scenario.
    pub fn get(&self, name: &str) -> u64 {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("parameter `{name}` is not declared by this scenario"))
    }

    /// [`get`](Params::get) as a `usize`.
    pub fn count(&self, name: &str) -> usize {
        usize::try_from(self.get(name)).expect("parameter does not fit in usize")
    }

    /// [`get`](Params::get) read as milliseconds.
    pub fn millis(&self, name: &str) -> Duration {
        Duration::from_millis(self.get(name))
    }

    /// Parameter names in declaration order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.values.iter().map(|(n, _)| *n)
    }

    /// `(name, value)` pairs in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.values.iter().copied()
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, value)) in self.values.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{name}={value}")?;
        }
        Ok(())
    }
}

/// One measured figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    /// e.g. `"ns/spawn"`.
    pub name: &'static str,
    /// The value.
    pub value: f64,
    /// Whether smaller is better (latencies) or larger (throughputs).
    pub lower_is_better: bool,
}

impl Metric {
    /// A figure where smaller is better.
    pub fn lower(name: &'static str, value: f64) -> Self {
        Metric { name, value, lower_is_better: true }
    }

    /// A figure where larger is better.
    pub fn higher(name: &'static str, value: f64) -> Self {
        Metric { name, value, lower_is_better: false }
    }

    /// Nanoseconds per operation: `elapsed / count`.
    pub fn nanos_per(name: &'static str, elapsed: Duration, count: u64) -> Self {
        Metric::lower(name, elapsed.as_nanos() as f64 / count.max(1) as f64)
    }
}

/// What a successful run reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// What was verified, in one sentence (e.g. `"10000 tasks ran exactly once"`).
    pub checked: String,
    /// The figures; the first is the headline shown in tables.
    pub metrics: Vec<Metric>,
    /// Anything a reader must know about how this runtime did it.
    pub notes: Vec<String>,
}

impl Outcome {
    /// An outcome with its check sentence and no metrics yet.
    pub fn checked(what: impl Into<String>) -> Self {
        Outcome { checked: what.into(), ..Outcome::default() }
    }

    /// Adds a metric.
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metrics.push(metric);
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The metric called `name`, if reported.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics.iter().find(|m| m.name == name).map(|m| m.value)
    }
}

/// Why a run produced no figures.
#[derive(Debug)]
pub enum ScenarioError {
    /// The scenario's own check failed: the runtime gave a wrong answer.
    Check(String),
    /// The runtime lacks something the scenario needs (shown as `n/a: <reason>`).
    Unsupported(String),
    /// An I/O error from the runtime or the system.
    Io(io::Error),
}

impl ScenarioError {
    /// `Ok(())` if `condition` holds, else a check failure with `message()`.
    pub fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), ScenarioError> {
        if condition {
            Ok(())
        } else {
            Err(ScenarioError::Check(message()))
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Check(message) => write!(f, "check failed: {message}"),
            ScenarioError::Unsupported(reason) => write!(f, "n/a: {reason}"),
            ScenarioError::Io(error) => write!(f, "I/O error: {error}"),
        }
    }
}

impl std::error::Error for ScenarioError {}

impl From<io::Error> for ScenarioError {
    fn from(error: io::Error) -> Self {
        ScenarioError::Io(error)
    }
}

impl From<crate::task::JoinError> for ScenarioError {
    fn from(error: crate::task::JoinError) -> Self {
        ScenarioError::Check(format!("a task failed: {error}"))
    }
}

/// Runs scenario `S` on `runtime` after checking its requirements: a missing
/// capability, or a scenario that does not shard on a per-core flavour, is `Unsupported`
/// with the reason, without running anything.
pub fn run_checked<S: Scenario, R: Runtime>(
    runtime: &R,
    params: &Params,
) -> Result<Outcome, ScenarioError> {
    if let Some((capability, reason)) = R::INFO.capabilities.first_missing(S::INFO.requires) {
        return Err(ScenarioError::Unsupported(format!("{capability}: {reason}")));
    }
    if let (crate::Class::PerCore, Sharding::Unsharded(reason)) = (R::INFO.class, S::SHARDING) {
        return Err(ScenarioError::Unsupported(format!("per-core: {reason}")));
    }
    S::run(runtime, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[ParamSpec] = &[
        ParamSpec { name: "tasks", help: "tasks", default: 100, quick: 10, test: 3, min: 1 },
        ParamSpec { name: "pairs", help: "pairs", default: 8, quick: 4, test: 2, min: 2 },
    ];

    #[test]
    fn set_accepts_the_minimum_and_above() {
        let mut params = Params::new(SPECS, Size::Test);
        params.set("tasks", 1).unwrap();
        params.set("pairs", 5).unwrap();
        assert_eq!(params.get("tasks"), 1);
        assert_eq!(params.get("pairs"), 5);
    }

    #[test]
    fn set_refuses_a_value_below_the_minimum_and_keeps_the_old_one() {
        let mut params = Params::new(SPECS, Size::Test);
        let error = params.set("tasks", 0).unwrap_err();
        assert_eq!(error, "parameter `tasks`=0 is below its minimum 1");
        let error = params.set("pairs", 1).unwrap_err();
        assert!(error.contains("`pairs`") && error.contains("=1") && error.contains("minimum 2"));
        assert_eq!(params.get("tasks"), 3);
        assert_eq!(params.get("pairs"), 2);
    }

    #[test]
    fn set_refuses_an_unknown_name_listing_the_valid_ones() {
        let mut params = Params::new(SPECS, Size::Full);
        let error = params.set("task", 5).unwrap_err();
        assert!(error.contains("`task`") && error.contains("tasks, pairs"), "{error}");
    }
}
