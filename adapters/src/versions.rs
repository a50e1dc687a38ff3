//! The resolved version of every crate the adapters depend on, directly or not, for
//! each flavour's [`RuntimeInfo::crate_version`](rtbench_core::RuntimeInfo): generated
//! by `build.rs` from Cargo.lock (the version nearest to this crate in the graph), so
//! adding a runtime adds no list entry here.

include!(concat!(env!("OUT_DIR"), "/versions.rs"));

/// The version this build resolved for `name`. In a `const`, a crate that is no
/// dependency of the adapters fails the build, naming the mistake.
pub const fn of(name: &str) -> &'static str {
    let mut index = 0;
    while index < RESOLVED.len() {
        let (candidate, version) = RESOLVED[index];
        if same(candidate, name) {
            return version;
        }
        index += 1;
    }
    panic!("not a dependency of rtbench-adapters (see Cargo.lock)")
}

/// `a == b`, in a `const fn`.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut index = 0;
    while index < a.len() {
        if a[index] != b[index] {
            return false;
        }
        index += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn direct_dependencies_resolve_to_their_locked_versions() {
        let futures = super::of("futures");
        assert!(futures.starts_with("0.3."), "{futures}");
        assert!(super::of("futures-executor").starts_with("0.3."));
    }
}
