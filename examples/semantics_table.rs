//! Prints the native-semantics table: what each runtime does on its own API (dropping a
//! handle, panics, cancelling, timer granularity, blocking, `!Send`, I/O backend),
//! generated from the probes' observations on this machine.
//!
//! `cargo run --release --example semantics_table`

fn main() {
    let observations = rtbench_adapters::probes::observe_all();
    print!("{}", rtbench_adapters::probes::markdown_table(&observations));
}
