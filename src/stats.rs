//! Median, spread and outliers of a cell's samples.
//!
//! Robust statistics, because benchmark samples on a shared machine have a long tail:
//! the median (not the mean) is the figure, the median absolute deviation (MAD) its
//! spread, and a sample is an outlier when its modified z-score
//! `0.6745 · |x − median| / MAD` exceeds 3.5 (Iglewicz and Hoaglin's rule). Order
//! statistics come from `statrs`.

use statrs::statistics::{Data, OrderStatistics};

use crate::results::MetricSummary;

/// The modified z-score above which a sample is flagged.
const OUTLIER_Z: f64 = 3.5;
/// Scales a MAD to the standard deviation of a normal distribution.
const MAD_TO_Z: f64 = 0.6745;

/// Median, MAD and outliers of `samples` (which must not be empty) for metric `name`.
pub fn summarize(name: &str, lower_is_better: bool, samples: Vec<f64>) -> MetricSummary {
    let median = Data::new(samples.clone()).median();
    let deviations: Vec<f64> = samples.iter().map(|x| (x - median).abs()).collect();
    let mad = Data::new(deviations.clone()).median();
    let outliers = if mad > 0.0 {
        deviations
            .iter()
            .enumerate()
            .filter(|(_, deviation)| MAD_TO_Z * *deviation / mad > OUTLIER_Z)
            .map(|(index, _)| index)
            .collect()
    } else {
        Vec::new()
    };
    MetricSummary { name: name.to_owned(), lower_is_better, median, mad, samples, outliers }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_mad_of_odd_samples() {
        let summary = summarize("ns/op", true, vec![10.0, 12.0, 11.0, 13.0, 9.0]);
        assert_eq!(summary.median, 11.0);
        assert_eq!(summary.mad, 1.0);
        assert!(summary.outliers.is_empty());
    }

    #[test]
    fn a_far_sample_is_an_outlier_and_does_not_move_the_median() {
        let summary = summarize("ns/op", true, vec![10.0, 11.0, 10.0, 12.0, 11.0, 500.0]);
        assert_eq!(summary.median, 11.0);
        assert_eq!(summary.outliers, [5]);
    }

    #[test]
    fn one_sample_has_no_spread() {
        let summary = summarize("bytes/task", true, vec![312.0]);
        assert_eq!((summary.median, summary.mad), (312.0, 0.0));
        assert!(summary.outliers.is_empty());
    }
}
