//! The compio adapter's checks beyond the contract suite (shared with the other
//! thread-per-core adapters), and its process support.

use std::process::{Command, Stdio};

use futures::io::AsyncReadExt;
use rtbench_core::io::ChildProcess;
use rtbench_core::Runtime;

use super::Compio;
use crate::support::thread_per_core_checks as checks;

#[test]
fn moving_a_value_to_another_thread_panics_loudly() {
    checks::moving_a_value_to_another_thread_panics_loudly::<Compio>();
}

#[test]
fn a_panicking_root_is_resumed_and_the_runtime_survives() {
    checks::a_panicking_root_is_resumed_and_the_runtime_survives::<Compio>();
}

#[test]
fn a_panic_reaches_a_handle_awaited_on_another_thread() {
    checks::a_panic_reaches_a_handle_awaited_on_another_thread::<Compio>();
}

#[test]
fn tcp_echoes_over_loopback() {
    checks::tcp_echoes_over_loopback::<Compio>();
}

#[test]
fn files_round_trip_through_io_uring() {
    checks::files_round_trip::<Compio>();
}

/// The caller's `Command` settings hold (its stdin is `/dev/null` here, so `cat` ends at
/// once), the child's stdout is read through the ring, and its exit status comes back.
#[test]
fn a_child_runs_as_its_command_says() {
    let (output, status) = checks::runtime::<Compio>()
        .block_on(async {
            let mut command = Command::new("/bin/sh");
            command.args(["-c", "cat; echo out; exit 3"]).stdin(Stdio::null());
            let mut child = Compio::spawn_process(command)?;
            let mut output = String::new();
            child.take_stdout().unwrap().read_to_string(&mut output).await?;
            std::io::Result::Ok((output, child.wait().await?))
        })
        .unwrap();
    assert_eq!(output, "out\n");
    assert_eq!(status.code(), Some(3));
}
