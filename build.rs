//! Records what built the binary, so every results file says which code and compiler
//! measured it: the compiler's version (`RTBENCH_RUSTC_VERSION`), and the git commit
//! (`RTBENCH_GIT_COMMIT`) and whether the sources differed from it
//! (`RTBENCH_GIT_DIRTY`), both `unknown` outside a git checkout.
//!
//! The commit is read here, not when the binary runs: a binary run after a later
//! checkout, or copied elsewhere, still names the code it was built from.

use std::path::Path;
use std::process::Command;

/// What cargo watches so the commit is read again when it can have changed: the
/// sources of every crate (for the dirty flag), `HEAD`, the branch it points to, and
/// the packed refs.
const SOURCES: &[&str] = &[
    "src",
    "benches",
    "tests",
    "core",
    "adapters",
    "scenarios",
    "native",
    "Cargo.toml",
    "Cargo.lock",
];

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = output(Command::new(rustc).arg("--version"));
    println!("cargo:rustc-env=RTBENCH_RUSTC_VERSION={}", version.as_deref().unwrap_or("unknown"));
    println!("cargo:rerun-if-env-changed=RUSTC");
    println!("cargo:rerun-if-changed=build.rs");

    let commit = git(&["rev-parse", "HEAD"]);
    let dirty = commit
        .as_ref()
        .and(git(&["--no-optional-locks", "status", "--porcelain", "--untracked-files=no"]))
        .map(|changes| (!changes.is_empty()).to_string());
    println!("cargo:rustc-env=RTBENCH_GIT_COMMIT={}", commit.as_deref().unwrap_or("unknown"));
    println!("cargo:rustc-env=RTBENCH_GIT_DIRTY={}", dirty.as_deref().unwrap_or("unknown"));
    let reference = git(&["symbolic-ref", "-q", "HEAD"]);
    let git_files = ["HEAD", reference.as_deref().unwrap_or("HEAD"), "packed-refs"];
    for git_file in git_files {
        if let Some(path) = git(&["rev-parse", "--git-path", git_file]) {
            watch(&path);
        }
    }
    for source in SOURCES {
        watch(source);
    }
}

/// Asks cargo to run this script again when `path` changes. Only existing paths: cargo
/// would take a missing one as changed on every build.
fn watch(path: &str) {
    if Path::new(path).exists() {
        println!("cargo:rerun-if-changed={path}");
    }
}

/// `git ARGS`'s trimmed output in this package's directory, if it succeeded. (`status`
/// runs with `--no-optional-locks`: otherwise it rewrites the index, and a watched file
/// written by the script itself would make every build run it again.)
fn git(args: &[&str]) -> Option<String> {
    output(Command::new("git").args(args))
}

fn output(command: &mut Command) -> Option<String> {
    command
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}
