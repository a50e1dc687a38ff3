//! Prints the native-semantics table: what each runtime does on its own API (dropping a
//! handle, panics, cancelling, timer granularity, blocking, `!Send`, I/O backend),
//! generated from the probes' observations on this machine.
//!
//! `cargo run --release -p rtbench-probes --example semantics_table`

use rtbench_probes as probes;

fn main() {
    hide_the_probes_own_panics();
    let observations = probes::observe_all();
    print!("{}", probes::markdown_table(&observations));
}

/// The panic probes panic on purpose; their messages would only bury the table. Any
/// other panic is still reported by the default hook.
fn hide_the_probes_own_panics() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = rtbench_core::task::payload_message(info.payload());
        if message != probes::PANIC_MESSAGE {
            default_hook(info);
        }
    }));
}
