//! Where the server and the generator run: on different CPUs where the machine has
//! two or more, so that the generator does not take CPU time from the server it
//! measures, nor the server from it.
//!
//! The CPUs this process may use are split in two halves (the server first): on a
//! 2-core machine, the server on CPU 0 and the generator on CPU 1. A server that runs
//! more threads than half the CPUs (`--threads N`, work-stealing or per-core alike)
//! takes N CPUs and the generator the rest, so that both classes get their N CPUs;
//! where that leaves the generator none (N at least the CPU count, as `--threads 2` on
//! 2 cores) or there is a single CPU, nothing is split and both share every CPU (the
//! scenarios say so in a note).

use std::io;

/// The CPUs of each side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// The server's (the worker process, every thread of its runtime).
    pub server: Vec<usize>,
    /// The load generator's.
    pub generator: Vec<usize>,
}

impl Split {
    /// `allowed` split for a server running `threads` threads: in two halves, the server
    /// taking the first (and the odd one), or the first `threads` CPUs if that is more;
    /// `None` when the generator would be left no CPU.
    pub fn of(allowed: &[usize], threads: usize) -> Option<Split> {
        let server = allowed.len().div_ceil(2).max(threads);
        if server >= allowed.len() {
            return None;
        }
        let (server, generator) = allowed.split_at(server);
        Some(Split { server: server.to_vec(), generator: generator.to_vec() })
    }
}

/// The CPUs this thread may run on (`sched_getaffinity`).
pub fn allowed_cpus() -> io::Result<Vec<usize>> {
    // SAFETY: an all-zero `cpu_set_t` is the empty set; `sched_getaffinity` fills the
    // set we own, of the size we pass.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok((0..libc::CPU_SETSIZE as usize).filter(|&cpu| libc::CPU_ISSET(cpu, &set)).collect())
    }
}

/// Keeps the calling thread, and every thread it starts from now on, on `cpus`.
pub fn pin_current_thread(cpus: &[usize]) -> io::Result<()> {
    // SAFETY: as in `allowed_cpus`; `CPU_SET` is given CPUs below `CPU_SETSIZE` only.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for &cpu in cpus.iter().filter(|&&cpu| cpu < libc::CPU_SETSIZE as usize) {
            libc::CPU_SET(cpu, &mut set);
        }
        match libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) {
            0 => Ok(()),
            _ => Err(io::Error::last_os_error()),
        }
    }
}

/// `0,1,5`: how CPU lists travel on the generator's command line.
pub fn cpu_list(cpus: &[usize]) -> String {
    cpus.iter().map(usize::to_string).collect::<Vec<_>>().join(",")
}

/// The inverse of [`cpu_list`].
pub fn parse_cpu_list(text: &str) -> Result<Vec<usize>, String> {
    text.split(',')
        .map(|cpu| {
            cpu.trim()
                .parse()
                .map_err(|_| format!("`{text}` is not a list of CPU numbers such as 1,3"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_cpus_give_one_to_each_side_and_one_gives_nothing_to_split() {
        assert_eq!(Split::of(&[0, 1], 1), Some(Split { server: vec![0], generator: vec![1] }));
        let three = Some(Split { server: vec![0, 1], generator: vec![2] });
        assert_eq!(Split::of(&[0, 1, 2], 1), three);
        assert_eq!(Split::of(&[3], 1), None);
    }

    #[test]
    fn a_server_of_n_threads_gets_n_cpus_or_shares_them_all() {
        let cpus: Vec<usize> = (0..8).collect();
        assert_eq!(Split::of(&cpus, 2).unwrap().server, [0, 1, 2, 3]);
        let six = Split::of(&cpus, 6).unwrap();
        assert_eq!((six.server.len(), six.generator), (6, vec![6, 7]));
        assert_eq!(Split::of(&cpus, 8), None);
        assert_eq!(Split::of(&[0, 1], 2), None);
    }

    #[test]
    fn cpu_lists_survive_the_command_line() {
        assert_eq!(parse_cpu_list(&cpu_list(&[1, 3])), Ok(vec![1, 3]));
        assert!(parse_cpu_list("1-3").is_err());
    }
}
