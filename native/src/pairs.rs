//! The engine: the contract and the native twin, interleaved in pairs.
//!
//! Between processes, figures move by several percent (memory layout, frequency, core
//! placement: see the design notes); within one process they agree far better. So both
//! sides run in one process, on one runtime instance, alternately: pair `i` runs core
//! then native when `i` is even, native then core when it is odd, so neither side always
//! runs second (on a warmer cache, a woken pool). Each pair gives one ratio of the two
//! headline metrics, core's cost over native's (a throughput is inverted, so above 1
//! always means the contract costs more); the figure is the median of the pair ratios,
//! their interquartile range its spread. Every run's outcome is checked: a failed check
//! ends the measurement, it never becomes a ratio.
//!
//! A normalised semantic the flavour measures apart (its [`Twins::SEMANTICS`] on that
//! workload) runs beside both: a round then runs every side once, each order followed
//! by its reverse, and gives the semantic's cost (its twin over the plain
//! one) and the contract's cost beyond it (core over its twin) from the same runs. So
//! whether a semantic explains a cell's excess is measured, pair by pair, rather than
//! taken as the quotient of two figures from processes that may have landed in
//! different states of the host. (`rtbench overhead` still measures a cell's own
//! figure with its two sides alone: a third kind of task in the process moves some
//! cells, compio's `spawn_many` by 8 %.)
//!
//! That is one process's figure, and its spread knows nothing of the next process's
//! luck: `rtbench overhead` runs the pairs of each cell in several processes and
//! combines their [`Ratios::per_pair`] into a median with a rerun interval.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use rtbench_core::task::payload_message;
use rtbench_core::{Metric, Outcome, Params, ScenarioError};
use serde::{Deserialize, Serialize};
use statrs::statistics::{Data, OrderStatistics};

use crate::{Semantic, Twin, Twins, Workload};

/// How many pairs (rounds, with semantics: every side once) to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Pairs to run, at most.
    pub pairs: usize,
    /// The fewest pairs to run, whatever the budget (or all of `pairs`, if fewer): few
    /// where several processes make the figure, since a slow workload's few long runs
    /// would otherwise take the time that more processes need.
    pub min_pairs: usize,
    /// Once the pairs have run this long, stop after at least `min_pairs`.
    pub budget: Duration,
}

/// What measuring one workload on one flavour gave. Its `Display` is the table cell:
/// `1.02 (0.99–1.05)`, `n/a: <reason>` or `FAILED: <what>`; the alternate form (`{:#}`)
/// adds the pairs and both sides' medians to a measured one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum Overhead {
    /// Core over native, pair by pair.
    Measured(Ratios),
    /// The two sides do different things here (or the scenario does not run): why.
    NotComparable(String),
    /// A side failed its check, or panicked: what it said.
    Failed(String),
}

/// The pair ratios of one measurement, each and summarised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ratios {
    /// The headline metric compared, e.g. `ns/spawn`.
    pub metric: String,
    /// How many pairs ran.
    pub pairs: usize,
    /// The median pair ratio, core over native.
    pub median: f64,
    /// The lower quartile of the pair ratios.
    pub q1: f64,
    /// The upper quartile of the pair ratios.
    pub q3: f64,
    /// The median of core's metric.
    pub core: f64,
    /// The median of native's metric.
    pub native: f64,
    /// Every pair's ratio, core over native, in the order the pairs ran (what
    /// `rtbench overhead` combines across processes).
    pub per_pair: Vec<f64>,
}

impl fmt::Display for Overhead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Overhead::Measured(ratios) => {
                write!(f, "{:.2} ({:.2}–{:.2})", ratios.median, ratios.q1, ratios.q3)?;
                if f.alternate() {
                    let Ratios { pairs, metric, core, native, .. } = ratios;
                    write!(f, " over {pairs} pairs; {metric}: core {core:.1}, native {native:.1}")?;
                }
                Ok(())
            }
            Overhead::NotComparable(reason) => write!(f, "n/a: {reason}"),
            Overhead::Failed(error) => write!(f, "FAILED: {error}"),
        }
    }
}

/// One workload on one flavour, both ways: the scenario through the contract, and its
/// native twin.
pub struct Sides<'a, R> {
    runtime: &'a R,
    workload: Workload,
    params: &'a Params,
    twin: Twin<R>,
}

/// What one process measured of a cell: core over native, and the normalised semantic
/// measured in the same rounds, if one was ([`Sides::measure`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Core over native, pair by pair.
    pub overhead: Overhead,
    /// The semantic measured, if any.
    pub line: Option<Line>,
}

/// One normalised semantic, measured in the rounds of its cell: what it costs, and what
/// the contract costs beyond it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Its name ([`Semantic::name`]).
    pub semantic: String,
    /// The semantic's twin over the plain twin: what the semantic itself costs.
    pub cost: Overhead,
    /// Core over the semantic's twin: what the contract costs beyond the semantic.
    pub rest: Overhead,
}

impl<'a, R: Twins> Sides<'a, R> {
    /// Both sides of `workload` with `params` on `runtime`; `Err` with the reason when
    /// the runtime has no comparable twin.
    pub fn new(runtime: &'a R, workload: Workload, params: &'a Params) -> Result<Self, String> {
        let twin = R::twin(workload).map_err(|reason| reason.to_owned())?;
        Ok(Sides { runtime, workload, params, twin })
    }

    /// One checked run through the contract.
    pub fn core(&self) -> Result<Outcome, ScenarioError> {
        rtbench_scenarios::run(self.workload.name(), self.runtime, self.params)
            .expect("every workload is a registered scenario")
    }

    /// One checked run of the native twin.
    pub fn native(&self) -> Result<Outcome, ScenarioError> {
        (self.twin)(self.runtime, self.params)
    }

    /// One warm-up run of each side, then rounds as `plan` says, each running core, the
    /// native twin and `semantic`'s twin (if any) once, each order followed by its
    /// reverse: so a semantic's cost and the contract's cost beyond it
    /// come from the same rounds of the same process. A panic on any side is caught and
    /// reported as a failure, with no line ([`Measured::unmeasured`]).
    pub fn measure(&self, semantic: Option<&Semantic<R>>, plan: &Plan) -> Measured {
        let mut sides: Vec<Box<dyn Fn() -> Result<Metric, Skip> + '_>> = vec![
            Box::new(|| headline("core", self.core())),
            Box::new(|| headline("native", self.native())),
        ];
        if let Some(semantic) = semantic {
            sides.push(Box::new(|| {
                headline(semantic.name, (semantic.twin)(self.runtime, self.params))
            }));
        }
        let measured = panic::catch_unwind(AssertUnwindSafe(|| interleave(plan, &sides)));
        match measured {
            Ok(Ok((metric, rounds))) => Measured::of(&metric, &rounds, semantic.map(|s| s.name)),
            Ok(Err(Skip::NotComparable(reason))) => {
                Measured::unmeasured(Overhead::NotComparable(reason))
            }
            Ok(Err(Skip::Failed(error))) => Measured::unmeasured(Overhead::Failed(error)),
            Err(payload) => Measured::unmeasured(Overhead::Failed(format!(
                "panicked: {}",
                payload_message(&*payload)
            ))),
        }
    }
}

impl Measured {
    /// What a process gave that measured nothing (`n/a`, or failed): no line, since its
    /// answer is its line's too (`rtbench overhead` reads a missing line as it).
    pub fn unmeasured(overhead: Overhead) -> Measured {
        Measured { overhead, line: None }
    }

    /// The ratios of `rounds` of `metric`, each round's values side by side: core,
    /// native, then the twin of the `semantic` named, if any.
    fn of(metric: &Metric, rounds: &[Vec<f64>], semantic: Option<&str>) -> Measured {
        let ratio = |side: usize, over: usize| {
            let values: Vec<_> = rounds.iter().map(|round| (round[side], round[over])).collect();
            Overhead::Measured(Ratios::of(metric, &values))
        };
        let line = semantic.map(|semantic| Line {
            semantic: semantic.to_owned(),
            cost: ratio(SEMANTIC, NATIVE),
            rest: ratio(CORE, SEMANTIC),
        });
        Measured { overhead: ratio(CORE, NATIVE), line }
    }
}

/// The sides' places in a round's values: core, native, then the semantic's twin.
const CORE: usize = 0;
const NATIVE: usize = 1;
const SEMANTIC: usize = 2;

/// One warm-up run of each side, then rounds, as `plan` says, each running every side
/// once. Rounds go in twos: an order, then its reverse, so that in every two rounds each
/// side runs once before and once after each other side (two sides: core then native,
/// then native then core). The first order of each two is a rotation whose start moves
/// two sides on from one two to the next (with three sides: 0, 2, 1), so that each side
/// in turn is the one that runs twice in a row where an order meets its reverse. Gives
/// the first side's metric and each round's values, side by side.
fn interleave(
    plan: &Plan,
    sides: &[Box<dyn Fn() -> Result<Metric, Skip> + '_>],
) -> Result<(Metric, Vec<Vec<f64>>), Skip> {
    let metric = sides[0]()?;
    for side in &sides[1..] {
        side()?;
    }
    let mut rounds = Vec::with_capacity(plan.pairs);
    let start = Instant::now();
    for round in 0..plan.pairs {
        if round >= plan.min_pairs && start.elapsed() > plan.budget {
            break;
        }
        let n = sides.len();
        let first = 2 * (round / 2) % n;
        let mut values = vec![0.0; n];
        for offset in 0..n {
            let step = if round % 2 == 0 { offset } else { n - 1 - offset };
            let side = (first + step) % n;
            values[side] = sides[side]()?.value;
        }
        rounds.push(values);
    }
    Ok((metric, rounds))
}

/// Why a measurement gave no ratio.
enum Skip {
    NotComparable(String),
    Failed(String),
}

/// The headline metric of a checked run, or why there is none.
fn headline(side: &str, outcome: Result<Outcome, ScenarioError>) -> Result<Metric, Skip> {
    let outcome = outcome.map_err(|error| match error {
        ScenarioError::Unsupported(reason) => Skip::NotComparable(reason),
        error => Skip::Failed(format!("{side}: {error}")),
    })?;
    outcome.metrics.into_iter().next().ok_or_else(|| Skip::Failed(format!("{side}: no metric")))
}

impl Ratios {
    /// Summarises the `(core, native)` values of `metric`, one per pair (at least one).
    /// A pair's ratio is core's cost over native's: a throughput is inverted.
    fn of(metric: &Metric, values: &[(f64, f64)]) -> Ratios {
        let cost = |(core, native): &(f64, f64)| {
            if metric.lower_is_better {
                core / native
            } else {
                native / core
            }
        };
        let per_pair: Vec<f64> = values.iter().map(cost).collect();
        let mut ratios = Data::new(per_pair.clone());
        let mut core = Data::new(values.iter().map(|(core, _)| *core).collect::<Vec<_>>());
        let mut native = Data::new(values.iter().map(|(_, native)| *native).collect::<Vec<_>>());
        Ratios {
            metric: metric.name.to_owned(),
            pairs: values.len(),
            median: ratios.median(),
            q1: ratios.lower_quartile(),
            q3: ratios.upper_quartile(),
            core: core.median(),
            native: native.median(),
            per_pair,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn ratios_are_medians_and_quartiles_of_the_pairs() {
        let values = [(110.0, 100.0), (90.0, 100.0), (100.0, 100.0), (130.0, 100.0), (100.0, 80.0)];
        let ratios = Ratios::of(&Metric::lower("ns/spawn", 0.0), &values);
        assert_eq!((ratios.pairs, ratios.median), (5, 1.1));
        assert!(ratios.q1 <= 1.0 && ratios.q3 >= 1.25 && ratios.q1 < ratios.median, "{ratios:?}");
        assert_eq!((ratios.core, ratios.native), (100.0, 100.0));
        assert_eq!(ratios.per_pair, [1.1, 0.9, 1.0, 1.3, 1.25]);
    }

    #[test]
    fn a_throughput_ratio_is_inverted_so_above_1_still_means_slower() {
        let ratios = Ratios::of(&Metric::higher("round trips/s", 0.0), &[(80.0, 100.0)]);
        assert_eq!((ratios.median, ratios.core, ratios.native), (1.25, 80.0, 100.0));
    }

    #[test]
    fn a_failed_check_is_a_failure_and_unsupported_is_not_comparable() {
        let failed = headline("native", Err(ScenarioError::Check("lost a task".into())));
        assert!(matches!(failed, Err(Skip::Failed(m)) if m == "native: check failed: lost a task"));
        let unsupported = headline("core", Err(ScenarioError::Unsupported("no TCP".into())));
        assert!(matches!(unsupported, Err(Skip::NotComparable(m)) if m == "no TCP"));
    }

    /// The order in which `interleave` runs `sides` sides (named `a`, `b`, …) under
    /// `plan`, and how many rounds it ran.
    fn order(plan: &Plan, sides: usize) -> (String, usize) {
        let order = Cell::new(String::new());
        let names = ["a", "b", "c", "d"];
        let run = |side: usize| {
            order.set(format!("{}{}", order.take(), names[side]));
            Ok(Metric::lower("ns", side as f64))
        };
        let sides: Vec<Box<dyn Fn() -> Result<Metric, Skip> + '_>> =
            (0..sides).map(|side| Box::new(move || run(side)) as Box<_>).collect();
        let (metric, rounds) = interleave(plan, &sides).ok().unwrap();
        assert_eq!(metric.value, 0.0, "the first side's metric");
        assert!(rounds
            .iter()
            .all(|round| round.iter().copied().eq((0..sides.len()).map(|s| s as f64))));
        (order.take(), rounds.len())
    }

    #[test]
    fn the_order_alternates_within_pairs() {
        // Warm-up, then pairs 0, 1 and 2: the budget is spent, but min_pairs > 3.
        let plan = Plan { pairs: 3, min_pairs: 5, budget: Duration::ZERO };
        assert_eq!(order(&plan, 2), ("ab".to_owned() + "ab" + "ba" + "ab", 3));
    }

    #[test]
    fn with_semantics_each_order_is_followed_by_its_reverse() {
        let plan = Plan { pairs: 6, min_pairs: 1, budget: Duration::from_secs(60) };
        let rounds = ["abc", "cba", "cab", "bac", "bca", "acb"].concat();
        assert_eq!(order(&plan, 3), ("abc".to_owned() + &rounds, 6));
    }

    #[test]
    fn a_line_gives_the_semantics_cost_and_the_contracts_beyond_it_from_the_same_rounds() {
        // Core, native, one semantic's twin: 120/100/110, then 132/100/120.
        let rounds = [vec![120.0, 100.0, 110.0], vec![132.0, 100.0, 120.0]];
        let measured = Measured::of(&Metric::lower("ns/spawn", 0.0), &rounds, Some("caught"));
        let per_pair = |overhead: &Overhead| match overhead {
            Overhead::Measured(ratios) => ratios.per_pair.clone(),
            other => panic!("{other}"),
        };
        assert_eq!(per_pair(&measured.overhead), [1.2, 1.32]);
        let Some(line) = &measured.line else { panic!("{measured:?}") };
        assert_eq!(line.semantic, "caught");
        assert_eq!(per_pair(&line.cost), [1.1, 1.2]);
        let rest = per_pair(&line.rest);
        assert!((rest[0] - 120.0 / 110.0).abs() < 1e-12 && rest[1] == 1.1, "{rest:?}");
    }

    #[test]
    fn cells_read_as_ratio_and_spread_or_why_not() {
        let ratios = Ratios::of(&Metric::lower("ns/hop", 0.0), &[(102.0, 100.0)]);
        let measured = Overhead::Measured(ratios);
        assert_eq!(measured.to_string(), "1.02 (1.02–1.02)");
        assert_eq!(
            format!("{measured:#}"),
            "1.02 (1.02–1.02) over 1 pairs; ns/hop: core 102.0, native 100.0"
        );
        assert_eq!(Overhead::NotComparable("no yield".into()).to_string(), "n/a: no yield");
    }
}
