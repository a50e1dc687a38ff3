//! Median, spread and outliers of a cell's samples.
//!
//! Robust statistics, because benchmark samples on a shared machine have a long tail:
//! the median (not the mean) is the figure, the median absolute deviation (MAD) its
//! spread, and a sample is an outlier when its modified z-score
//! `0.6745 · |x − median| / MAD` exceeds 3.5 (Iglewicz and Hoaglin's rule). Order
//! statistics come from `statrs`.

use statrs::statistics::{Data, OrderStatistics};

/// The modified z-score above which a sample is flagged.
const OUTLIER_Z: f64 = 3.5;
/// Scales a MAD to the standard deviation of a normal distribution.
const MAD_TO_Z: f64 = 0.6745;

/// Median, spread and outliers of one set of samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Robust {
    /// The median.
    pub median: f64,
    /// The median absolute deviation from it.
    pub mad: f64,
    /// Indices of the samples whose modified z-score exceeds 3.5.
    pub outliers: Vec<usize>,
}

/// The median of `values` (which must not be empty).
pub fn median(values: Vec<f64>) -> f64 {
    Data::new(values).median()
}

/// Median, MAD and outliers of `samples` (which must not be empty).
pub fn robust(samples: &[f64]) -> Robust {
    let median = median(samples.to_vec());
    let deviations: Vec<f64> = samples.iter().map(|x| (x - median).abs()).collect();
    let mad = self::median(deviations.clone());
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
    Robust { median, mad, outliers }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_mad_of_odd_samples() {
        let summary = robust(&[10.0, 12.0, 11.0, 13.0, 9.0]);
        assert_eq!(summary.median, 11.0);
        assert_eq!(summary.mad, 1.0);
        assert!(summary.outliers.is_empty());
    }

    #[test]
    fn a_far_sample_is_an_outlier_and_does_not_move_the_median() {
        let summary = robust(&[10.0, 11.0, 10.0, 12.0, 11.0, 500.0]);
        assert_eq!(summary.median, 11.0);
        assert_eq!(summary.outliers, [5]);
    }

    #[test]
    fn one_sample_has_no_spread() {
        let summary = robust(&[312.0]);
        assert_eq!((summary.median, summary.mad), (312.0, 0.0));
        assert!(summary.outliers.is_empty());
    }
}
