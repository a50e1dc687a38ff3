//! The parent side of a cell: starts `rtbench worker` for one round of a [`CellSpec`],
//! guards it with a watchdog, and turns however the child ended into a [`Status`].
//! [`run_child`] is that machinery for any hidden subcommand that reads a job as one JSON
//! line and prints one JSON line (`rtbench overhead`'s workers use it too).
//!
//! Isolation is the point: a panic, an abort, a hang or an out-of-memory kill ends that
//! child only, and becomes that cell's `FAILED: <reason>` while the run goes on. The
//! watchdog also enforces the memory limit: a worker whose resident memory passes it is
//! killed before it can take the machine's memory (and every other process) with it.
//!
//! The worker leads a process group of its own, and the watchdog kills the whole group:
//! a subprocess a scenario started (`subprocess`) dies with a hung worker instead of
//! living on as an orphan. (Being in its own group also keeps the terminal's Ctrl-C from
//! the worker; it exits anyway when `rtbench` goes, see [`crate::worker`].)

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::placement::Placement;
use crate::results::{FailureKind, MetricSamples, Status, Usage};
use crate::spec::CellSpec;
use crate::worker::WorkerOutput;

/// How often the watchdog looks at the child: rarely enough that its own CPU time does
/// not disturb the measurement on a small machine.
const POLL: Duration = Duration::from_millis(5);
/// How long to wait for a dead child's pipes to be drained.
const PIPE_GRACE: Duration = Duration::from_secs(1);
/// How much of the child's stderr is kept for the failure reason.
const STDERR_TAIL: usize = 16 * 1024;

/// The limits a worker runs under, and where.
#[derive(Clone, Copy, Debug)]
pub struct Guard {
    /// Killed after this long.
    pub timeout: Duration,
    /// Killed when its resident memory passes this many bytes.
    pub memory_limit: Option<u64>,
    /// Its CPUs and memory layout (`--pin`, `--no-aslr`).
    pub placement: Placement,
}

/// How a worker process ended.
#[derive(Debug)]
pub struct RoundRun {
    /// Threads that ran tasks, when the worker reported.
    pub threads: Option<usize>,
    /// Its resource usage while sampling, when it reported.
    pub usage: Option<Usage>,
    /// The result.
    pub status: Status<MetricSamples>,
    /// How long the child lived.
    pub wall: Duration,
}

/// Runs one round of `cell` in a child process under the watchdog.
pub fn run(cell: &CellSpec, guard: Guard) -> RoundRun {
    let start = Instant::now();
    let output = run_child("worker", cell, guard).unwrap_or_else(|failure| WorkerOutput {
        threads: None,
        usage: None,
        status: Status::Failed { kind: failure.kind, reason: failure.reason },
    });
    RoundRun {
        threads: output.threads,
        usage: output.usage,
        status: output.status,
        wall: start.elapsed(),
    }
}

/// Why a child gave no result: what kind of end, and its reason for a table cell.
#[derive(Debug)]
pub struct Failure {
    pub kind: FailureKind,
    pub reason: String,
}

fn failed<O>(kind: FailureKind, reason: String) -> Result<O, Failure> {
    Err(Failure { kind, reason })
}

/// Runs `rtbench SUBCOMMAND` in a child process under the watchdog, `job` as one JSON
/// line on its stdin; its result is the last line of its stdout that reads as an `O`.
pub fn run_child<O: DeserializeOwned>(
    subcommand: &str,
    job: &impl Serialize,
    guard: Guard,
) -> Result<O, Failure> {
    match spawn_and_wait(subcommand, job, guard) {
        Ok(ended) => ended.classify(guard),
        Err(error) => {
            failed(FailureKind::Crash, format!("could not run the worker process: {error}"))
        }
    }
}

/// Why the watchdog killed a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Killed {
    /// It ran past the timeout.
    Timeout,
    /// Its resident memory passed the limit (bytes seen).
    Memory(u64),
}

/// What the child left behind.
struct Ended {
    exit: ExitStatus,
    killed: Option<Killed>,
    stdout: String,
    stderr: String,
}

fn spawn_and_wait(subcommand: &str, job: &impl Serialize, guard: Guard) -> std::io::Result<Ended> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg(subcommand)
        // Failure reasons quote the child's last words, not a backtrace.
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    in_own_process_group(&mut command);
    guard.placement.apply(&mut command);
    let mut child = command.spawn()?;
    // The job on the first line, then held open while the child runs: the worker exits
    // when it reads end of input.
    let mut parent_alive = child.stdin.take();
    if let Some(stdin) = &mut parent_alive {
        let mut line = serde_json::to_vec(job).map_err(std::io::Error::other)?;
        line.push(b'\n');
        // A worker that died at once closed its end: how it ended says more than EPIPE.
        let _ = stdin.write_all(&line);
    }
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());
    let (exit, killed) = wait_with_watchdog(&mut child, guard)?;
    drop(parent_alive);
    let stdout = collect(stdout);
    let mut stderr = collect(stderr);
    if stderr.len() > STDERR_TAIL {
        let cut = (stderr.len() - STDERR_TAIL..).find(|&i| stderr.is_char_boundary(i));
        stderr.drain(..cut.unwrap_or(0));
    }
    Ok(Ended { exit, killed, stdout, stderr })
}

/// Reads a pipe of the child to its end on another thread.
fn read_in_background(pipe: Option<impl Read + Send + 'static>) -> Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        let _ = sender.send(bytes);
    });
    receiver
}

/// What was read from a pipe once the child has exited. A grandchild that inherited the
/// pipe and left the worker's process group may keep it open: after [`PIPE_GRACE`]
/// whatever that reader has is abandoned rather than waited for.
fn collect(receiver: Receiver<Vec<u8>>) -> String {
    let bytes = receiver.recv_timeout(PIPE_GRACE).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Waits for the child; kills it (and its process group) once the timeout has passed or
/// its resident memory is over the limit. Returns its exit status and why it was killed.
fn wait_with_watchdog(
    child: &mut Child,
    guard: Guard,
) -> std::io::Result<(ExitStatus, Option<Killed>)> {
    let deadline = Instant::now() + guard.timeout;
    loop {
        if let Some(exit) = child.try_wait()? {
            return Ok((exit, None));
        }
        let over_memory = guard
            .memory_limit
            .and_then(|limit| resident_bytes(child.id()).filter(|&rss| rss > limit));
        let killed = match over_memory {
            Some(rss) => Some(Killed::Memory(rss)),
            None if Instant::now() >= deadline => Some(Killed::Timeout),
            None => None,
        };
        if killed.is_some() {
            kill_process_group(child)?;
            return Ok((child.wait()?, killed));
        }
        thread::sleep(POLL);
    }
}

/// The resident memory of process `pid`, from `/proc/PID/statm` (in pages).
#[cfg(target_os = "linux")]
fn resident_bytes(pid: u32) -> Option<u64> {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: `sysconf` only reads a configuration value.
    let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page_size).ok()?)
}

/// Elsewhere the limit is not enforced (the kernel's own limits still apply).
#[cfg(not(target_os = "linux"))]
fn resident_bytes(_: u32) -> Option<u64> {
    None
}

impl Ended {
    fn classify<O: DeserializeOwned>(self, guard: Guard) -> Result<O, Failure> {
        match self.killed {
            Some(Killed::Timeout) => {
                return failed(
                    FailureKind::Timeout,
                    format!(
                        "timed out: no result after {} s, killed by the watchdog",
                        guard.timeout.as_secs_f64()
                    ),
                )
            }
            Some(Killed::Memory(rss)) => {
                return failed(
                    FailureKind::OutOfMemory,
                    format!(
                        "out of memory: resident memory reached {} MiB, over the limit of {} \
                         MiB (--memory-limit), killed by the watchdog",
                        rss >> 20,
                        guard.memory_limit.unwrap_or(0) >> 20
                    ),
                )
            }
            None => {}
        }
        if self.exit.success() {
            return match self
                .stdout
                .lines()
                .rev()
                .find_map(|line| serde_json::from_str::<O>(line).ok())
            {
                Some(output) => Ok(output),
                None => failed(
                    FailureKind::Crash,
                    format!("the worker exited without a result{}", self.last_words()),
                ),
            };
        }
        if let Some(signal) = signal(self.exit) {
            return match signal {
                SIGABRT if self.stderr.contains("memory allocation of") => {
                    failed(FailureKind::OutOfMemory, format!("out of memory{}", self.last_words()))
                }
                SIGABRT => {
                    failed(FailureKind::Abort, format!("aborted (SIGABRT){}", self.last_words()))
                }
                SIGKILL => failed(
                    FailureKind::OutOfMemory,
                    "killed by SIGKILL, most likely by the kernel's out-of-memory killer"
                        .to_owned(),
                ),
                SIGSEGV => failed(
                    FailureKind::Crash,
                    format!("segmentation fault (SIGSEGV){}", self.last_words()),
                ),
                other => failed(
                    FailureKind::Signal,
                    format!("killed by signal {other}{}", self.last_words()),
                ),
            };
        }
        match (self.exit.code(), panic_message(&self.stderr)) {
            (Some(101), Some(message)) => {
                failed(FailureKind::Panic, format!("panicked: {message}"))
            }
            (code, _) => failed(
                FailureKind::Crash,
                format!(
                    "exited with status {}{}",
                    code.map_or("?".to_owned(), |c| c.to_string()),
                    self.last_words()
                ),
            ),
        }
    }

    /// The last line the child wrote on stderr (hints such as `note: run with
    /// RUST_BACKTRACE=1` aside), as `": <line>"`, or nothing.
    fn last_words(&self) -> String {
        self.stderr
            .lines()
            .rev()
            .map(str::trim)
            .find(|line| !line.is_empty() && !line.starts_with("note:"))
            .map_or_else(String::new, |line| format!(": {line}"))
    }
}

/// Makes the child the leader of a new process group (its id is the child's pid).
#[cfg(unix)]
fn in_own_process_group(command: &mut Command) {
    std::os::unix::process::CommandExt::process_group(command, 0);
}

#[cfg(not(unix))]
fn in_own_process_group(_: &mut Command) {}

/// Kills the child and every process of its group.
#[cfg(unix)]
fn kill_process_group(child: &mut Child) -> std::io::Result<()> {
    let group = libc::pid_t::try_from(child.id()).map_err(std::io::Error::other)?;
    // SAFETY: `killpg` only sends a signal; the group is the child's own (see
    // `in_own_process_group`), and the child is not reaped yet, so its id is not reused.
    if unsafe { libc::killpg(group, libc::SIGKILL) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Without process groups, the child alone.
#[cfg(not(unix))]
fn kill_process_group(child: &mut Child) -> std::io::Result<()> {
    child.kill()
}

const SIGABRT: i32 = 6;
const SIGKILL: i32 = 9;
const SIGSEGV: i32 = 11;

#[cfg(unix)]
fn signal(exit: ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(&exit)
}

#[cfg(not(unix))]
fn signal(_: ExitStatus) -> Option<i32> {
    None
}

/// The message and location of the last panic reported on `stderr` (Rust's default
/// hook writes `thread '…' panicked at FILE:LINE:COL:` then the message).
fn panic_message(stderr: &str) -> Option<String> {
    let (_, after) = stderr.rsplit_once("panicked at ")?;
    let mut lines = after.lines();
    let location = lines.next()?.trim_end_matches(':');
    let message: Vec<&str> = lines
        .take_while(|line| !line.starts_with("note:") && !line.starts_with("stack backtrace:"))
        .map(str::trim)
        .collect();
    Some(format!("{} (at {location})", message.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_message_takes_the_last_panic_and_its_location() {
        let stderr = "thread 'main' panicked at src/a.rs:1:2:\nfirst\nthread 'main' panicked at src/b.rs:3:4:\nscenario root failed: boom\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(panic_message(stderr).unwrap(), "scenario root failed: boom (at src/b.rs:3:4)");
        assert_eq!(panic_message("no panic here"), None);
    }
}
