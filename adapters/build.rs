//! Writes `$OUT_DIR/versions.rs`: every crate in this crate's dependency graph, with the
//! version this build resolved (from the workspace's Cargo.lock), so tables name exactly
//! what ran and no list of runtime crates is kept here (`src/versions.rs` reads it).
//!
//! A crate can be locked at several versions (async-global-executor 2.x under async-std
//! beside 3.x used directly): the version is the one nearest to `rtbench-adapters` in
//! the graph, found breadth first from it, so a direct dependency wins over one pulled
//! in by another runtime.

use std::collections::{HashSet, VecDeque};
use std::fmt::Write;
use std::path::PathBuf;

/// One `[[package]]` of a Cargo.lock.
struct Package {
    name: String,
    version: String,
    /// `"name"`, or `"name version"` where the lock holds several versions of it.
    dependencies: Vec<String>,
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let lock = manifest.join("..").join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    let text = std::fs::read_to_string(&lock).unwrap_or_default();
    let packages = parse(&text);
    let mut out =
        String::from("/// Each crate of the graph and its resolved version, nearest first.\n");
    out.push_str("const RESOLVED: &[(&str, &str)] = &[\n");
    for (name, version) in nearest_first(&packages, env!("CARGO_PKG_NAME")) {
        let _ = writeln!(out, "    ({name:?}, {version:?}),");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("versions.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

/// The packages of a Cargo.lock (its `name`, `version` and `dependencies` keys only).
fn parse(lock: &str) -> Vec<Package> {
    let mut packages = Vec::new();
    let mut in_dependencies = false;
    for line in lock.lines() {
        if line == "[[package]]" {
            packages.push(Package {
                name: String::new(),
                version: String::new(),
                dependencies: Vec::new(),
            });
        } else if let Some(package) = packages.last_mut() {
            if let Some(name) = quoted(line, "name = ") {
                package.name = name.to_owned();
            } else if let Some(version) = quoted(line, "version = ") {
                package.version = version.to_owned();
            } else if line == "dependencies = [" {
                in_dependencies = true;
            } else if line == "]" {
                in_dependencies = false;
            } else if in_dependencies {
                let entry = line.trim().trim_end_matches(',').trim_matches('"');
                package.dependencies.push(entry.to_owned());
            }
        }
    }
    packages
}

/// The text between the quotes of `prefix"…"`.
fn quoted<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    line.strip_prefix(prefix)?.strip_prefix('"')?.strip_suffix('"')
}

/// Every package reachable from `root`, breadth first, with the version of each name
/// that is reached first.
fn nearest_first<'a>(packages: &'a [Package], root: &str) -> Vec<(&'a str, &'a str)> {
    let find = |entry: &str| {
        let mut words = entry.split(' ');
        let name = words.next().unwrap_or_default();
        let version = words.next();
        packages.iter().find(|p| p.name == name && version.is_none_or(|v| p.version == v))
    };
    let (mut visited, mut named) = (HashSet::new(), HashSet::new());
    let mut found = Vec::new();
    let mut queue: VecDeque<&Package> = find(root).into_iter().collect();
    while let Some(package) = queue.pop_front() {
        for dependency in package.dependencies.iter().filter_map(|entry| find(entry)) {
            let (name, version) = (dependency.name.as_str(), dependency.version.as_str());
            if named.insert(name) {
                found.push((name, version));
            }
            if visited.insert((name, version)) {
                queue.push_back(dependency);
            }
        }
    }
    found
}
