//! The results file, `DIR/results.jsonl`: one JSON object per line, one line per worker
//! process (a cell's *round*), appended as each one ends, so an interrupted run loses
//! nothing that finished and `--resume` can go on from there. Reports are rebuilt from
//! this file alone (see [`crate::summary`]). The schema is in `docs/results-schema.md`.
//!
//! The file is read defensively: a line that is cut, corrupt or not UTF-8 is skipped
//! with its `file:line`, and every other line still counts; a file from another schema
//! version is refused with a message, never misread. The writer repairs a cut last line
//! before appending, so one bad write never takes the next record with it.
//!
//! A run writes its `environment` first, a `round` per worker process, and `run_end`
//! when it finishes. A kind of record this build does not know is skipped without a word:
//! adding a kind leaves the others' meaning alone, so it needs no new schema version, and
//! a file a later rtbench added one to still reads here. (Builds before `run_end` existed
//! skip that line as unreadable, with a warning, and read the rest.)

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rtbench_core::Class;
use serde::{Deserialize, Serialize};

use crate::environment::Environment;
use crate::spec::CellSpec;

/// The file name inside the output directory.
pub const FILE_NAME: &str = "results.jsonl";

/// The version of the record layout this build writes and reads. Version 1 (no
/// `schema` field) kept one line per cell with its settings spread over the line.
pub const SCHEMA: u32 = 2;

/// One line of the results file. (Records are read and written one line at a time:
/// their sizes differ, but none is ever held in bulk.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// The machine and settings of a run (written when it starts).
    Environment(Environment),
    /// One worker process's result for one cell.
    Round(RoundRecord),
    /// The end of a run (written when it finishes).
    RunEnd(RunEnd),
    /// A kind of record from a later rtbench of this schema: skipped.
    #[serde(other)]
    Unknown,
}

/// What a run records as it finishes: what became of the machine meanwhile. A run that
/// was cut off has none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunEnd {
    /// The `started_at` of the run's environment: which run this ends.
    pub started_at: u64,
    /// Unix time (seconds) the run finished.
    pub finished_at: u64,
    /// The 1-, 5- and 15-minute load averages then; the run's own workers count, as they
    /// were still running within those minutes.
    pub load_average: Option<[f64; 3]>,
}

/// One worker process's result: round `round` of `cell`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundRecord {
    /// The cell: its identity.
    pub cell: CellSpec,
    /// Which round (0-based); a later line for the same cell and round replaces it.
    pub round: u32,
    /// The scenario's lesson and the runtime's crate.
    #[serde(flatten)]
    pub facts: CellFacts,
    /// Threads that ran tasks; `None` when the runtime could not be built or the worker
    /// died before reporting.
    pub threads_used: Option<usize>,
    /// Milliseconds the worker process lived.
    pub wall_ms: u64,
    /// What the worker measured of itself while sampling; `None` if it did not report.
    pub usage: Option<Usage>,
    /// What happened.
    #[serde(flatten)]
    pub status: Status<MetricSamples>,
}

/// What the registries say of a cell's scenario and runtime, recorded with every round
/// so that a report needs no registry (and shows the versions that really ran).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellFacts {
    /// The scenario's course lesson.
    pub lesson: String,
    /// The crate behind the flavour.
    pub crate_name: String,
    /// Its resolved version.
    pub crate_version: String,
    /// The flavour's comparison class.
    pub class: Class,
    /// A legacy runtime, kept for comparison only (see [`rtbench_core::RuntimeInfo::legacy`]).
    pub legacy: bool,
}

/// A worker's resource usage over its sampling phase (warm-up excluded), from
/// `getrusage(RUSAGE_SELF)`: every thread of the process counts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// User CPU time, milliseconds.
    pub user_ms: f64,
    /// System CPU time, milliseconds.
    pub system_ms: f64,
    /// Wall-clock time of the sampling phase, milliseconds.
    pub wall_ms: f64,
    /// Scenario elements (tasks, yields, messages…) processed while sampling.
    pub elements: u64,
    /// The process's peak resident memory, KiB (warm-up and start included).
    pub peak_rss_kib: u64,
    /// Voluntary context switches while sampling (waiting).
    pub voluntary_switches: u64,
    /// Involuntary context switches while sampling (preempted).
    pub involuntary_switches: u64,
}

impl Usage {
    /// User plus system CPU time, milliseconds.
    pub fn cpu_ms(&self) -> f64 {
        self.user_ms + self.system_ms
    }

    /// CPU time over wall time over `threads`: 1.0 when every thread was busy all along;
    /// idle workers that spin show as a high figure on a light workload.
    pub fn utilisation(&self, threads: usize) -> Option<f64> {
        (self.wall_ms > 0.0).then(|| self.cpu_ms() / self.wall_ms / threads.max(1) as f64)
    }

    /// CPU nanoseconds per scenario element.
    pub fn cpu_ns_per_element(&self) -> Option<f64> {
        (self.elements > 0).then(|| self.cpu_ms() * 1e6 / self.elements as f64)
    }
}

/// The result of a round (`M` = [`MetricSamples`]) or of a whole cell (`M` = a summary).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status")]
pub enum Status<M> {
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
        metrics: Vec<M>,
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

impl<M> Status<M> {
    /// Whether this ran and failed (and so is worth retrying).
    pub fn is_failed(&self) -> bool {
        matches!(self, Status::Failed { .. })
    }
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
    /// Memory ran out (allocation failure, the memory limit, or the kernel's OOM killer).
    OutOfMemory,
    /// The watchdog killed it.
    Timeout,
    /// Killed by another signal.
    Signal,
    /// Any other abnormal exit.
    Crash,
}

/// One metric's samples from one worker process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricSamples {
    /// Name and unit, e.g. `"ns/spawn"`.
    pub name: String,
    /// Whether smaller is better.
    pub lower_is_better: bool,
    /// Every sample, in the order taken.
    pub samples: Vec<f64>,
}

/// Appends records to a results file, one whole line per write.
pub struct ResultsLog {
    file: File,
    path: PathBuf,
}

impl ResultsLog {
    /// Opens `path` for appending, creating it. A last line cut mid-write (a killed run,
    /// a full disk) gets its newline first, so the next record starts a line of its own.
    pub fn open(path: &Path) -> io::Result<Self> {
        let mut file = OpenOptions::new().create(true).read(true).append(true).open(path)?;
        if !ends_with_newline(&mut file)? {
            say!("rtbench: {}: the last line was cut off; it stays unread", path.display());
            file.write_all(b"\n")?;
        }
        Ok(ResultsLog { file, path: path.to_owned() })
    }

    /// Writes one record as one line, in one write.
    pub fn append(&mut self, record: &Record) -> io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.flush()
    }

    /// The file's path, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Whether `file` is empty or its last byte is a newline.
fn ends_with_newline(file: &mut File) -> io::Result<bool> {
    if file.metadata()?.len() == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// What a results file holds: its environments and every round, latest attempt of each.
#[derive(Debug, Default)]
pub struct Recorded {
    /// Every environment record, oldest first (a resumed run appends one).
    pub environments: Vec<Environment>,
    /// Rounds in the order they were first written; a retried round replaces its
    /// earlier line in place.
    pub rounds: Vec<RoundRecord>,
}

impl Recorded {
    /// Reads `path`; a missing file holds nothing. Unreadable lines are skipped with a
    /// warning naming `file:line`; a file of another schema version is an error.
    pub fn load(path: &Path) -> io::Result<Self> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(error) => return Err(error),
        };
        let mut recorded = Recorded::default();
        for (number, line) in bytes.split(|&b| b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let at = || format!("{}:{}", path.display(), number + 1);
            check_schema(line).map_err(|message| {
                io::Error::new(io::ErrorKind::InvalidData, format!("{}: {message}", at()))
            })?;
            match serde_json::from_slice(line) {
                Ok(record) => recorded.add(record),
                Err(error) => say!("rtbench: {}: skipping unreadable line: {error}", at()),
            }
        }
        Ok(recorded)
    }

    /// Takes in `record` as if it had been read from the file: a run keeps what it
    /// writes, so its report need not read the file again (nor warn twice about a bad
    /// line in it).
    pub fn add(&mut self, record: Record) {
        match record {
            Record::Environment(environment) => self.environments.push(environment),
            Record::Round(round) => self.insert(round),
            Record::RunEnd(end) => self.end(end),
            Record::Unknown => {}
        }
    }

    /// Adds a round, replacing an earlier attempt at the same round of the same cell.
    pub fn insert(&mut self, round: RoundRecord) {
        match self.rounds.iter_mut().find(|r| r.round == round.round && r.cell == round.cell) {
            Some(earlier) => *earlier = round,
            None => self.rounds.push(round),
        }
    }

    /// Gives `end` to the environment of the run it ends (the latest one of that start).
    fn end(&mut self, end: RunEnd) {
        let run = self.environments.iter_mut().rev().find(|e| e.started_at == end.started_at);
        if let Some(environment) = run {
            environment.end = Some(end);
        }
    }

    /// The last environment record, the run the file was last written by.
    pub fn environment(&self) -> Option<&Environment> {
        self.environments.last()
    }

    /// The recorded result of round `round` of `cell`, if any.
    pub fn round(&self, cell: &CellSpec, round: u32) -> Option<&RoundRecord> {
        self.rounds.iter().find(|r| r.round == round && &r.cell == cell)
    }

    /// Whether the file holds anything measured.
    pub fn is_empty(&self) -> bool {
        self.rounds.is_empty()
    }

    /// How many distinct cells its rounds belong to.
    pub fn cell_count(&self) -> usize {
        self.rounds.iter().map(|round| &round.cell).collect::<std::collections::BTreeSet<_>>().len()
    }
}

/// An environment line of another schema version is refused: reading it as this version
/// would misstate what was measured.
fn check_schema(line: &[u8]) -> Result<(), String> {
    #[derive(Deserialize)]
    struct Probe {
        record: Option<String>,
        schema: Option<u32>,
    }
    let Ok(Probe { record: Some(record), schema }) = serde_json::from_slice::<Probe>(line) else {
        return Ok(());
    };
    match (record.as_str(), schema) {
        ("environment", Some(SCHEMA)) | ("round", _) => Ok(()),
        ("environment", Some(newer)) if newer > SCHEMA => Err(format!(
            "written by a newer rtbench (results schema {newer}; this one reads {SCHEMA}): \
             use that version, or a new --out"
        )),
        ("environment" | "cell", found) => Err(format!(
            "written by an older rtbench (results schema {}; this one reads {SCHEMA}): \
             report it with the version that wrote it, or start afresh with a new --out \
             (or --force, which keeps the old file aside)",
            found.unwrap_or(1)
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, bytes: &[u8]) -> PathBuf {
        let path = dir.join(FILE_NAME);
        fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn a_cut_last_line_is_closed_before_the_next_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), b"{\"record\":\"round\",\"cel");
        let mut log = ResultsLog::open(&path).unwrap();
        log.append(&Record::Environment(Environment::test_value())).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[1].starts_with("{\"record\":\"environment\""), "{text}");
        assert_eq!(Recorded::load(&path).unwrap().environments.len(), 1);
    }

    #[test]
    fn lines_that_are_not_utf8_or_not_records_are_skipped_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let environment = serde_json::to_vec(&Record::Environment(Environment::test_value()));
        let mut bytes = environment.unwrap();
        bytes.extend_from_slice(b"\n{\"record\": \"round\", \xff}\nnot json\n\n");
        let path = write(dir.path(), &bytes);
        let recorded = Recorded::load(&path).unwrap();
        assert_eq!(recorded.environments.len(), 1);
        assert!(recorded.is_empty());
    }

    #[test]
    fn a_run_end_goes_to_its_own_run_and_unknown_kinds_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let (mut first, mut second) = (Environment::test_value(), Environment::test_value());
        first.started_at = 100;
        second.started_at = 200;
        let end = RunEnd { started_at: 100, finished_at: 150, load_average: Some([1.0, 0.5, 0.2]) };
        let mut bytes = Vec::new();
        for record in [Record::Environment(first), Record::RunEnd(end.clone())] {
            bytes.extend(serde_json::to_vec(&record).unwrap());
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(b"{\"record\":\"from_the_future\",\"schema\":2}\n");
        bytes.extend(serde_json::to_vec(&Record::Environment(second)).unwrap());
        let recorded = Recorded::load(&write(dir.path(), &bytes)).unwrap();
        assert_eq!(recorded.environments.len(), 2);
        assert_eq!(recorded.environments[0].end.as_ref(), Some(&end));
        assert_eq!(recorded.environment().unwrap().end, None, "the second run was cut off");
    }

    #[test]
    fn the_environment_line_never_holds_an_end() {
        let line = serde_json::to_value(Record::Environment(Environment::test_value()));
        let line = line.unwrap();
        assert!(line.get("end").is_none(), "{line}");
        assert!(line.get("load_average").is_some(), "{line}");
    }

    #[test]
    fn files_of_another_schema_are_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let old =
            write(dir.path(), b"{\"record\":\"environment\",\"rtbench_version\":\"0.1.0\"}\n");
        let error = Recorded::load(&old).unwrap_err().to_string();
        assert!(error.contains("older rtbench (results schema 1"), "{error}");
        assert!(error.contains("results.jsonl:1"), "{error}");
        let newer = write(dir.path(), b"{\"record\":\"environment\",\"schema\":99}\n");
        let error = Recorded::load(&newer).unwrap_err().to_string();
        assert!(error.contains("newer rtbench (results schema 99"), "{error}");
    }
}
