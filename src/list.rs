//! `rtbench list`: what this build can run, and whether it can run here.
//!
//! A runtime's availability is tested by building it (its constructor reports why it
//! cannot, e.g. glommio without io_uring or enough locked memory).

use rtbench_core::{Runtime, RuntimeConfig, RuntimeVisitor};

use crate::catalogue;
use crate::limits::Limits;

/// Prints the runtimes, the scenarios and the limits that matter.
pub fn print() {
    println!("Runtimes (this build):");
    let config = RuntimeConfig::default();
    for info in rtbench_adapters::infos() {
        let status = match rtbench_adapters::visit(info.name, &config, Built) {
            Ok(threads) => {
                format!("available ({threads} thread{})", if threads == 1 { "" } else { "s" })
            }
            Err(error) => error.to_string(),
        };
        println!(
            "  {:<14} {:<9} {:<22} {status}",
            info.name,
            info.class.label(),
            format!("{} {}", info.crate_name, info.crate_version)
        );
        println!("  {:<14} {}", "", info.description);
    }
    println!("\nScenarios:");
    for info in catalogue::infos() {
        println!("  {:<18} {:<6} {}", info.name, info.lesson, info.summary);
        if !info.requires.is_empty() {
            let needs: Vec<_> = info.requires.iter().map(|c| c.name()).collect();
            println!("  {:<25} requires: {}", "", needs.join(", "));
        }
        for param in info.params {
            println!(
                "  {:<25} {}.{} = {} (quick {}): {}",
                "", info.name, param.name, param.default, param.quick, param.help
            );
        }
    }
    println!("\nLimits: {}", Limits::current().summary());
}

/// Builds a runtime and reports its thread count: proof that it works here.
struct Built;

impl RuntimeVisitor for Built {
    type Output = usize;

    fn visit<R: Runtime>(self, runtime: &R) -> usize {
        runtime.threads()
    }
}
