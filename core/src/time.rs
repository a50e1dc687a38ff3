//! Timeouts built from the contract's own `sleep`, identical on every runtime.

use std::fmt;
use std::future::Future;
use std::pin::pin;

use futures::future::{select, Either};

/// The error of [`crate::Runtime::timeout`]: the deadline passed first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// Races `future` against `deadline`; the future wins ties (it is polled first).
pub async fn race_deadline<F: Future, S: Future<Output = ()>>(
    future: F,
    deadline: S,
) -> Result<F::Output, Elapsed> {
    match select(pin!(future), pin!(deadline)).await {
        Either::Left((value, _)) => Ok(value),
        Either::Right(((), _)) => Err(Elapsed),
    }
}
