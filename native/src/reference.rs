//! The reference executor has no twins: it was written in this repository to the
//! contract, so its own API *is* the contract's and there is no other code to compare
//! with. Every workload says so (`n/a`).

use rtbench_adapters::reference::Reference;

use crate::{Twin, Twins, Workload};

impl Twins for Reference {
    fn twin(_: Workload) -> Result<Twin<Self>, &'static str> {
        Err("reference is written to the contract: its native API is the contract's")
    }
}
