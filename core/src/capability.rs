//! What an adapter can do, declared up front.
//!
//! A scenario lists the capabilities it needs; before running it, the framework looks
//! them up here, and a runtime that lacks one is reported as `n/a: <reason>` instead of
//! being skipped or failing halfway. Each entry also says *how* the runtime provides it
//! (natively, or emulated by the adapter), so the tables can show what was measured.

use std::fmt;

/// One optional feature of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Spawning `!Send` futures with [`crate::Runtime::spawn_local`].
    LocalSpawn,
    /// Offloading blocking closures with [`crate::Runtime::spawn_blocking`].
    Blocking,
    /// TCP listeners and streams (read and written in owned buffers).
    Tcp,
    /// A TCP stream seen through futures-io's poll-based traits
    /// ([`crate::io::TcpStream::into_poll_io`]), for libraries written to them (hyper).
    PollIo,
    /// Child processes with their stdout as an async stream.
    Process,
    /// Reading and writing whole files.
    Files,
}

impl Capability {
    /// Every capability, in display order.
    pub const ALL: [Capability; 6] = [
        Capability::LocalSpawn,
        Capability::Blocking,
        Capability::Tcp,
        Capability::PollIo,
        Capability::Process,
        Capability::Files,
    ];

    /// Short lower-case name used in tables.
    pub fn name(self) -> &'static str {
        match self {
            Capability::LocalSpawn => "spawn_local",
            Capability::Blocking => "spawn_blocking",
            Capability::Tcp => "tcp",
            Capability::PollIo => "poll_io",
            Capability::Process => "process",
            Capability::Files => "files",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a runtime provides one capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// The runtime's own API; the text says which (e.g. `"tokio::fs (blocking pool)"`).
    Native(&'static str),
    /// The adapter supplies it from another crate; the text says how.
    Emulated(&'static str),
    /// Not available; the text is the reason shown as `n/a: <reason>`.
    Missing(&'static str),
}

impl Support {
    /// Whether a scenario needing this capability can run.
    pub fn is_available(self) -> bool {
        !matches!(self, Support::Missing(_))
    }

    /// The explanatory text.
    pub fn detail(self) -> &'static str {
        match self {
            Support::Native(s) | Support::Emulated(s) | Support::Missing(s) => s,
        }
    }
}

/// Everything optional an adapter declares.
#[derive(Clone, Copy, Debug)]
pub struct Capabilities {
    /// See [`Capability::LocalSpawn`].
    pub local_spawn: Support,
    /// See [`Capability::Blocking`].
    pub blocking: Support,
    /// See [`Capability::Tcp`].
    pub tcp: Support,
    /// See [`Capability::PollIo`]: `Native` where the stream is a futures-io stream
    /// already (readiness runtimes), `Emulated` where the adapter bridges a completion
    /// runtime's owned-buffer stream (the text says how).
    pub poll_io: Support,
    /// See [`Capability::Process`].
    pub process: Support,
    /// See [`Capability::Files`].
    pub files: Support,
    /// The I/O backend, e.g. `"epoll (mio)"` or `"io_uring"`.
    pub io_backend: &'static str,
}

impl Capabilities {
    /// How this runtime provides `capability`.
    pub fn get(&self, capability: Capability) -> Support {
        match capability {
            Capability::LocalSpawn => self.local_spawn,
            Capability::Blocking => self.blocking,
            Capability::Tcp => self.tcp,
            Capability::PollIo => self.poll_io,
            Capability::Process => self.process,
            Capability::Files => self.files,
        }
    }

    /// The first of `needed` that is missing, with its reason.
    pub fn first_missing(&self, needed: &[Capability]) -> Option<(Capability, &'static str)> {
        needed.iter().find_map(|&c| match self.get(c) {
            Support::Missing(reason) => Some((c, reason)),
            _ => None,
        })
    }
}
