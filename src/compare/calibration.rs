//! How well two runs agree, cell by cell: the figures that say whether rtbench's 95 %
//! intervals mean what they say, and how far one run is from the next.
//!
//! For two runs of the same settings, nothing but noise separates them, so:
//!
//! - about 95 % of one run's medians should fall inside the other's intervals, less
//!   what drifts between the runs (the machine warming, other load). Far fewer means the
//!   intervals are too narrow: more rounds, or a quieter machine.
//! - the share of cells within ±3 % and ±10 % says how far apart two runs land, in the
//!   units a reader of a table thinks in;
//! - the median half-width of BASE's intervals says how precise one run is.
//!
//! Exactly what is counted, so the README's figures can be reproduced: every cell
//! measured in both runs whose headline metric has the same name on both sides, once
//! each, whatever `--metric` says. "Inside" counts the bounds as inside
//! ([`estimate::agreement`]); "within ±3 %" is |NEW − BASE| ≤ 3 % of BASE's median
//! ([`estimate::within`]); a half-width is (high − low) ÷ 2 ÷ median, and its median
//! is taken over the cells.

use serde::Serialize;

use super::Figure;
use crate::estimate;
use crate::stats;

/// The agreement of two runs over the cells measured in both; fractions in `0..=1`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Calibration {
    /// Cells measured in both runs under the same headline metric.
    pub cells: usize,
    /// The share of NEW's medians inside BASE's 95 % intervals.
    pub new_inside_base: f64,
    /// The share of BASE's medians inside NEW's 95 % intervals.
    pub base_inside_new: f64,
    /// The share of cells whose NEW median is within 3 % of BASE's.
    pub within_3_percent: f64,
    /// The share within 10 %.
    pub within_10_percent: f64,
    /// The median over cells of BASE's interval half-width relative to its median.
    pub base_half_width: f64,
}

/// The calibration of (BASE, NEW) headline figures, one pair per cell; `None` for none.
pub fn measure(pairs: &[(Figure, Figure)]) -> Option<Calibration> {
    let inside = |pick: fn(&(Figure, Figure)) -> (Figure, Figure)| {
        let pairs: Vec<_> = pairs.iter().map(pick).map(|(i, m)| (i.interval(), m.median)).collect();
        estimate::agreement(&pairs)
    };
    let share = |fraction: f64| {
        let close = pairs.iter().filter(|(b, n)| estimate::within(n.median, b.median, fraction));
        close.count() as f64 / pairs.len() as f64
    };
    Some(Calibration {
        cells: pairs.len(),
        new_inside_base: inside(|&(base, new)| (base, new))?,
        base_inside_new: inside(|&(base, new)| (new, base))?,
        within_3_percent: share(0.03),
        within_10_percent: share(0.10),
        base_half_width: stats::median(
            pairs.iter().map(|(base, _)| (base.high - base.low) / 2.0 / base.median).collect(),
        ),
    })
}

impl Calibration {
    /// The summary sentence: `N cells in both; X % of NEW's medians inside BASE's 95 %
    /// intervals (Y % of BASE's inside NEW's); …`.
    pub fn sentence(&self) -> String {
        let percent = |fraction: f64| format!("{:.0} %", fraction * 100.0);
        format!(
            "{} cells in both; {} of NEW's medians inside BASE's 95 % intervals ({} of \
             BASE's inside NEW's); {} agree within ±3 %, {} within ±10 %; median interval \
             half-width of BASE: {:.1} %.",
            self.cells,
            percent(self.new_inside_base),
            percent(self.base_inside_new),
            percent(self.within_3_percent),
            percent(self.within_10_percent),
            self.base_half_width * 100.0,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(median: f64, low: f64, high: f64) -> Figure {
        Figure { median, low, high, rounds: 5, unstable: false }
    }

    #[test]
    fn counts_medians_inside_the_other_intervals_and_closeness_relative_to_base() {
        let pairs = [
            // NEW inside BASE's interval and BASE inside NEW's; 2 % apart.
            (figure(100.0, 98.0, 102.0), figure(102.0, 99.0, 105.0)),
            // Neither inside the other; 5 % apart.
            (figure(100.0, 99.0, 101.0), figure(105.0, 104.0, 106.0)),
            // NEW on BASE's bound (inside), BASE outside NEW's; 4 % apart.
            (figure(100.0, 96.0, 104.0), figure(104.0, 103.0, 105.0)),
            // 20 % apart.
            (figure(100.0, 90.0, 110.0), figure(120.0, 110.0, 130.0)),
        ];
        let calibration = measure(&pairs).unwrap();
        assert_eq!(calibration.cells, 4);
        assert_eq!((calibration.new_inside_base, calibration.base_inside_new), (0.5, 0.25));
        assert_eq!((calibration.within_3_percent, calibration.within_10_percent), (0.25, 0.75));
        // Half-widths 2, 1, 4 and 10 %: the median is 3 %.
        assert!((calibration.base_half_width - 0.03).abs() < 1e-12, "{calibration:?}");
        assert_eq!(
            calibration.sentence(),
            "4 cells in both; 50 % of NEW's medians inside BASE's 95 % intervals (25 % of \
             BASE's inside NEW's); 25 % agree within ±3 %, 75 % within ±10 %; median \
             interval half-width of BASE: 3.0 %."
        );
    }

    #[test]
    fn no_cells_no_calibration() {
        assert_eq!(measure(&[]), None);
    }
}
