//! Whether glommio can run on this machine, decided before building an executor.
//!
//! glommio drives everything through io_uring: it needs Linux ≥ 5.8 (the io_uring
//! operations it submits) and an `RLIMIT_MEMLOCK` soft limit of at least 512 KiB (it
//! refuses to start below that). Checking both up front lets the registry print
//! `unavailable: <reason>` with the numbers, instead of a panic or an opaque `EPERM`.
//! The facts are read from `/proc`; where a file cannot be read the check is left to
//! glommio itself, whose own error is then reported.

use std::fs;

use rtbench_core::Unavailable;

/// The oldest kernel glommio supports.
const MIN_KERNEL: (u32, u32) = (5, 8);
/// glommio's own minimum for `RLIMIT_MEMLOCK`, in bytes.
const MIN_MEMLOCK: u64 = 512 * 1024;

/// `Ok` if nothing known rules glommio out here; otherwise why, with the numbers.
pub(super) fn check() -> Result<(), Unavailable> {
    if let Ok(release) = fs::read_to_string("/proc/sys/kernel/osrelease") {
        check_kernel(release.trim())?;
    }
    if let Ok(disabled) = fs::read_to_string("/proc/sys/kernel/io_uring_disabled") {
        if disabled.trim() == "2" {
            return Err(Unavailable(
                "glommio needs io_uring, which this kernel disables (kernel.io_uring_disabled = 2)"
                    .to_owned(),
            ));
        }
    }
    if let Ok(limits) = fs::read_to_string("/proc/self/limits") {
        check_memlock(&limits)?;
    }
    Ok(())
}

fn check_kernel(release: &str) -> Result<(), Unavailable> {
    match kernel_version(release) {
        Some(version) if version < MIN_KERNEL => Err(Unavailable(format!(
            "glommio needs Linux ≥ {}.{} (io_uring); this kernel is {release}",
            MIN_KERNEL.0, MIN_KERNEL.1
        ))),
        _ => Ok(()),
    }
}

fn check_memlock(limits: &str) -> Result<(), Unavailable> {
    match memlock_soft_limit(limits) {
        Some(bytes) if bytes < MIN_MEMLOCK => Err(Unavailable(format!(
            "glommio needs RLIMIT_MEMLOCK ≥ {} KiB for its io_uring rings; the soft limit here \
             is {} KiB ({bytes} bytes; raise it with `ulimit -l` or limits.conf)",
            MIN_MEMLOCK / 1024,
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

    #[test]
    fn reads_kernel_versions() {
        assert_eq!(kernel_version("6.18.44-fc-v669"), Some((6, 18)));
        assert_eq!(kernel_version("5.4.0-150-generic"), Some((5, 4)));
        assert_eq!(kernel_version("garbage"), None);
    }

    #[test]
    fn old_kernel_is_refused_with_its_version() {
        let reason = check_kernel("5.4.0-150-generic").unwrap_err().0;
        assert!(reason.contains("5.8") && reason.contains("5.4.0-150-generic"), "{reason}");
        assert!(check_kernel("5.8.0").is_ok());
        assert!(check_kernel("6.18.44").is_ok());
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
        let reason = check_memlock(&low).unwrap_err().0;
        assert!(reason.contains("512 KiB") && reason.contains("64 KiB"), "{reason}");
        assert!(check_memlock(LIMITS).is_ok());
    }
}
