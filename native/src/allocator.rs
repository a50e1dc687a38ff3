//! Keeping freed memory in the process while pairs run, so that the allocator's own
//! heuristics do not decide a ratio.
//!
//! Why: glibc's malloc returns the top of its heap to the kernel once more than
//! `M_TRIM_THRESHOLD` of it is free (128 KiB at first), and serves requests above
//! `M_MMAP_THRESHOLD` with a fresh `mmap` — until a freed `mmap`ed block raises both
//! thresholds for the rest of the process. A workload that frees all its tasks at the
//! end of each run (`spawn_many`: about 1 MiB) is then page-faulted back in on every
//! run, or not, depending on whether *either side of the pair* ever allocated one block
//! above 128 KiB. Measured on monoio's `spawn_many` (2-core VM): the native twin ran at
//! 79 ns/spawn alone and 57 ns/spawn beside the contract, whose 10 000 two-word handles
//! make such a block; the contract ran at 72 ns either way. The pair ratio compared
//! code in one regime and page faults in the other (monoio's "catching panics" line read
//! +2 % with both sides page-faulting, +11 % with neither). Fixing both thresholds,
//! before the first pair, puts every side of every pair in the same regime: freed
//! memory stays, as in a long-running program, and big buffers come from the heap.
//!
//! Below those thresholds, what a spawn costs still depends on glibc's per-thread cache
//! (7 freed blocks of a size by default): widened with `GLIBC_TUNABLES`, which glibc
//! reads once at start-up and worker processes inherit, every allocation takes the fast
//! path and the `spawn_many` ratios of five flavours read 3 to 6 points higher (README,
//! "The contract overhead"). So the account names the tunables a worker started with.

/// Both thresholds, once set: above any run's memory, at the largest `mmap` threshold
/// glibc accepts (`HEAP_MAX_SIZE / 2` on 64-bit targets).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const THRESHOLD: libc::c_int = 32 << 20;

/// Fixes glibc malloc's trim and `mmap` thresholds (see the module docs); returns what
/// was done, and the glibc tunables the process started with, for the output's settings
/// line. Elsewhere it changes nothing, and says so.
pub fn keep_freed_memory() -> String {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only sets malloc parameters; it is safe to call at any time.
        let set = unsafe {
            libc::mallopt(libc::M_TRIM_THRESHOLD, THRESHOLD) == 1
                && libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD) == 1
        };
        let done = if set {
            "glibc malloc, freed memory kept (trim and mmap thresholds fixed at 32 MiB)"
        } else {
            "glibc malloc, its default thresholds (mallopt refused to fix them)"
        };
        with_tunables(done, std::env::var("GLIBC_TUNABLES").ok().as_deref())
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        "the system allocator, as it is (its thresholds are fixed only with glibc)".to_owned()
    }
}

/// `done`, followed by the glibc tunables the process started with, if any.
#[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]
fn with_tunables(done: &str, tunables: Option<&str>) -> String {
    match tunables {
        Some(tunables) if !tunables.is_empty() => {
            format!("{done}, under GLIBC_TUNABLES={tunables}")
        }
        _ => done.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_it_did() {
        let done = keep_freed_memory();
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        assert!(done.contains("kept"), "{done}");
        #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
        assert!(done.contains("as it is"), "{done}");
    }

    #[test]
    fn names_the_tunables_it_started_with_and_only_those() {
        let done = "glibc malloc, freed memory kept";
        assert_eq!(
            with_tunables(done, Some("glibc.malloc.tcache_count=65535")),
            "glibc malloc, freed memory kept, under GLIBC_TUNABLES=glibc.malloc.tcache_count=65535"
        );
        assert_eq!(with_tunables(done, Some("")), done);
        assert_eq!(with_tunables(done, None), done);
    }
}
