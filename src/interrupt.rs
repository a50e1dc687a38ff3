//! Ctrl-C (or SIGTERM) as a request to stop between two worker processes, for commands
//! that hold what they measured in memory until the end (`rtbench overhead`): the
//! worker running finishes (workers sit in process groups of their own, so the
//! terminal's Ctrl-C does not reach them), then the command prints what it has. A
//! second signal ends the process at once, with [`EXIT`].
//!
//! `rtbench run` needs none of this: it appends each worker's record to its results
//! file as it ends, so an interrupted run loses only the worker that was running.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

/// The exit code of an interrupted command, as a shell gives one killed by SIGINT.
pub const EXIT: u8 = 130;

/// Whether a stop was asked for since [`Interrupt::catch`].
pub struct Interrupt {
    asked: Arc<AtomicBool>,
}

impl Interrupt {
    /// From now on, the first SIGINT or SIGTERM is recorded instead of ending the
    /// process; a second one ends it with [`EXIT`].
    pub fn catch() -> io::Result<Interrupt> {
        let asked = Arc::new(AtomicBool::new(false));
        // Not SIGQUIT (Ctrl-\, in signal-hook's `TERM_SIGNALS` too): it still quits at once.
        for signal in [SIGINT, SIGTERM] {
            // Registered first, so it sees the flag as the previous signal left it.
            flag::register_conditional_shutdown(signal, EXIT.into(), Arc::clone(&asked))?;
            flag::register(signal, Arc::clone(&asked))?;
        }
        Ok(Interrupt { asked })
    }

    /// Whether a signal asked to stop.
    pub fn asked(&self) -> bool {
        self.asked.load(Ordering::Relaxed)
    }
}
