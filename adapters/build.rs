//! Exposes the resolved version of each runtime crate (from the workspace's Cargo.lock)
//! as `RTBENCH_VERSION_<CRATE>` environment variables, so tables name exactly what ran.

use std::path::PathBuf;

const CRATES: [&str; 5] = ["tokio", "async-std", "async-executor", "glommio", "futures-executor"];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let lock = manifest.join("..").join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    let text = std::fs::read_to_string(&lock).unwrap_or_default();
    for name in CRATES {
        let version = locked_version(&text, name).unwrap_or_else(|| "unknown".to_owned());
        let var = name.to_uppercase().replace('-', "_");
        println!("cargo:rustc-env=RTBENCH_VERSION_{var}={version}");
    }
}

/// The version of the first `[[package]]` named `name` in a Cargo.lock.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let needle = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    lines.find(|line| *line == needle)?;
    let version = lines.next()?.strip_prefix("version = \"")?.strip_suffix('"')?;
    Some(version.to_owned())
}
