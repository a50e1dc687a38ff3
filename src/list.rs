//! `rtbench list`: what this build can run, and whether it can run here.
//!
//! A runtime's availability is tested by building it: its constructor reports why it
//! cannot (e.g. glommio without io_uring or enough locked memory), and a constructor
//! that panics instead is reported the same way rather than ending the listing.

use std::fmt::Write;
use std::panic;

use rtbench_core::task::payload_message;
use rtbench_core::{Runtime, RuntimeConfig, RuntimeVisitor};

use crate::catalogue;
use crate::limits::Limits;

/// The runtimes, the scenarios and the limits that matter, as printed by `list`.
pub fn render() -> String {
    let mut out = String::from("Runtimes (this build):\n");
    let config = RuntimeConfig::default();
    let infos = rtbench_adapters::infos();
    let width = infos.iter().map(|info| info.name.len()).max().unwrap_or(0);
    let crate_of =
        |info: &rtbench_core::RuntimeInfo| format!("{} {}", info.crate_name, info.crate_version);
    let crate_width = infos.iter().map(|info| crate_of(info).len()).max().unwrap_or(0);
    for info in infos {
        let built = panic::catch_unwind(|| rtbench_adapters::visit(info.name, &config, Built));
        let status = match built {
            Ok(Ok(threads)) => {
                format!("available ({threads} thread{})", if threads == 1 { "" } else { "s" })
            }
            Ok(Err(error)) => error.to_string(),
            Err(payload) => {
                format!("unavailable: building it panicked: {}", payload_message(&*payload))
            }
        };
        let _ = writeln!(
            out,
            "  {:<width$} {:<9} {:<crate_width$} {status}",
            info.name,
            info.class.label(),
            crate_of(&info)
        );
        let legacy = if info.legacy { "legacy: " } else { "" };
        let _ = writeln!(out, "  {:<width$} {legacy}{}", "", info.description);
    }
    out.push_str("\nScenarios:\n");
    for info in catalogue::infos() {
        let _ = writeln!(out, "  {:<18} {:<6} {}", info.name, info.lesson, info.summary);
        if !info.requires.is_empty() {
            let needs: Vec<_> = info.requires.iter().map(|c| c.name()).collect();
            let _ = writeln!(out, "  {:<25} requires: {}", "", needs.join(", "));
        }
        for param in info.params {
            let _ = writeln!(
                out,
                "  {:<25} {}.{} = {} (quick {}): {}",
                "", info.name, param.name, param.default, param.quick, param.help
            );
        }
    }
    let _ = writeln!(out, "\nLimits: {}", Limits::current().summary());
    out
}

/// Builds a runtime and reports its thread count: proof that it works here.
struct Built;

impl RuntimeVisitor for Built {
    type Output = usize;

    fn visit<R: Runtime>(self, runtime: &R) -> usize {
        runtime.threads()
    }
}
