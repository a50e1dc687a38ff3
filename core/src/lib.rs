//! The contract every rtbench adapter implements, and the scenario trait.
//!
//! This crate is what the course calls the *language* side of asynchronous programming:
//! `Future`, `async`/`await`, wakers — and a description of what a *library* (an executor
//! with its timers, reactor and thread pool) must offer so that one scenario, written
//! once, runs unchanged on every runtime. It depends on no runtime.
//!
//! - [`Runtime`] is the contract: spawn, join handles, sleep, yield, blocking offload,
//!   TCP (in owned buffers, see [`io`]), processes and files, with semantics that every
//!   adapter honours identically.
//! - [`task`] holds the normalised join semantics ([`JoinError`], panics that nobody
//!   retrieved).
//! - [`scenario`] is the trait each catalogue entry implements, with its parameters and
//!   its checked [`Outcome`].
//! - [`language`] drives futures without any runtime at all ("you are the loop").

pub mod capability;
pub mod io;
pub mod language;
pub mod runtime;
pub mod scenario;
pub mod task;
pub mod time;

pub use capability::{Capabilities, Capability, Support};
pub use runtime::{Class, Runtime, RuntimeConfig, RuntimeInfo, RuntimeVisitor, Shard, Unavailable};
pub use scenario::{
    Metric, Outcome, ParamSpec, Params, Scenario, ScenarioError, ScenarioInfo, Sharding, Size,
};
pub use task::{Abort, JoinError};
pub use time::Elapsed;
