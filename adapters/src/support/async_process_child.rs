//! Child processes through `async-process`: smol's process crate, which async-std
//! re-exports as `async_std::process` and the `futures` adapters borrow. It reaps
//! children on its own background thread (`async-process`, started on first use),
//! independently of the executor: on Linux it waits on each child's pidfd where the kernel
//! has them (5.3 and later), and on SIGCHLD otherwise.

use std::process::{Command, ExitStatus, Stdio};

use rtbench_core::io::ChildProcess;

/// A child started by [`spawn`], killed if dropped before it exits.
pub struct AsyncProcessChild(async_process::Child);

/// Starts `command` with its stdout piped.
pub fn spawn(command: Command) -> std::io::Result<AsyncProcessChild> {
    let mut command = async_process::Command::from(command);
    command.stdout(Stdio::piped()).kill_on_drop(true);
    command.spawn().map(AsyncProcessChild)
}

impl ChildProcess for AsyncProcessChild {
    type Stdout = async_process::ChildStdout;

    fn take_stdout(&mut self) -> Option<Self::Stdout> {
        self.0.stdout.take()
    }

    async fn wait(&mut self) -> std::io::Result<ExitStatus> {
        self.0.status().await
    }
}
