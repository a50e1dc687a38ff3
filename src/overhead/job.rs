//! One process of one overhead cell: `rtbench overhead-worker` (hidden) reads a [`Job`]
//! as one JSON line on stdin, builds the flavour, runs the cell's pairs, or a semantic's
//! rounds (`rtbench_native::pairs`), and prints what it did to the allocator and what
//! they gave, every pair's ratio included, as one JSON line on stdout ([`Done`]).
//!
//! A process of its own per cell and round because a process's memory layout, allocator
//! state and placement move a ratio by more than its pairs' spread: only figures from
//! several processes say how far a rerun can move. The parent starts it through
//! [`crate::cell::run_child`], as `rtbench run` starts its workers, so a crash, an abort
//! or a hang is that process's `FAILED: <reason>`.

use std::io::BufRead;
use std::process::ExitCode;
use std::time::Duration;

use rtbench_adapters::AdapterError;
use rtbench_core::{Params, RuntimeConfig, Size};
use rtbench_native::pairs::{Measured, Overhead, Plan, Sides};
use rtbench_native::{Twins, TwinsVisitor, Workload};
use serde::{Deserialize, Serialize};

/// What one worker process measures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// The flavour, by name.
    pub runtime: String,
    /// Worker threads for an N-thread flavour.
    pub threads: usize,
    pub size: Size,
    /// The workload, by its scenario's name.
    pub scenario: String,
    /// `None`: the contract against the native twin; `Some(name)`: that normalised
    /// semantic's twin (`Twins::SEMANTICS`) against the plain one, with the contract in
    /// the same rounds.
    pub semantic: Option<String>,
    /// Pairs, at most.
    pub pairs: usize,
    /// Pairs, at least, whatever the budget.
    pub min_pairs: usize,
    /// Once the pairs have run this long, stop (after `min_pairs`).
    pub budget_ms: u64,
}

/// What a worker process did: the allocator regime its pairs ran under, and the pairs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Done {
    /// [`rtbench_native::allocator::keep_freed_memory`]'s account of what it did.
    pub allocator: String,
    pub measured: Measured,
}

/// Runs the job given on stdin; exit code 2 when it names nothing this build has.
pub fn main() -> ExitCode {
    let job = match read_job() {
        Ok(job) => job,
        Err(message) => {
            say!("rtbench overhead-worker: {message}");
            return ExitCode::from(2);
        }
    };
    crate::worker::exit_when_parent_goes();
    // Before any pair, so that both sides run under the same allocator regime.
    let allocator = rtbench_native::allocator::keep_freed_memory();
    let config = RuntimeConfig { threads: job.threads };
    let measured = match rtbench_native::visit(&job.runtime, &config, Measure { job: &job }) {
        Ok(measured) => measured,
        Err(AdapterError::Unavailable(reason)) => Ok(Measured::unmeasured(
            Overhead::NotComparable(format!("runtime unavailable here: {reason}")),
        )),
        Err(unknown @ AdapterError::Unknown { .. }) => Err(unknown.to_string()),
    };
    match measured {
        Ok(measured) => {
            let done = Done { allocator, measured };
            println!("{}", serde_json::to_string(&done).expect("a worker's result serialises"));
            ExitCode::SUCCESS
        }
        Err(message) => {
            say!("rtbench overhead-worker: {message}");
            ExitCode::from(2)
        }
    }
}

/// The job on the first line of stdin.
fn read_job() -> Result<Job, String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("reading stdin: {e}"))?;
    serde_json::from_str(&line).map_err(|e| format!("no job on stdin ({e}): {line:?}"))
}

/// Measures a job on the flavour it is handed; `Err` when the job names a workload or
/// semantic the flavour does not have.
struct Measure<'a> {
    job: &'a Job,
}

impl TwinsVisitor for Measure<'_> {
    type Output = Result<Measured, String>;

    fn visit<R: Twins>(self, runtime: &R) -> Result<Measured, String> {
        let job = self.job;
        let workload = Workload::ALL
            .into_iter()
            .find(|workload| workload.name() == job.scenario)
            .ok_or_else(|| format!("no overhead workload `{}`", job.scenario))?;
        let params = Params::new(workload.info().params, job.size);
        let budget = Duration::from_millis(job.budget_ms);
        let plan = Plan { pairs: job.pairs, min_pairs: job.min_pairs, budget };
        let semantic = job.semantic.as_deref().map(|name| {
            let semantic = R::SEMANTICS.iter().find(|s| s.name == name && s.workload == workload);
            semantic.ok_or_else(|| {
                format!("{} has no semantic `{name}` on {}", job.runtime, job.scenario)
            })
        });
        let semantic = semantic.transpose()?;
        Ok(match Sides::new(runtime, workload, &params) {
            Ok(sides) => sides.measure(semantic, &plan),
            Err(reason) => Measured::unmeasured(Overhead::NotComparable(reason)),
        })
    }
}

#[cfg(test)]
mod tests {
    use rtbench_native::pairs::{Line, Ratios};

    use super::*;

    #[test]
    fn jobs_and_their_results_round_trip_as_json_lines() {
        let job = Job {
            runtime: "smol-1".into(),
            threads: 2,
            size: Size::Quick,
            scenario: "spawn_many".into(),
            semantic: Some("catching panics".into()),
            pairs: 40,
            min_pairs: 2,
            budget_ms: 150,
        };
        let line = serde_json::to_string(&job).unwrap();
        assert!(!line.contains('\n'), "{line}");
        assert_eq!(serde_json::from_str::<Job>(&line).unwrap(), job);
        let ratios = Ratios {
            metric: "ns/spawn".into(),
            pairs: 2,
            median: 1.05,
            q1: 1.0,
            q3: 1.1,
            core: 105.0,
            native: 100.0,
            per_pair: vec![1.0, 1.1],
        };
        for overhead in [
            Overhead::Measured(ratios),
            Overhead::NotComparable("no yield".into()),
            Overhead::Failed("native: check failed".into()),
        ] {
            let line = Line {
                semantic: "catching panics".into(),
                cost: overhead.clone(),
                rest: overhead.clone(),
            };
            let measured = Measured { overhead, line: Some(line) };
            let done = Done { allocator: "glibc malloc, freed memory kept".into(), measured };
            let line = serde_json::to_string(&done).unwrap();
            assert!(!line.contains('\n'), "{line}");
            assert_eq!(serde_json::from_str::<Done>(&line).unwrap(), done, "{line}");
        }
    }
}
