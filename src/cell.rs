//! The parent side of a cell: starts `rtbench worker` for one (scenario, runtime) pair,
//! guards it with a watchdog, and turns however the child ended into a [`Status`].
//!
//! Isolation is the point: a panic, an abort, a hang or an out-of-memory kill ends that
//! child only, and becomes that cell's `FAILED: <reason>` while the run goes on.
//!
//! The worker leads a process group of its own, and the watchdog kills the whole group:
//! a subprocess a scenario started (`subprocess`) dies with a hung worker instead of
//! living on as an orphan. (Being in its own group also keeps the terminal's Ctrl-C from
//! the worker; it exits anyway when `rtbench` goes, see [`crate::worker`].)

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use crate::matrix::{Cell, Settings};
use crate::results::{FailureKind, Status};
use crate::worker::WorkerOutput;

/// How often the watchdog looks at the child.
const POLL: Duration = Duration::from_millis(2);
/// How long to wait for a dead child's pipes to be drained.
const PIPE_GRACE: Duration = Duration::from_secs(1);
/// How much of the child's stderr is kept for the failure reason.
const STDERR_TAIL: usize = 16 * 1024;

/// How a cell's child process ended.
#[derive(Debug)]
pub struct CellRun {
    /// Threads that ran tasks, when the worker reported.
    pub threads: Option<usize>,
    /// The result.
    pub status: Status,
    /// How long the child lived.
    pub wall: Duration,
}

/// Runs `cell` in a child process under the watchdog.
pub fn run(cell: &Cell, settings: &Settings) -> CellRun {
    let start = Instant::now();
    let (threads, status) = match spawn_and_wait(cell, settings) {
        Ok(ended) => ended.classify(settings.timeout),
        Err(error) => (
            None,
            Status::Failed {
                kind: FailureKind::Crash,
                reason: format!("could not run the worker process: {error}"),
            },
        ),
    };
    CellRun { threads, status, wall: start.elapsed() }
}

/// What the child left behind.
struct Ended {
    exit: ExitStatus,
    timed_out: bool,
    stdout: String,
    stderr: String,
}

fn spawn_and_wait(cell: &Cell, settings: &Settings) -> std::io::Result<Ended> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg("worker")
        .args(["--scenario", cell.scenario.name, "--runtime", cell.runtime.name])
        .args(["--threads", &settings.threads.to_string()])
        .args(["--warmup", &settings.warmup.to_string()])
        .args(["--samples", &settings.samples.to_string()])
        .args(["--budget-ms", &settings.budget.as_millis().to_string()])
        .args(
            cell.params
                .iter()
                .flat_map(|(name, value)| ["--param".to_owned(), format!("{name}={value}")]),
        )
        // Failure reasons quote the child's last words, not a backtrace.
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    in_own_process_group(&mut command);
    let mut child = command.spawn()?;
    // Held open while the child runs: the worker exits when it reads end of input.
    let parent_alive = child.stdin.take();
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());
    let (exit, timed_out) = wait_with_watchdog(&mut child, settings.timeout)?;
    drop(parent_alive);
    let stdout = collect(stdout);
    let mut stderr = collect(stderr);
    if stderr.len() > STDERR_TAIL {
        let cut = (stderr.len() - STDERR_TAIL..).find(|&i| stderr.is_char_boundary(i));
        stderr.drain(..cut.unwrap_or(0));
    }
    Ok(Ended { exit, timed_out, stdout, stderr })
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

/// Waits for the child; kills it once `timeout` has passed. Returns its exit status and
/// whether the watchdog fired.
fn wait_with_watchdog(child: &mut Child, timeout: Duration) -> std::io::Result<(ExitStatus, bool)> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(exit) = child.try_wait()? {
            return Ok((exit, false));
        }
        if Instant::now() >= deadline {
            kill_process_group(child)?;
            return Ok((child.wait()?, true));
        }
        thread::sleep(POLL);
    }
}

impl Ended {
    fn classify(self, timeout: Duration) -> (Option<usize>, Status) {
        let failed = |kind, reason: String| (None, Status::Failed { kind, reason });
        if self.timed_out {
            return failed(
                FailureKind::Timeout,
                format!(
                    "timed out: no result after {} s, killed by the watchdog",
                    timeout.as_secs_f64()
                ),
            );
        }
        if self.exit.success() {
            return match self
                .stdout
                .lines()
                .rev()
                .find_map(|line| serde_json::from_str::<WorkerOutput>(line).ok())
            {
                Some(output) => (output.threads, output.status),
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
