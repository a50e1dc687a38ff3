//! Join semantics shared by every adapter.
//!
//! Runtimes disagree on what a join handle means: tokio detaches on drop and returns
//! panics as errors, smol and glommio cancel on drop, smol re-raises a task's panic in
//! whoever awaits it. The contract picks one meaning and adapters normalise to it:
//!
//! - awaiting a handle gives `Ok(value)`, or a [`JoinError`] that says whether the task
//!   was [cancelled](JoinError::Cancelled) or [panicked](JoinError::Panicked) (with the
//!   panic message);
//! - [`Abort::abort`] cancels the task: its future is dropped (running its `Drop`
//!   guards) and the handle then yields `Err(JoinError::Cancelled)`;
//! - dropping the handle *detaches* the task: it keeps running to completion.
//!
//! A panic that nobody retrieves — the task was detached, or its handle dropped before
//! the result was read — is the course's "Task exception was never retrieved". It is
//! never lost: [`Panic`]'s destructor records it (see [`unretrieved_panics`]) and prints
//! it on stderr, and a panicking task never takes its runtime down. How an adapter
//! catches the panic in the first place is the adapters' business (their
//! `support::catch_panic`); this module holds what the contract promises about it and
//! the record scenarios read.

use std::any::Any;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Why awaiting a join handle gave no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinError {
    /// The task was aborted before it finished.
    Cancelled,
    /// The task panicked; the payload's message (`"<non-string panic payload>"` when the
    /// payload was not a string).
    Panicked(String),
}

impl JoinError {
    /// Whether the task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, JoinError::Cancelled)
    }

    /// The panic message, if the task panicked.
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            JoinError::Panicked(message) => Some(message),
            JoinError::Cancelled => None,
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Cancelled => f.write_str("task was cancelled"),
            JoinError::Panicked(message) => write!(f, "task panicked: {message}"),
        }
    }
}

impl std::error::Error for JoinError {}

/// Cancelling a spawned task through its join handle.
pub trait Abort {
    /// Requests cancellation. The task's future is dropped at the latest when the
    /// runtime next gets to it; awaiting the handle afterwards waits for that drop and
    /// yields `Err(JoinError::Cancelled)` — unless the task had already finished, in
    /// which case its result is returned. Calling it twice is harmless.
    fn abort(&self);
}

/// A caught panic, on its way to whoever awaits the task.
///
/// If it is dropped without [`Panic::into_join_error`] having been called, nobody
/// retrieved it: the drop records it in [`unretrieved_panics`] and prints it.
pub struct Panic {
    /// Boxed, so a task's caught output (`Result<T, Panic>`) is one pointer wider than
    /// `T` at most: glommio and smol store it in every task, and at three words it made
    /// glommio's spawn 20 % slower (`rtbench overhead`).
    #[allow(clippy::box_collection, reason = "one word instead of three, in every task")]
    message: Option<Box<String>>,
}

impl Panic {
    /// Wraps a payload caught by `catch_unwind`.
    pub fn from_payload(payload: Box<dyn Any + Send>) -> Self {
        Panic { message: Some(Box::new(payload_message(payload.as_ref()))) }
    }

    /// Hands the panic to its retriever: this one is not reported as lost.
    pub fn into_join_error(mut self) -> JoinError {
        JoinError::Panicked(self.message.take().map(|message| *message).unwrap_or_default())
    }
}

impl fmt::Debug for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Panic").field(&self.message).finish()
    }
}

impl Drop for Panic {
    fn drop(&mut self) {
        if let Some(message) = self.message.take() {
            record_unretrieved(*message);
        }
    }
}

/// The message of a panic payload (`&str` or `String`, as `panic!` produces).
pub fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

static UNRETRIEVED_COUNT: AtomicU64 = AtomicU64::new(0);
static UNRETRIEVED_MESSAGES: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// Messages kept for inspection; older ones are still counted.
const KEPT_MESSAGES: usize = 1024;

fn record_unretrieved(message: String) {
    eprintln!("rtbench: task panic never retrieved: {message}");
    UNRETRIEVED_COUNT.fetch_add(1, Ordering::Relaxed);
    let mut kept = UNRETRIEVED_MESSAGES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if kept.len() == KEPT_MESSAGES {
        kept.remove(0);
    }
    kept.push(message);
}

/// Panics of tasks whose result nobody retrieved, process-wide.
pub mod unretrieved_panics {
    use super::*;

    /// How many such panics happened since the process started.
    pub fn count() -> u64 {
        UNRETRIEVED_COUNT.load(Ordering::Relaxed)
    }

    /// Removes and returns the recorded messages that contain `needle` (the newest
    /// [`KEPT_MESSAGES`](super) are kept). Scenarios put a unique token in their panic
    /// messages so that concurrent runs do not see each other's panics.
    pub fn take_matching(needle: &str) -> Vec<String> {
        let mut kept = UNRETRIEVED_MESSAGES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (matching, rest) = kept.drain(..).partition(|m| m.contains(needle));
        *kept = rest;
        matching
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caught(message: &str) -> Panic {
        Panic::from_payload(Box::new(message.to_owned()))
    }

    #[test]
    fn retrieved_panic_is_not_recorded() {
        let error = caught("retrieved-7f3a").into_join_error();
        assert_eq!(error, JoinError::Panicked("retrieved-7f3a".into()));
        assert!(unretrieved_panics::take_matching("retrieved-7f3a").is_empty());
    }

    #[test]
    fn dropped_panic_is_recorded() {
        let before = unretrieved_panics::count();
        drop(caught("lost-c91e"));
        assert!(unretrieved_panics::count() > before);
        assert_eq!(unretrieved_panics::take_matching("lost-c91e"), ["lost-c91e"]);
    }
}
