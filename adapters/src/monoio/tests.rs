//! The monoio adapter's checks beyond the contract suite (shared with the other
//! thread-per-core adapters).

use super::Monoio;
use crate::support::thread_per_core_checks as checks;

#[test]
fn moving_a_value_to_another_thread_panics_loudly() {
    checks::moving_a_value_to_another_thread_panics_loudly::<Monoio>();
}

#[test]
fn a_panicking_root_is_resumed_and_the_runtime_survives() {
    checks::a_panicking_root_is_resumed_and_the_runtime_survives::<Monoio>();
}

#[test]
fn a_panic_reaches_a_handle_awaited_on_another_thread() {
    checks::a_panic_reaches_a_handle_awaited_on_another_thread::<Monoio>();
}

#[test]
fn processes_are_reported_missing() {
    checks::processes_are_reported_missing::<Monoio>();
}

#[test]
fn tcp_echoes_over_loopback() {
    checks::tcp_echoes_over_loopback::<Monoio>();
}

#[test]
fn files_round_trip_through_io_uring() {
    checks::files_round_trip::<Monoio>();
}
