//! Whether an io_uring runtime (glommio, monoio, compio) can run on this machine,
//! decided before building it.
//!
//! These runtimes need a kernel with io_uring (and with the operations they submit),
//! io_uring not disabled by `kernel.io_uring_disabled`, and — glommio, or any ring on a
//! kernel before 5.12, where rings count as locked memory — enough `RLIMIT_MEMLOCK`.
//! Checking up front lets the registry print `unavailable: <reason>` with the numbers,
//! instead of a panic or an opaque `EPERM`/`ENOMEM` from deep inside the runtime. The
//! facts are read from `/proc`; where a file cannot be read the check is left to the
//! runtime itself, whose own error is then reported with [`build_failed`].

use std::fs;

use rtbench_core::Unavailable;

/// What one runtime needs of the machine.
#[derive(Clone, Copy, Debug)]
pub struct Needs {
    /// The runtime's name, for the reasons given.
    pub runtime: &'static str,
    /// The oldest kernel it supports, `(major, minor)`.
    pub kernel: (u32, u32),
    /// Its own minimum for `RLIMIT_MEMLOCK`, in bytes (0: none of its own).
    pub memlock: u64,
}

/// `Ok` if nothing known rules the runtime out here; otherwise why, with the numbers.
pub fn check(needs: &Needs) -> Result<(), Unavailable> {
    if let Ok(release) = fs::read_to_string("/proc/sys/kernel/osrelease") {
        check_kernel(needs, release.trim())?;
    }
    if let Ok(disabled) = fs::read_to_string("/proc/sys/kernel/io_uring_disabled") {
        if disabled.trim() == "2" {
            return Err(Unavailable(format!(
                "{} needs io_uring, which this kernel disables (kernel.io_uring_disabled = 2)",
                needs.runtime
            )));
        }
    }
    if let Ok(limits) = fs::read_to_string("/proc/self/limits") {
        check_memlock(needs, &limits)?;
    }
    Ok(())
}

/// The reason to give when the runtime itself failed to build its ring: its error, with
/// the memory-lock limit (the usual cause on kernels before 5.12).
pub fn build_failed(needs: &Needs, error: impl std::fmt::Display) -> Unavailable {
    let memlock = fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| memlock_soft_limit(&limits))
        .map_or_else(|| "unlimited or unknown".to_owned(), |bytes| format!("{} KiB", bytes / 1024));
    Unavailable(format!(
        "{} could not set up io_uring: {error} (RLIMIT_MEMLOCK soft limit: {memlock})",
        needs.runtime
    ))
}

fn check_kernel(needs: &Needs, release: &str) -> Result<(), Unavailable> {
    match kernel_version(release) {
        Some(version) if version < needs.kernel => Err(Unavailable(format!(
            "{} needs Linux ≥ {}.{} (io_uring); this kernel is {release}",
            needs.runtime, needs.kernel.0, needs.kernel.1
        ))),
        _ => Ok(()),
    }
}

fn check_memlock(needs: &Needs, limits: &str) -> Result<(), Unavailable> {
    match memlock_soft_limit(limits) {
        Some(bytes) if bytes < needs.memlock => Err(Unavailable(format!(
            "{} needs RLIMIT_MEMLOCK ≥ {} KiB for its io_uring rings; the soft limit here \
             is {} KiB ({bytes} bytes; raise it with `ulimit -l` or limits.conf)",
            needs.runtime,
            needs.memlock / 1024,
            bytes / 1024
        ))),
        _ => Ok(()),
    }
}

/// `(major, minor)` from a release string such as `6.18.44-fc-v669`.
fn kernel_version(release: &str) -> Option<(u32, u32)> {
    let mut numbers = release.split(|c: char| !c.is_ascii_digit());
    let major = numbers.next()?.parse().ok()?;
    let minor = numbers.next()?.parse().ok()?;
    Some((major, minor))
}

/// The soft `Max locked memory` limit in bytes from `/proc/self/limits`; `None` when
/// unlimited or absent.
fn memlock_soft_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|line| line.starts_with("Max locked memory"))?;
    line.trim_start_matches("Max locked memory").split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: &str = "\
Limit                     Soft Limit           Hard Limit           Units
Max open files            20000                20000                files
Max locked memory         8388608              8388608              bytes
";

    const NEEDS: Needs = Needs { runtime: "glommio", kernel: (5, 8), memlock: 512 * 1024 };

    #[test]
    fn reads_kernel_versions() {
        assert_eq!(kernel_version("6.18.44-fc-v669"), Some((6, 18)));
        assert_eq!(kernel_version("5.4.0-150-generic"), Some((5, 4)));
        assert_eq!(kernel_version("garbage"), None);
    }

    #[test]
    fn old_kernel_is_refused_with_its_version() {
        let reason = check_kernel(&NEEDS, "5.4.0-150-generic").unwrap_err().0;
        assert!(reason.contains("5.8") && reason.contains("5.4.0-150-generic"), "{reason}");
        assert!(reason.starts_with("glommio "), "{reason}");
        assert!(check_kernel(&NEEDS, "5.8.0").is_ok());
        assert!(check_kernel(&NEEDS, "6.18.44").is_ok());
    }

    #[test]
    fn reads_the_memlock_soft_limit() {
        assert_eq!(memlock_soft_limit(LIMITS), Some(8 * 1024 * 1024));
        let unlimited = "Max locked memory         unlimited            unlimited            bytes";
        assert_eq!(memlock_soft_limit(unlimited), None);
    }

    #[test]
    fn low_memlock_is_refused_with_the_numbers() {
        let low = LIMITS.replace("8388608              8388608", "65536 65536");
        let reason = check_memlock(&NEEDS, &low).unwrap_err().0;
        assert!(reason.contains("512 KiB") && reason.contains("64 KiB"), "{reason}");
        assert!(check_memlock(&NEEDS, LIMITS).is_ok());
        let no_minimum = Needs { memlock: 0, ..NEEDS };
        assert!(check_memlock(&no_minimum, &low).is_ok());
    }

    #[test]
    fn a_failed_build_names_the_runtime_and_its_error() {
        let reason = build_failed(&NEEDS, "Operation not permitted (os error 1)").0;
        assert!(reason.starts_with("glommio could not set up io_uring: Operation"), "{reason}");
        assert!(reason.contains("RLIMIT_MEMLOCK"), "{reason}");
    }
}
