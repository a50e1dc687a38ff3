//! The results file, `DIR/results.jsonl`: one JSON object per line, appended and flushed
//! as each cell finishes, so an interrupted run loses nothing that finished and
//! `--resume` can skip it. Reports are rebuilt from this file alone.
//!
//! # Schema (also in `docs/results-schema.md`)
//! Every line has a `"record"` field saying what it is.
//!
//! `"record": "environment"` — written when a `run` starts (a resumed run appends a new
//! one, so a file may hold several; the report shows the last):
//! `rtbench_version`, `started_at` (Unix seconds), `command` (the arguments), `cpu_model`,
//! `logical_cores`, `kernel`, `os`, `rustc`, `build_profile` (`"release"`/`"debug"`),
//! `git_commit` and `git_dirty` (of the build, null when not built from git), `size`
//! (`"quick"` or `"full"`), `threads` (asked for multi-thread flavours), `samples`, `warmup`,
//! `budget_ms` (sampling time after which a cell stops taking samples), `timeout_s` (the
//! watchdog), `runtimes` (`name`, `crate_name`, `crate_version`, `class`, `legacy` for
//! each compiled-in flavour), `limits` (`open_files_soft`/`_hard`, `memlock_soft`/`_hard` in
//! bytes, `io_uring_disabled`: the kernel's sysctl value, null where it does not exist).
//!
//! `"record": "cell"` — one (scenario, runtime) cell: `scenario`, `lesson`, `runtime`,
//! `crate_name`, `crate_version`, `class` (`"1-thread"`/`"N-thread"`), `legacy` (a
//! runtime kept for comparison only, labelled `(legacy)` in reports), `size`
//! (`"quick"`/`"full"`, the mode its parameters and sampling came from; empty in files
//! written before it was recorded), `threads_asked` (`--threads`), `threads` (that actually ran tasks; null if the runtime could not be
//! built or the cell died before reporting), `params` (name → value),
//! `wall_ms` (the child process's whole life), and `status`:
//! - `"ok"`: `checked` (what the scenario verified), `notes`, `warmup` (runs before
//!   sampling) and `metrics`, the headline first, each with `name` (which is also its
//!   unit, e.g. `"ns/spawn"`), `lower_is_better`, `median`, `mad` (median absolute
//!   deviation), `samples` (every value, in order) and `outliers` (indices of samples
//!   whose modified z-score exceeds 3.5);
//! - `"n/a"`: `reason` (a missing capability, a runtime that cannot run here, a limit);
//! - `"failed"`: `kind` (`check`, `io`, `panic`, `abort`, `out_of_memory`, `timeout`,
//!   `signal`, `crash`) and `reason`.
//!
//! A cell is identified by (scenario, runtime, size, threads_asked, params): the same
//! cell appearing twice (a re-run) counts once, the later line winning. The size is part
//! of it because a quick cell's few samples must never stand in for a full one's, even
//! where the parameters coincide; a cell without one matches no run's and is re-run.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::environment::Environment;

/// The file name inside the output directory.
pub const FILE_NAME: &str = "results.jsonl";

/// One line of the results file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// The machine and settings of a run.
    Environment(Environment),
    /// One finished cell.
    Cell(CellRecord),
}

/// One (scenario, runtime) cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellRecord {
    /// Scenario name.
    pub scenario: String,
    /// The course lesson it comes from.
    pub lesson: String,
    /// Runtime flavour name.
    pub runtime: String,
    /// The crate behind the flavour.
    pub crate_name: String,
    /// Its resolved version.
    pub crate_version: String,
    /// `"1-thread"` or `"N-thread"`.
    pub class: String,
    /// A legacy runtime, kept for comparison only (see [`crate::environment::is_legacy`]).
    #[serde(default)]
    pub legacy: bool,
    /// `"quick"` or `"full"`: the mode the cell ran in (empty if not recorded).
    #[serde(default)]
    pub size: String,
    /// Threads asked for (multi-thread flavours use it).
    pub threads_asked: usize,
    /// Threads that ran tasks; `None` when the runtime could not be built.
    pub threads: Option<usize>,
    /// Parameter values.
    pub params: BTreeMap<String, u64>,
    /// Milliseconds the child process lived.
    pub wall_ms: u64,
    /// What happened.
    #[serde(flatten)]
    pub status: Status,
}

impl CellRecord {
    /// What identifies the cell for `--resume` and de-duplication.
    pub fn key(&self) -> CellKey {
        CellKey {
            scenario: self.scenario.clone(),
            runtime: self.runtime.clone(),
            size: self.size.clone(),
            threads_asked: self.threads_asked,
            params: self.params.clone(),
        }
    }
}

/// Identity of a cell: same scenario, runtime, size mode, thread count and parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellKey {
    /// Scenario name.
    pub scenario: String,
    /// Runtime flavour name.
    pub runtime: String,
    /// `"quick"` or `"full"`.
    pub size: String,
    /// Threads asked for.
    pub threads_asked: usize,
    /// Parameter values.
    pub params: BTreeMap<String, u64>,
}

/// The result of a cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status")]
pub enum Status {
    /// Checked and measured.
    #[serde(rename = "ok")]
    Ok {
        /// What the scenario verified.
        checked: String,
        /// The runtime's remarks.
        notes: Vec<String>,
        /// Unmeasured runs before sampling.
        warmup: u32,
        /// The figures, headline first.
        metrics: Vec<MetricSummary>,
    },
    /// Cannot run here; not a failure.
    #[serde(rename = "n/a")]
    NotApplicable {
        /// Why.
        reason: String,
    },
    /// Ran and failed.
    #[serde(rename = "failed")]
    Failed {
        /// Which kind of failure.
        kind: FailureKind,
        /// What happened.
        reason: String,
    },
}

/// How a cell failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The scenario's own check found a wrong answer.
    Check,
    /// An I/O error.
    Io,
    /// The cell panicked.
    Panic,
    /// The process aborted.
    Abort,
    /// Memory ran out (allocation failure or the kernel's OOM killer).
    OutOfMemory,
    /// The watchdog killed it.
    Timeout,
    /// Killed by another signal.
    Signal,
    /// Any other abnormal exit.
    Crash,
}

/// One metric over all samples of a cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    /// Name and unit, e.g. `"ns/spawn"`.
    pub name: String,
    /// Whether smaller is better.
    pub lower_is_better: bool,
    /// Median of the samples.
    pub median: f64,
    /// Median absolute deviation of the samples.
    pub mad: f64,
    /// Every sample, in order.
    pub samples: Vec<f64>,
    /// Indices of outlying samples.
    pub outliers: Vec<usize>,
}

/// Appends records to a results file, one flushed line each.
pub struct ResultsLog {
    file: File,
}

impl ResultsLog {
    /// Opens `path` for appending; without `keep` any previous content is discarded.
    pub fn open(path: &Path, keep: bool) -> io::Result<Self> {
        let file =
            OpenOptions::new().create(true).append(keep).write(true).truncate(!keep).open(path)?;
        Ok(ResultsLog { file })
    }

    /// Writes one record as one line and flushes it to the operating system.
    pub fn append(&mut self, record: &Record) -> io::Result<()> {
        let mut line = serde_json::to_string(record).map_err(io::Error::other)?;
        line.push('\n');
        self.file.write_all(line.as_bytes())?;
        self.file.flush()
    }
}

/// What a results file holds, ready for reports.
#[derive(Debug, Default)]
pub struct Results {
    /// The last environment record.
    pub environment: Option<Environment>,
    /// Cells in the order they were first written; a re-run replaces its earlier line.
    pub cells: Vec<CellRecord>,
}

impl Results {
    /// Reads `path`. A missing file is empty results; a line that is not a record (a
    /// run killed in the middle of a write) is skipped with a warning.
    pub fn load(path: &Path) -> io::Result<Self> {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(error) => return Err(error),
        };
        let mut results = Results::default();
        for (number, line) in BufReader::new(file).lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str(&line) {
                Ok(Record::Environment(environment)) => results.environment = Some(environment),
                Ok(Record::Cell(cell)) => results.insert(cell),
                Err(error) => say!(
                    "rtbench: {}:{}: skipping unreadable line: {error}",
                    path.display(),
                    number + 1
                ),
            }
        }
        Ok(results)
    }

    /// Adds a cell, replacing an earlier one with the same key.
    pub fn insert(&mut self, cell: CellRecord) {
        let key = cell.key();
        match self.cells.iter_mut().find(|existing| existing.key() == key) {
            Some(existing) => *existing = cell,
            None => self.cells.push(cell),
        }
    }

    /// The cell with this key, if recorded.
    pub fn get(&self, key: &CellKey) -> Option<&CellRecord> {
        self.cells.iter().find(|cell| &cell.key() == key)
    }
}
