//! What differs between the environments of two runs: the machine, the build, the
//! settings and the runtime crates' versions, each as BASE → NEW.
//!
//! A figure that moved may owe it to any of these, so `compare` names them above its
//! tables, or says the runs shared machine, build and settings. Each environment is
//! reduced to a list of named facts, and facts are compared by name; a fact one side
//! lacks (a runtime not built there, or no environment recorded) reads `not recorded`.
//! The environment of each side is the last one its results file records.

use serde::Serialize;

use crate::environment::Environment;
use crate::report::index;

/// One fact that differs: BASE's value and NEW's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What the fact is, e.g. `"kernel"`, `"tokio-ct crate"`.
    pub what: String,
    pub base: String,
    pub new: String,
}

/// The facts that differ, in BASE's order, then those only NEW has; first of all, when
/// a side recorded no environment, that (even when neither did: then nothing is known
/// to be the same).
pub fn between(base: Option<&Environment>, new: Option<&Environment>) -> Vec<Difference> {
    let recorded = |environment: Option<&Environment>| {
        environment.map_or("not recorded", |_| "recorded").to_owned()
    };
    let unknown = (base.is_none() || new.is_none()).then(|| Difference {
        what: "environment".into(),
        base: recorded(base),
        new: recorded(new),
    });
    let (base, new) = (facts(base), facts(new));
    let mut names: Vec<&str> = Vec::new();
    for (name, _) in base.iter().chain(&new) {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    let value = |facts: &[(String, String)], name: &str| {
        let found = facts.iter().find(|(n, _)| n == name);
        found.map_or_else(|| "not recorded".to_owned(), |(_, value)| value.clone())
    };
    let differing = names
        .into_iter()
        .map(|name| Difference {
            what: name.to_owned(),
            base: value(&base, name),
            new: value(&new, name),
        })
        .filter(|difference| difference.base != difference.new);
    unknown.into_iter().chain(differing).collect()
}

/// An environment as named facts: the machine, the build, the request's settings, then
/// each runtime's crate and version. None for no environment.
fn facts(environment: Option<&Environment>) -> Vec<(String, String)> {
    let Some(environment) = environment else {
        return Vec::new();
    };
    let request = &environment.request;
    let sampling = request.sampling;
    let overrides: Vec<String> = request.params.iter().map(ToString::to_string).collect();
    let machine_and_settings = [
        ("CPU", environment.cpu_model.clone()),
        ("logical cores", environment.logical_cores.to_string()),
        ("system", environment.os.clone()),
        ("kernel", environment.kernel.clone()),
        ("limits", environment.limits.summary()),
        ("compiler", environment.rustc.clone()),
        ("build", environment.build_profile.clone()),
        ("rtbench", format!("{} at {}", environment.rtbench_version, index::commit(environment))),
        ("sizes", request.size.label().to_owned()),
        ("threads", crate::request::counts_text(&request.threads)),
        ("rounds", request.rounds.to_string()),
        (
            "sampling",
            format!(
                "{} warm-up, up to {} samples, {} ms budget",
                sampling.warmup, sampling.samples, sampling.budget_ms
            ),
        ),
        (
            "parameter overrides",
            if overrides.is_empty() { "none".into() } else { overrides.join(" ") },
        ),
    ];
    let named = machine_and_settings.into_iter().map(|(name, value)| (name.to_owned(), value));
    named
        .chain(environment.runtimes.iter().map(|runtime| {
            let version = format!("{} {}", runtime.crate_name, runtime.crate_version);
            (format!("{} crate", runtime.name), version)
        }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_environment_differs_in_nothing() {
        let environment = Environment::test_value();
        assert_eq!(between(Some(&environment), Some(&environment.clone())), []);
    }

    #[test]
    fn names_each_changed_fact_base_then_new() {
        let base = Environment::test_value();
        let mut new = base.clone();
        new.rustc = "rustc 9.0.0".into();
        new.git_dirty = Some(true);
        new.git_commit = Some("abc".into());
        new.request.threads.push(base.request.threads[0] + 2);
        new.started_at += 60;
        new.runtimes[0].crate_version = "99.0.0".into();
        let first = &base.runtimes[0];
        let found = between(Some(&base), Some(&new));
        let whats: Vec<&str> = found.iter().map(|d| d.what.as_str()).collect();
        assert_eq!(whats, ["compiler", "rtbench", "threads", &format!("{} crate", first.name)]);
        assert_eq!(found[0].base, base.rustc);
        assert_eq!(found[0].new, "rustc 9.0.0");
        assert!(found[1].new.ends_with("abc (with uncommitted changes)"), "{:?}", found[1]);
        assert_eq!(found[3].new, format!("{} 99.0.0", first.crate_name));
    }

    #[test]
    fn a_missing_environment_or_runtime_is_not_recorded() {
        let base = Environment::test_value();
        let mut new = base.clone();
        let dropped = new.runtimes.pop().unwrap();
        let found = between(Some(&base), Some(&new));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].what.as_str(), found[0].new.as_str()),
            (&*format!("{} crate", dropped.name), "not recorded")
        );
        let found = between(None, Some(&base));
        assert!(found.iter().all(|d| d.base == "not recorded"), "{found:?}");
        assert_eq!((found[0].what.as_str(), found[0].new.as_str()), ("environment", "recorded"));
        assert!(found.iter().any(|d| d.what == "kernel"));
        assert_eq!(between(None, None).len(), 1, "nothing is known to be the same");
    }
}
