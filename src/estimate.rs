//! What a metric's samples say once they come from several processes: its median with a
//! 95 % interval, whether the processes disagree, and the change between two runs; and,
//! to check that the intervals mean what they say, how often a second run lands inside
//! the first one's.
//!
//! A benchmark varies at two levels: between the samples of one process, and between
//! processes (layout, scheduling, the page cache; Kalibera and Jones, "Rigorous
//! benchmarking in reasonable time", ISMM 2013). Samples from one process share its
//! luck, so pooling them as if independent makes an interval far too narrow: an
//! interval must be built over processes ("rounds"), repeating at each level that
//! varies.
//!
//! - **Point estimate**: the median of the round medians. Each process counts once,
//!   however many samples it took, so the figure does not depend on how a run splits its
//!   budget between rounds and samples; one process off by 30 % moves it less than it
//!   moves the median of the pooled samples; and it is the statistic the bootstrap
//!   resamples, so the point and its interval describe the same quantity.
//! - **Interval**: where a rerun's figure will land, 95 % of the time. That is the
//!   question a reader of a table asks ("if I run this again, or run the other runtime,
//!   how far can this figure move?"), and it is wider than a confidence interval for
//!   the true median, since a rerun's figure carries its own noise on top of this
//!   run's: with both equally noisy, a 95 % confidence interval holds a rerun's figure
//!   only about 83 % of the time (measured here: 83–85 % between two quick runs).
//!   Both come from a hierarchical bootstrap: each resample draws rounds with
//!   replacement, then samples with replacement within each drawn round, and takes the
//!   median of the resampled round medians. The difference of two independent
//!   resamples stands for the difference between this run and a rerun, so the rerun
//!   interval is the figure plus the 2.5 and 97.5 percentiles of [`RESAMPLES`] such
//!   differences (ratios, for positive figures, so that a time's interval stays above
//!   zero), widened for the few rounds it rests on ([`expansion`]). In simulation
//!   (processes and samples each varying by 1–5 %) it held an independent rerun's
//!   figure 93–100 % of the time with 1 to 20 rounds; unwidened, 86–99 % with 5 to 20
//!   rounds, 81 % with 3 and 62 % with 2.
//! - **Ratio of two runs** ([`ratio_interval`]): the percentiles of the ratios of
//!   independent resamples of each run, which already hold both runs' noise, widened
//!   the same way.
//! - **One round**: the bootstrap resamples samples only. Such an interval knows
//!   nothing of process-to-process variation, which one process cannot show; the
//!   runner should say so wherever it reports one.
//!
//! Nothing off the shelf fits: the bootstrap crates (`booted`, the resampling of
//! `stats-claw`, criterion's private `stats` module) resample one flat list; none draws
//! clusters and then members within them. The two-level draw is therefore written here,
//! on `rand`'s `SmallRng` seeded by the caller, so the same data and seed give the same
//! interval on every machine and every report.

use rand::rngs::SmallRng;
use rand::{Rng, RngCore, SeedableRng};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use statrs::statistics::{Data, OrderStatistics, RankTieBreaker};

/// A metric's samples, grouped by the process (round) that took them: at least one
/// round, every round non-empty, no NaN.
pub type Rounds<'a> = &'a [Vec<f64>];

/// Bootstrap resamples per interval: the 2.5 % tail then holds 100 of them, and the
/// bounds move by about 1 % of the interval's width from one seed to another (10 rounds
/// × 20 samples; 2 000 resamples move them twice as much), while such a call still
/// takes about 3 ms.
const RESAMPLES: usize = 4_000;

/// Confidence level of every interval.
const LEVEL: f64 = 0.95;

/// Family-wise false-alarm rate of [`unstable`]: the strictest round figure at which
/// 5 rounds × 5 samples can still show one round shifted clear of the others (its rank
/// sum is then 3.4 standard deviations out; at 0.1 % the bar would be 3.7).
const UNSTABLE_ALPHA: f64 = 0.01;

/// A median and the interval a rerun's median should fall in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The median of the round medians.
    pub median: f64,
    /// Lower bound of the 95 % rerun interval.
    pub low: f64,
    /// Upper bound of the 95 % rerun interval.
    pub high: f64,
}

impl Interval {
    /// Whether `value` lies inside the interval, bounds included.
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

/// The median of `rounds` with the 95 % interval a rerun of the same cell should land
/// in: the median moved by the percentiles of the differences between pairs of
/// independent hierarchical-bootstrap medians, as ratios where every value is positive,
/// widened by [`expansion`] (see the module doc); `seed` fixes the resampling.
/// One round gives an interval over its samples only; one sample gives
/// `low = high = median`.
pub fn rerun_interval(rounds: Rounds, seed: u64) -> Interval {
    check(rounds);
    let mut rng = SmallRng::seed_from_u64(seed);
    let this_run = bootstrap_medians(rounds, RESAMPLES, &mut rng);
    let rerun = bootstrap_medians(rounds, RESAMPLES, &mut rng);
    let median = median_of_medians(rounds);
    let widen = expansion(rounds);
    let positive = rounds.iter().flatten().all(|&value| value > 0.0);
    let reruns = rerun.iter().zip(&this_run).map(|(&rerun, &this_run)| {
        if positive {
            median * (rerun / this_run).powf(widen)
        } else {
            median + widen * (rerun - this_run)
        }
    });
    let (low, high) = percentile_interval(reruns.collect());
    Interval { median, low, high }
}

/// How much to widen bootstrap percentiles for the few rounds (or, with one round, the
/// few samples) they come from: `sqrt(n / (n − 1)) · t(n − 1) / z`, Hesterberg's
/// "expanded percentile interval" ("What teachers should know about the bootstrap",
/// The American Statistician, 2015). The bootstrap spreads its resamples as if the `n`
/// values were the whole population, which understates the spread by the factor
/// `sqrt((n − 1) / n)`, and its percentiles behave like normal quantiles where `n`
/// estimated values call for Student's t: together, 1.58× at 5 rounds, 1.13× at 15,
/// and 9.17× at 2. It is 1 where there is nothing to widen (a single value).
fn expansion(rounds: Rounds) -> f64 {
    let n = if rounds.len() > 1 { rounds.len() } else { rounds[0].len() } as f64;
    if n < 2.0 {
        return 1.0;
    }
    let upper = 1.0 - (1.0 - LEVEL) / 2.0;
    let z = Normal::standard().inverse_cdf(upper);
    let t = StudentsT::new(0.0, 1.0, n - 1.0).expect("n − 1 ≥ 1 degrees of freedom");
    (n / (n - 1.0)).sqrt() * t.inverse_cdf(upper) / z
}

/// Whether the rounds disagree beyond their own spread: a robust test that the process
/// a sample came from does not matter.
///
/// All samples are ranked together (ties share their mean rank). If rounds did not
/// matter, round `i`'s rank sum `W_i` over its `n_i` of `N` samples would have mean
/// `n_i (N + 1) / 2` and variance `n_i (N − n_i)(N + 1) / 12` (the Wilcoxon rank-sum
/// test of that round against all the others). The rounds are unstable when some
/// round's `|z_i|` (with the usual 0.5 continuity correction) exceeds the normal
/// quantile for a two-sided [`UNSTABLE_ALPHA`] shared among the rounds (Bonferroni):
/// 3.09 for 5 rounds, 3.29 for 10. Ranks do not change when the values are stretched,
/// so the false-alarm rate is the same whatever the shape of the noise, and a few wild
/// samples weigh no more than any others; in simulation it stayed at or under 1 %.
/// Ties are left uncorrected, which overstates the variance: they only err toward
/// "stable".
///
/// False with fewer than 2 rounds, or when rounds hold one sample each: sample noise
/// and process variation cannot then be told apart. With many samples per round, even
/// a small but real process effect is flagged: it means more rounds, not more samples,
/// are what would narrow the interval.
pub fn unstable(rounds: Rounds) -> bool {
    check(rounds);
    if rounds.len() < 2 {
        return false;
    }
    let limit = Normal::standard().inverse_cdf(1.0 - UNSTABLE_ALPHA / (2.0 * rounds.len() as f64));
    rank_sum_scores(rounds).into_iter().any(|z| z.abs() > limit)
}

/// The change from `base` to `new`: the ratio of their medians, NEW / BASE, with the 95 %
/// interval of the ratio between independent hierarchical bootstraps of each side.
/// Undefined (NaN or infinite) when a median of `base` is zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ratio {
    /// NEW / BASE of the medians of round medians.
    pub ratio: f64,
    /// Lower bound of the 95 % interval.
    pub low: f64,
    /// Upper bound of the 95 % interval.
    pub high: f64,
}

/// NEW / BASE of the medians of round medians, with a 95 % interval: the percentiles of
/// the ratios of paired replicates from independent hierarchical bootstraps of each
/// side (`seed` fixes both), widened around the ratio by the [`expansion`] of the side
/// with fewer rounds.
pub fn ratio_interval(base: Rounds, new: Rounds, seed: u64) -> Ratio {
    check(base);
    check(new);
    let mut rng = SmallRng::seed_from_u64(seed);
    let base_replicates = bootstrap_medians(base, RESAMPLES, &mut rng);
    let new_replicates = bootstrap_medians(new, RESAMPLES, &mut rng);
    let ratios = new_replicates.iter().zip(&base_replicates).map(|(new, base)| new / base);
    let (low, high) = percentile_interval(ratios.collect());
    let ratio = median_of_medians(new) / median_of_medians(base);
    let widen = expansion(base).max(expansion(new));
    let widened = |bound: f64| ratio * (bound / ratio).powf(widen);
    Ratio { ratio, low: widened(low), high: widened(high) }
}

/// What a [`Ratio`] says about a change, for a metric where lower or higher is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The whole interval is beyond the threshold on the good side.
    Better,
    /// The whole interval is beyond the threshold on the bad side.
    Worse,
    /// The whole interval is within the threshold of 1: any change is smaller than it.
    NoChange,
    /// The interval crosses `1 ± threshold` (or is undefined): the data cannot tell a
    /// change of that size from none; more rounds can.
    Inconclusive,
}

/// The verdict on `ratio` for a change of `threshold` (0.05: 5 %): [`Verdict::Better`]
/// or [`Verdict::Worse`] when the interval lies wholly beyond `1 ± threshold`,
/// [`Verdict::NoChange`] when it lies wholly inside, [`Verdict::Inconclusive`]
/// otherwise. The grey zone is inconclusive rather than "no change": an interval such as
/// 0.97–1.08 allows an 8 % loss, and calling it "no change" would claim a certainty the
/// data does not have. `lower_is_better` says which side is good (times: lower; rates:
/// higher).
pub fn verdict(ratio: &Ratio, lower_is_better: bool, threshold: f64) -> Verdict {
    let (below, above) = if lower_is_better {
        (Verdict::Better, Verdict::Worse)
    } else {
        (Verdict::Worse, Verdict::Better)
    };
    let (floor, ceiling) = (1.0 - threshold, 1.0 + threshold);
    if ratio.high < floor {
        below
    } else if ratio.low > ceiling {
        above
    } else if floor <= ratio.low && ratio.high <= ceiling {
        Verdict::NoChange
    } else {
        Verdict::Inconclusive
    }
}

/// The fraction of second-run medians that fall inside the first run's intervals, each
/// pair being one cell's interval from the first run and its median from the second;
/// `None` for no pairs. For intervals that mean what they say, about 95 %, less the
/// drift between the two runs.
pub fn agreement(pairs: &[(Interval, f64)]) -> Option<f64> {
    let inside = pairs.iter().filter(|(interval, median)| interval.contains(*median)).count();
    (!pairs.is_empty()).then(|| inside as f64 / pairs.len() as f64)
}

/// Whether `value` is within `fraction` (0.05: 5 %) of `reference`, relative to
/// `reference`.
pub fn within(value: f64, reference: f64, fraction: f64) -> bool {
    (value - reference).abs() <= fraction * reference.abs()
}

/// Panics unless `rounds` holds at least one round and every round a sample: an empty
/// round is the caller's bug, and no interval can be honest about it.
fn check(rounds: Rounds) {
    assert!(
        !rounds.is_empty() && rounds.iter().all(|round| !round.is_empty()),
        "estimate: every metric needs at least one round, and every round a sample"
    );
}

/// The median of the rounds' medians.
fn median_of_medians(rounds: Rounds) -> f64 {
    let mut medians: Vec<f64> = rounds.iter().map(|round| median(&mut round.clone())).collect();
    median(&mut medians)
}

/// `resamples` medians of round medians, each over rounds drawn with replacement and
/// samples drawn with replacement within each drawn round.
fn bootstrap_medians(rounds: Rounds, resamples: usize, rng: &mut SmallRng) -> Vec<f64> {
    let sorted: Vec<Vec<f64>> = rounds
        .iter()
        .map(|round| {
            let mut round = round.clone();
            round.sort_unstable_by(f64::total_cmp);
            round
        })
        .collect();
    let mut draws = vec![0; sorted.iter().map(Vec::len).max().unwrap_or(0)];
    let mut medians = vec![0.0; sorted.len()];
    (0..resamples)
        .map(|_| {
            for median in &mut medians {
                let round = &sorted[rng.gen_range(0..sorted.len())];
                *median = resampled_median(round, &mut draws, rng);
            }
            median(&mut medians)
        })
        .collect()
}

/// The median of `sorted.len()` draws with replacement from `sorted` (ascending), without
/// materializing or sorting them: `draws` (scratch, at least as long) counts how often
/// each position is drawn, and the median's ranks are found by walking the counts.
fn resampled_median(sorted: &[f64], draws: &mut [u32], rng: &mut SmallRng) -> f64 {
    let draws = &mut draws[..sorted.len()];
    count_draws(draws, rng);
    let at_rank = |rank: usize| {
        let mut seen = 0;
        let position = draws.iter().position(|&count| {
            seen += count as usize;
            seen > rank
        });
        sorted[position.expect("n draws cover every rank below n")]
    };
    (at_rank((sorted.len() - 1) / 2) + at_rank(sorted.len() / 2)) / 2.0
}

/// Sets `draws[i]` to how often position `i` comes up in `draws.len()` uniform draws.
///
/// The draws are the bootstrap's whole cost, so each 64-bit random word gives two, and a
/// 32-bit half maps to a position by multiply-shift (Lemire) without `gen_range`'s
/// rejection step: twice as fast, for a bias under `n / 2³²` per position, far below
/// the bootstrap's own noise.
fn count_draws(draws: &mut [u32], rng: &mut SmallRng) {
    draws.fill(0);
    let n = draws.len();
    for drawn in (0..n).step_by(2) {
        let word = rng.next_u64();
        draws[position(word >> 32, n)] += 1;
        if drawn + 1 < n {
            draws[position(word & 0xffff_ffff, n)] += 1;
        }
    }
}

/// Maps a 32-bit random `half` to a position in `0..n`.
fn position(half: u64, n: usize) -> usize {
    ((half * n as u64) >> 32) as usize
}

/// The median of `values` (not empty), reordering them.
fn median(values: &mut [f64]) -> f64 {
    let odd = values.len() % 2 == 1;
    let (below, upper, _) = values.select_nth_unstable_by(values.len() / 2, f64::total_cmp);
    let upper = *upper;
    if odd {
        upper
    } else {
        let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    }
}

/// The central [`LEVEL`] percentile interval of bootstrap `replicates`; NaN bounds
/// where a replicate is undefined (a ratio over a zero median).
fn percentile_interval(replicates: Vec<f64>) -> (f64, f64) {
    if replicates.iter().any(|replicate| replicate.is_nan()) {
        return (f64::NAN, f64::NAN);
    }
    let tail = (1.0 - LEVEL) / 2.0;
    let mut replicates = Data::new(replicates);
    (replicates.quantile(tail), replicates.quantile(1.0 - tail))
}

/// Each round's continuity-corrected rank-sum z-score against all samples (see
/// [`unstable`]); 0 where nothing varies.
fn rank_sum_scores(rounds: Rounds) -> Vec<f64> {
    let pooled: Vec<f64> = rounds.iter().flatten().copied().collect();
    let total = pooled.len() as f64;
    let ranks = Data::new(pooled).ranks(RankTieBreaker::Average);
    let mut start = 0;
    rounds
        .iter()
        .map(|round| {
            let n = round.len() as f64;
            let sum: f64 = ranks[start..start + round.len()].iter().sum();
            start += round.len();
            let excess = sum - n * (total + 1.0) / 2.0;
            let spread = (n * (total - n) * (total + 1.0) / 12.0).sqrt();
            if spread > 0.0 {
                excess.signum() * (excess.abs() - 0.5).max(0.0) / spread
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A standard normal draw (Box–Muller), for synthetic data.
    fn standard_normal(rng: &mut SmallRng) -> f64 {
        let (u, v): (f64, f64) = (1.0 - rng.gen::<f64>(), rng.gen());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// `rounds × samples` values around a true median of 100 from the two-level model:
    /// each round shifted by a relative `round_noise` σ, each sample by `sample_noise` σ.
    fn two_level(
        rng: &mut SmallRng,
        (rounds, samples): (usize, usize),
        round_noise: f64,
        sample_noise: f64,
    ) -> Vec<Vec<f64>> {
        (0..rounds)
            .map(|_| {
                let shift = round_noise * standard_normal(rng);
                (0..samples)
                    .map(|_| 100.0 * (1.0 + shift + sample_noise * standard_normal(rng)))
                    .collect()
            })
            .collect()
    }

    /// `rounds` with every value multiplied by `factor`.
    fn scaled(rounds: &[Vec<f64>], factor: f64) -> Vec<Vec<f64>> {
        rounds.iter().map(|round| round.iter().map(|x| x * factor).collect()).collect()
    }

    #[test]
    fn the_point_is_the_median_of_round_medians() {
        let rounds = [vec![1.0, 2.0, 3.0], vec![10.0, 11.0, 12.0, 13.0], vec![5.0]];
        assert_eq!(median_of_medians(&rounds), 5.0);
        assert_eq!(rerun_interval(&rounds, 1).median, 5.0);
    }

    #[test]
    fn counting_draws_gives_the_median_of_the_drawn_samples() {
        let mut rng = SmallRng::seed_from_u64(7);
        for n in 1..=12 {
            let sorted: Vec<f64> = (0..n).map(|i| (i * i) as f64).collect();
            let mut draws = vec![0; n];
            let mut replay = rng.clone();
            let counted = resampled_median(&sorted, &mut draws, &mut rng);
            count_draws(&mut draws, &mut replay);
            let mut drawn: Vec<f64> = (0..n)
                .flat_map(|position| {
                    std::iter::repeat_n(sorted[position], draws[position] as usize)
                })
                .collect();
            assert_eq!(counted, median(&mut drawn), "n = {n}");
        }
    }

    #[test]
    fn draws_are_uniform_over_positions() {
        let mut rng = SmallRng::seed_from_u64(5);
        let mut totals = [0; 7];
        for _ in 0..2_000 {
            let mut draws = [0; 7];
            count_draws(&mut draws, &mut rng);
            assert_eq!(draws.iter().sum::<u32>(), 7);
            totals.iter_mut().zip(draws).for_each(|(total, count)| *total += count);
        }
        // Each total is Binomial(14 000, 1/7): 2 000 ± 38; ± 150 is four σ.
        assert!(totals.iter().all(|total| total.abs_diff(2_000) < 150), "{totals:?}");
    }

    #[test]
    fn the_same_seed_gives_the_same_interval() {
        let rounds = two_level(&mut SmallRng::seed_from_u64(3), (4, 6), 0.02, 0.03);
        assert_eq!(rerun_interval(&rounds, 9), rerun_interval(&rounds, 9));
    }

    #[test]
    fn a_ten_percent_slowdown_is_worse_when_lower_is_better_and_better_otherwise() {
        for seed in 0..3 {
            let mut rng = SmallRng::seed_from_u64(seed);
            let base = two_level(&mut rng, (10, 10), 0.01, 0.03);
            let new = scaled(&two_level(&mut rng, (10, 10), 0.01, 0.03), 1.10);
            let ratio = ratio_interval(&base, &new, seed);
            assert!(ratio.low <= 1.10 && 1.10 <= ratio.high, "{ratio:?}");
            assert_eq!(verdict(&ratio, true, 0.05), Verdict::Worse, "{ratio:?}");
            assert_eq!(verdict(&ratio, false, 0.05), Verdict::Better, "{ratio:?}");
        }
    }

    #[test]
    fn no_shift_is_never_better_or_worse() {
        for seed in 0..3 {
            let mut rng = SmallRng::seed_from_u64(seed);
            let base = two_level(&mut rng, (10, 10), 0.01, 0.03);
            let new = two_level(&mut rng, (10, 10), 0.01, 0.03);
            let ratio = ratio_interval(&base, &new, seed);
            let verdict = verdict(&ratio, true, 0.05);
            assert!(matches!(verdict, Verdict::NoChange | Verdict::Inconclusive), "{ratio:?}");
        }
    }

    /// How often the 95 % interval of a two-level dataset (rounds varying by
    /// `round_noise`, samples by `sample_noise`) holds the true median 100, over
    /// `datasets` datasets; with `pooled`, the rounds are first merged into one, as an
    /// interval that ignores them would. 400 resamples rather than [`RESAMPLES`] keep the
    /// test fast, for percentiles only a little noisier.
    fn coverage(round_noise: f64, sample_noise: f64, datasets: usize, pooled: bool) -> f64 {
        let mut rng = SmallRng::seed_from_u64(2013);
        let covered = (0..datasets)
            .filter(|_| {
                let mut rounds = two_level(&mut rng, (5, 8), round_noise, sample_noise);
                if pooled {
                    rounds = vec![rounds.concat()];
                }
                let (low, high) = percentile_interval(bootstrap_medians(&rounds, 400, &mut rng));
                low <= 100.0 && 100.0 <= high
            })
            .count();
        covered as f64 / datasets as f64
    }

    #[test]
    fn the_interval_covers_the_true_median_at_about_its_level() {
        let hierarchical = coverage(0.03, 0.03, 250, false);
        assert!((0.88..=0.995).contains(&hierarchical), "coverage {hierarchical}");
    }

    /// How often the rerun interval of one two-level dataset holds the median of
    /// another, independent one from the same model, over `datasets` pairs; with
    /// `confidence`, the plain confidence interval of the median is used instead.
    fn rerun_coverage(shape: (usize, usize), noise: (f64, f64), confidence: bool) -> f64 {
        let mut rng = SmallRng::seed_from_u64(2009);
        let datasets = 250;
        let covered = (0..datasets)
            .filter(|&seed| {
                let this_run = two_level(&mut rng, shape, noise.0, noise.1);
                let rerun = median_of_medians(&two_level(&mut rng, shape, noise.0, noise.1));
                if confidence {
                    let mut rng = SmallRng::seed_from_u64(seed);
                    let (low, high) =
                        percentile_interval(bootstrap_medians(&this_run, 400, &mut rng));
                    low <= rerun && rerun <= high
                } else {
                    rerun_interval(&this_run, seed).contains(rerun)
                }
            })
            .count();
        covered as f64 / datasets as f64
    }

    #[test]
    fn a_rerun_lands_inside_the_rerun_interval_at_about_its_level() {
        let cases = [
            ((5, 5), (0.03, 0.03)),
            ((5, 5), (0.05, 0.01)),
            ((5, 5), (0.01, 0.05)),
            ((2, 5), (0.05, 0.01)),
            ((3, 5), (0.05, 0.01)),
            ((15, 5), (0.05, 0.01)),
            ((5, 1), (0.05, 0.0)),
            ((1, 5), (0.0, 0.05)),
        ];
        for (shape, noise) in cases {
            let coverage = rerun_coverage(shape, noise, false);
            assert!((0.92..=1.0).contains(&coverage), "{shape:?} {noise:?}: {coverage}");
        }
    }

    #[test]
    fn few_rounds_widen_the_interval_as_students_t_does() {
        let widening = |rounds: usize| expansion(&vec![vec![1.0]; rounds]);
        assert!((widening(5) - 1.58).abs() < 0.01, "{}", widening(5));
        assert!((widening(15) - 1.13).abs() < 0.01, "{}", widening(15));
        assert!((widening(2) - 9.17).abs() < 0.01, "{}", widening(2));
        assert_eq!(widening(1), 1.0);
        assert!((expansion(&[vec![1.0; 5]]) - 1.58).abs() < 0.01, "one round of 5 samples");
    }

    #[test]
    fn a_confidence_interval_holds_a_rerun_less_often() {
        let confidence = rerun_coverage((5, 5), (0.05, 0.01), true);
        assert!(confidence < 0.88, "coverage {confidence}");
    }

    #[test]
    fn an_interval_over_pooled_samples_covers_far_less_when_rounds_vary() {
        let pooled = coverage(0.03, 0.03, 250, true);
        assert!(pooled < 0.8, "coverage {pooled}");
    }

    #[test]
    fn homogeneous_rounds_are_rarely_unstable() {
        let mut rng = SmallRng::seed_from_u64(11);
        for shape in [(5, 5), (10, 20), (3, 10)] {
            let alarms =
                (0..400).filter(|_| unstable(&two_level(&mut rng, shape, 0.0, 0.05))).count();
            assert!(alarms <= 8, "{alarms} of 400 homogeneous {shape:?} datasets flagged");
        }
    }

    #[test]
    fn one_round_shifted_by_thirty_percent_is_unstable() {
        let mut rng = SmallRng::seed_from_u64(12);
        for shape in [(5, 5), (10, 20), (3, 10)] {
            for _ in 0..20 {
                let mut rounds = two_level(&mut rng, shape, 0.0, 0.05);
                rounds[0] = scaled(&rounds[..1], 1.3).remove(0);
                assert!(unstable(&rounds), "{shape:?}: {rounds:?}");
            }
        }
    }

    #[test]
    fn one_round_gives_an_interval_over_its_samples() {
        let round = vec![10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0];
        let interval = rerun_interval(&[round], 1);
        assert_eq!(interval.median, 13.0);
        assert!(interval.low < 13.0 && 13.0 < interval.high, "{interval:?}");
    }

    #[test]
    fn one_sample_has_no_interval() {
        let interval = rerun_interval(&[vec![312.0]], 1);
        assert_eq!(interval, Interval { median: 312.0, low: 312.0, high: 312.0 });
    }

    #[test]
    fn identical_values_have_no_interval_and_no_change() {
        let rounds = vec![vec![5.0; 4]; 3];
        assert_eq!(rerun_interval(&rounds, 1), Interval { median: 5.0, low: 5.0, high: 5.0 });
        assert!(!unstable(&rounds));
        let ratio = ratio_interval(&rounds, &rounds, 1);
        assert_eq!(ratio, Ratio { ratio: 1.0, low: 1.0, high: 1.0 });
        assert_eq!(verdict(&ratio, true, 0.05), Verdict::NoChange);
    }

    #[test]
    fn unstable_needs_two_rounds_of_several_samples() {
        assert!(!unstable(&[vec![10.0, 20.0, 30.0]]));
        let rounds: Vec<Vec<f64>> = (0..10).map(|i| vec![f64::from(i)]).collect();
        assert!(!unstable(&rounds));
    }

    #[test]
    #[should_panic(expected = "every round a sample")]
    fn an_empty_round_is_refused() {
        rerun_interval(&[vec![1.0], vec![]], 1);
    }

    #[test]
    fn the_verdict_reads_the_whole_interval() {
        let ratio = |low, high| Ratio { ratio: (low + high) / 2.0, low, high };
        let cases = [
            (ratio(0.80, 0.90), Verdict::Better),
            (ratio(1.06, 1.20), Verdict::Worse),
            (ratio(0.96, 1.04), Verdict::NoChange),
            (ratio(1.02, 1.08), Verdict::Inconclusive),
            (ratio(0.90, 1.10), Verdict::Inconclusive),
            (ratio(f64::NAN, f64::NAN), Verdict::Inconclusive),
        ];
        for (ratio, expected) in cases {
            assert_eq!(verdict(&ratio, true, 0.05), expected, "{ratio:?}");
        }
        assert_eq!(verdict(&ratio(0.80, 0.90), false, 0.05), Verdict::Worse);
        assert_eq!(verdict(&ratio(1.06, 1.20), false, 0.05), Verdict::Better);
    }

    #[test]
    fn agreement_counts_second_medians_inside_first_intervals() {
        let interval = Interval { median: 10.0, low: 9.0, high: 11.0 };
        assert_eq!(
            agreement(&[(interval, 9.5), (interval, 11.0), (interval, 12.0), (interval, 8.0)]),
            Some(0.5)
        );
        assert_eq!(agreement(&[]), None);
    }

    #[test]
    fn within_is_relative_to_the_reference() {
        assert!(within(104.0, 100.0, 0.05));
        assert!(within(95.0, 100.0, 0.05));
        assert!(!within(106.0, 100.0, 0.05));
    }
}
