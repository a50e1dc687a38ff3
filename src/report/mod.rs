//! Reports rebuilt from a results file: tables ([`table`]), one SVG chart per scenario
//! ([`chart`]) and an index linking them ([`index`]), all written next to the results.
//!
//! Output files in the results directory: `results.md`, `results.csv`, `results.json`
//! (the tables in each format), `charts/<scenario>.svg`, and `index.md`.

pub mod chart;
pub mod index;
pub mod table;

use std::fs;
use std::io;
use std::path::Path;

use crate::results::{CellRecord, Results, Status, FILE_NAME};

/// The tables in each format, as written.
pub struct Rendered {
    pub markdown: String,
    pub csv: String,
    pub json: String,
}

/// Reads `dir/results.jsonl` and writes every report file into `dir`.
pub fn write(dir: &Path) -> io::Result<Rendered> {
    let results = Results::load(&dir.join(FILE_NAME))?;
    if results.cells.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "no results in {}: run `rtbench run --out {}` first",
                dir.join(FILE_NAME).display(),
                dir.display()
            ),
        ));
    }
    let rendered = Rendered {
        markdown: table::markdown(&results),
        csv: table::csv(&results)?,
        json: table::json(&results)?,
    };
    fs::write(dir.join("results.md"), &rendered.markdown)?;
    fs::write(dir.join("results.csv"), &rendered.csv)?;
    fs::write(dir.join("results.json"), &rendered.json)?;
    let charts_dir = dir.join(chart::DIR);
    fs::create_dir_all(&charts_dir)?;
    let mut charts = Vec::new();
    for (scenario, cells) in by_scenario(&results) {
        if let Some(svg) = chart::svg(scenario, &cells).map_err(io::Error::other)? {
            fs::write(charts_dir.join(format!("{scenario}.svg")), svg)?;
            charts.push(scenario.to_owned());
        }
    }
    fs::write(dir.join(index::FILE_NAME), index::markdown(&results, &charts))?;
    Ok(rendered)
}

/// The cells grouped by scenario, scenarios in the order they were first recorded.
pub fn by_scenario(results: &Results) -> Vec<(&str, Vec<&CellRecord>)> {
    let mut groups: Vec<(&str, Vec<&CellRecord>)> = Vec::new();
    for cell in &results.cells {
        match groups.iter_mut().find(|(scenario, _)| *scenario == cell.scenario) {
            Some((_, cells)) => cells.push(cell),
            None => groups.push((&cell.scenario, vec![cell])),
        }
    }
    groups
}

/// A runtime's name as tables and charts show it: `(legacy)` after a legacy one's.
pub fn runtime_label(name: &str, legacy: bool) -> String {
    if legacy {
        format!("{name} (legacy)")
    } else {
        name.to_owned()
    }
}

/// A cell as shown in tables and progress lines: `"median ± MAD unit"` of its headline
/// metric, `"n/a: reason"` or `"FAILED: reason"`.
pub fn cell_text(cell: &CellRecord) -> String {
    match &cell.status {
        Status::Ok { metrics, .. } => match metrics.first() {
            Some(headline) => {
                let outliers = match headline.outliers.len() {
                    0 => String::new(),
                    1 => " (1 outlier)".to_owned(),
                    n => format!(" ({n} outliers)"),
                };
                format!(
                    "{} ± {} {}{outliers}",
                    number(headline.median),
                    number(headline.mad),
                    headline.name
                )
            }
            None => "ok (no figures)".to_owned(),
        },
        Status::NotApplicable { reason } => format!("n/a: {reason}"),
        Status::Failed { reason, .. } => format!("FAILED: {reason}"),
    }
}

/// A figure with as many decimals as its size deserves (3 significant digits or more).
pub fn number(value: f64) -> String {
    match value.abs() {
        v if v >= 100.0 || v == 0.0 => format!("{value:.0}"),
        v if v >= 10.0 => format!("{value:.1}"),
        v if v >= 1.0 => format!("{value:.2}"),
        _ => format!("{value:.3}"),
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_keep_three_significant_digits() {
        assert_eq!(number(12345.6), "12346");
        assert_eq!(number(12.345), "12.3");
        assert_eq!(number(1.2345), "1.23");
        assert_eq!(number(0.012345), "0.012");
        assert_eq!(number(0.0), "0");
    }
}
