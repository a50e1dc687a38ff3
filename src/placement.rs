//! Where the workers run and how their memory is laid out: two sources of variance
//! between worker processes (rounds) that a user may take away.
//!
//! `--pin CPUS` keeps every worker, and every thread it starts, on those CPUs
//! (`sched_setaffinity`): the scheduler no longer moves a sample from core to core, to a
//! cold cache or another core's clock, and other work can be kept off them.
//!
//! `--no-aslr` turns address-space layout randomisation off for the workers
//! (`personality(ADDR_NO_RANDOMIZE)`, as `setarch -R` does). Memory layout alone moves
//! timings by more than many effects being measured (Mytkowicz et al., "Producing wrong
//! data without doing anything obviously wrong!", ASPLOS 2009); with randomisation on,
//! each round draws another layout. Off, every round gets the same one: less spread, but
//! the rounds can no longer average out a layout that happens to be unlucky.
//!
//! Measured on a shared 2-core AMD EPYC virtual machine (no cpufreq; load average 1.3
//! to 3.6 from other work), `run --quick -r tokio-ct,smol-1 -s
//! spawn_many,yield_many,ping_pong --rounds 8`, each setting run back to back 12 to 24
//! times in three batches: the relative standard deviation of a cell's round medians,
//! over the same cell and repetition without either flag, had a geometric-mean ratio
//! of 0.50 to 0.56 with `--pin 1 --no-aslr` (lower in 64 to 70 % of pairs, sign test
//! p < 0.03 in each batch), 0.56 to 0.66 with `--pin 1` alone (significant in one batch
//! of three), and 0.63 to 0.88 with `--no-aslr` alone (one batch of three). Pinning
//! helps there; randomisation alone is lost in the machine's other noise.
//!
//! Both are set in the child between `fork` and `exec` (`CommandExt::pre_exec`), so
//! `rtbench` itself is unaffected and no other program (`taskset`, `setarch`) is needed.
//!
//! Containers often refuse the `personality` call (Docker's default seccomp profile
//! allows only a few personas). `run` tries it once at the start; refused, it says so
//! once, runs the workers with randomisation on and records why in the environment
//! (`worker_aslr`): the figures are as valid as without the flag, only not what was
//! asked for, and failing every cell instead would lose a run for a missing nicety.

use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::cpuset::CpuSet;
use crate::matrix::PlannedCell;
use crate::request::{RunRequest, UsageError};

/// How the workers are placed; set up in each child by [`Placement::apply`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Placement {
    /// The CPUs to pin to, as a bit mask; `None`: wherever the scheduler likes.
    affinity: Option<CpuMask>,
    /// Whether to turn address-space randomisation off.
    no_aslr: bool,
}

/// Whether the workers' address space was laid out at random, as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WorkerAslr {
    /// Randomised, the kernel's default.
    On,
    /// Off for the workers: `--no-aslr`.
    Off,
    /// Off for every process on the machine (`/proc/sys/kernel/randomize_va_space` is 0).
    OffSystemWide,
    /// `--no-aslr` was asked for and the kernel refused it: randomised.
    Refused {
        /// The error of `personality(ADDR_NO_RANDOMIZE)`.
        reason: String,
    },
}

impl WorkerAslr {
    /// One line for reports.
    pub fn describe(&self) -> String {
        match self {
            WorkerAslr::On => "on (randomised layout in each worker)".to_owned(),
            WorkerAslr::Off => "off for the workers (--no-aslr)".to_owned(),
            WorkerAslr::OffSystemWide => {
                "off system-wide (kernel.randomize_va_space = 0)".to_owned()
            }
            WorkerAslr::Refused { reason } => {
                format!("on: --no-aslr was refused by the kernel ({reason})")
            }
        }
    }
}

impl Placement {
    /// Checks `request`'s `--pin` against this machine (a usage error naming the flag when
    /// a CPU is not there to run on) and tries `--no-aslr`, saying once on stderr when it
    /// is refused; warns when multi-thread flavours among `cells` get fewer CPUs than
    /// threads. Returns the placement and what becomes of randomisation.
    pub fn prepare(
        request: &RunRequest,
        cells: &[PlannedCell],
    ) -> Result<(Placement, WorkerAslr), UsageError> {
        let affinity = match &request.pin {
            Some(pin) => {
                let mask = CpuMask::usable(pin)
                    .map_err(|problem| UsageError(format!("--pin {pin}: {problem}")))?;
                warn_if_crowded(pin, request.threads.iter().copied().max().unwrap_or(1), cells);
                Some(mask)
            }
            None => None,
        };
        let aslr = worker_aslr(request.no_aslr);
        if let WorkerAslr::Refused { reason } = &aslr {
            say!(
                "rtbench: warning: --no-aslr not applied: the kernel refused \
                 personality(ADDR_NO_RANDOMIZE) ({reason}), as container seccomp profiles \
                 often do; the workers run with address-space randomisation on (recorded in \
                 the environment as worker_aslr)"
            );
        }
        Ok((Placement { affinity, no_aslr: aslr == WorkerAslr::Off }, aslr))
    }

    /// Makes `command`'s child take this placement before it runs anything: a failure
    /// there is the spawn's error.
    pub fn apply(&self, command: &mut Command) {
        if self.affinity.is_some() || self.no_aslr {
            os::apply(*self, command);
        }
    }
}

/// Warns when multi-thread flavours run more threads than `pin` gives CPUs: allowed (a
/// user may mean it), but those threads then take turns.
fn warn_if_crowded(pin: &CpuSet, threads: usize, cells: &[PlannedCell]) {
    let multi = cells.iter().any(|cell| cell.runtime.class.takes_threads());
    if multi && threads > pin.len() {
        say!(
            "rtbench: warning: --pin {pin} gives {} CPU(s) to multi-thread flavours running \
             {threads} threads (--threads): their threads will take turns",
            pin.len()
        );
    }
}

/// What becomes of randomisation when `no_aslr` asks (or not) to turn it off.
fn worker_aslr(no_aslr: bool) -> WorkerAslr {
    let system = std::fs::read_to_string("/proc/sys/kernel/randomize_va_space");
    if system.is_ok_and(|value| value.trim() == "0") {
        return WorkerAslr::OffSystemWide;
    }
    match no_aslr {
        false => WorkerAslr::On,
        true => match os::try_no_aslr() {
            Ok(()) => WorkerAslr::Off,
            Err(reason) => WorkerAslr::Refused { reason },
        },
    }
}

/// The CPUs of a pin as the bits `sched_setaffinity` takes, for the 1 024 CPUs its
/// fixed-size set holds. A plain array, so that a [`Placement`] is `Copy` and the child
/// needs no allocation to use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CpuMask([u64; MASK_WORDS]);

/// CPUs a mask holds: `CPU_SETSIZE` in glibc and musl.
const MASK_CPUS: usize = 1024;
const MASK_WORDS: usize = MASK_CPUS / 64;

impl CpuMask {
    /// The mask of `pin`, each CPU of which must be online and allowed to this process.
    fn usable(pin: &CpuSet) -> Result<CpuMask, String> {
        let online = CpuSet::online().ok_or("the online CPUs cannot be read here")?;
        if let Some(cpu) = pin.first_outside(&online) {
            return Err(format!("CPU {cpu} is not online on this machine (online: {online})"));
        }
        if let Some(allowed) = CpuSet::allowed() {
            if let Some(cpu) = pin.first_outside(&allowed) {
                return Err(format!(
                    "CPU {cpu} is online but not allowed to this process (allowed: {allowed})"
                ));
            }
        }
        let mut mask = CpuMask([0; MASK_WORDS]);
        for cpu in pin.cpus() {
            let word = mask.0.get_mut(cpu / 64).ok_or_else(|| {
                format!("CPU {cpu}: CPUs from {MASK_CPUS} on cannot be pinned to")
            })?;
            *word |= 1 << (cpu % 64);
        }
        Ok(mask)
    }

    /// The CPUs set.
    #[cfg(target_os = "linux")]
    fn cpus(&self) -> impl Iterator<Item = usize> + '_ {
        (0..MASK_CPUS).filter(|&cpu| self.0[cpu / 64] & (1 << (cpu % 64)) != 0)
    }
}

#[cfg(target_os = "linux")]
mod os {
    use std::io;
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    use super::Placement;

    /// The persona argument that reads the current one without changing it.
    const QUERY: libc::c_ulong = 0xffff_ffff;

    /// Whether this process may set `ADDR_NO_RANDOMIZE`: sets it and puts the persona
    /// back. The flag only acts at the next `exec`, so `rtbench` itself is unaffected.
    pub fn try_no_aslr() -> Result<(), String> {
        let current = with_no_aslr().map_err(|error| error.to_string())?;
        // SAFETY: `personality` only sets this thread's execution-domain flags.
        unsafe { libc::personality(current) };
        Ok(())
    }

    /// Adds `ADDR_NO_RANDOMIZE` to this thread's persona; returns the persona before.
    /// Async-signal-safe: two system calls, no allocation (`pre_exec` needs that).
    fn with_no_aslr() -> io::Result<libc::c_ulong> {
        // SAFETY: `personality` reads (QUERY) or sets this thread's execution-domain
        // flags, nothing else.
        let current = unsafe { libc::personality(QUERY) };
        let wanted = current as libc::c_ulong | libc::ADDR_NO_RANDOMIZE as libc::c_ulong;
        // SAFETY: as above.
        if current == -1 || unsafe { libc::personality(wanted) } == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(current as libc::c_ulong)
    }

    pub fn apply(placement: Placement, command: &mut Command) {
        // Built here, in the parent: the child only makes system calls.
        let affinity = placement.affinity.map(|mask| {
            // SAFETY: an all-zero `cpu_set_t` is the empty set (what `CPU_ZERO` makes).
            let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
            for cpu in mask.cpus() {
                // SAFETY: `cpu` < 1024 = CPU_SETSIZE, the bits `cpu_set_t` holds.
                unsafe { libc::CPU_SET(cpu, &mut set) };
            }
            set
        });
        let no_aslr = placement.no_aslr;
        let setup = move || {
            if let Some(set) = &affinity {
                let size = std::mem::size_of::<libc::cpu_set_t>();
                // SAFETY: `set` is a valid `cpu_set_t` of `size` bytes; pid 0 is this
                // process (the child).
                if unsafe { libc::sched_setaffinity(0, size, set) } != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            if no_aslr {
                with_no_aslr()?;
            }
            Ok(())
        };
        // SAFETY: `setup` makes system calls only (no allocation, no lock), which is
        // what may run between `fork` and `exec`.
        unsafe { command.pre_exec(setup) };
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    use std::process::Command;

    use super::Placement;

    pub fn try_no_aslr() -> Result<(), String> {
        Err("personality() is Linux-only".to_owned())
    }

    /// Unreachable in effect: [`super::CpuMask::usable`] finds no online CPUs to pin to.
    pub fn apply(_: Placement, _: &mut Command) {}
}
