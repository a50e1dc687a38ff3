//! The generator's side of a server run: a plain thread that waits until every shard's
//! server listens, builds the job against their addresses, runs it (through the
//! process-wide [`Launcher`]) and tells the shards how it ended.
//!
//! Why a thread and not a task: on a per-core flavour each shard's root runs on its own
//! executor and none of them is "the" root, yet the generator needs every shard's
//! address before it starts, and must run while they all serve. A thread blocked on a
//! std channel needs nothing from any runtime (which is also why every flavour with TCP
//! runs the server scenarios), and on flavours that do not shard it is simply the one
//! shard's generator. How the run ended is a shared one-shot signal that each shard
//! races its server against ([`Line::ended`]): when the generator fails, every shard
//! stops at once — its server would otherwise wait for connections that never come —
//! and the generator's error, the cause, is the one reported.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

use futures::channel::oneshot;
use futures::future::{FutureExt, Shared};
use rtbench_core::{Params, ScenarioError, Shard};
use rtbench_loadgen::{Job, Launcher, Report};

use super::{process_cpu_ms, Server};

/// How the generator's run ended, as the shards learn it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Every request was sent and answered: the servers' connections are closing.
    Done,
    /// The generator failed (or its thread died): the servers must stop.
    Failed,
}

/// What the generator ran and measured.
pub struct Generated {
    /// The job, against every shard's address in shard order.
    pub job: Job,
    /// What it measured.
    pub report: Report,
    /// This process's CPU time when the load started, milliseconds.
    pub cpu_before_ms: f64,
}

/// A shard's line to the generator: where its server listens, and how the load ended.
#[derive(Clone)]
pub struct Line {
    listening: mpsc::Sender<(Shard, Result<SocketAddr, String>)>,
    ended: Shared<oneshot::Receiver<End>>,
}

impl Line {
    /// Tells the generator where shard `shard`'s server listens, or why it could not
    /// bind (which fails the run).
    pub fn listening(&self, shard: Shard, addr: Result<SocketAddr, String>) {
        // The generator stops listening only once it has every address, or has failed
        // (then `ended` says so).
        let _ = self.listening.send((shard, addr));
    }

    /// Completes when the generator's run has ended, saying how.
    pub fn ended(&self) -> impl std::future::Future<Output = End> + Send + Unpin + 'static {
        self.ended.clone().map(|end| end.unwrap_or(End::Failed))
    }
}

/// Starts the generator of server `S` under `launcher`: it runs once every shard has
/// reported on its [`Line`]. Join the thread for what it measured.
pub fn start<S: Server>(
    launcher: Launcher,
    params: Params,
) -> (Line, JoinHandle<Result<Generated, ScenarioError>>) {
    let (listening, addresses) = mpsc::channel();
    let (end, ended) = oneshot::channel();
    let thread = thread::spawn(move || {
        let generated = addrs(&addresses).and_then(|addrs| {
            let job = S::job(&params, addrs);
            let cpu_before_ms = process_cpu_ms();
            let report = launcher
                .run(&job)
                .map_err(|error| ScenarioError::Check(format!("load generator: {error}")))?;
            Ok(Generated { job, report, cpu_before_ms })
        });
        let _ = end.send(if generated.is_ok() { End::Done } else { End::Failed });
        generated
    });
    (Line { listening, ended: ended.shared() }, thread)
}

/// Every shard's address, in shard order, once all have reported.
fn addrs(
    addresses: &mpsc::Receiver<(Shard, Result<SocketAddr, String>)>,
) -> Result<Vec<SocketAddr>, ScenarioError> {
    let lost = |_| ScenarioError::Check("the server's shards ended before listening".into());
    let (first, addr) = addresses.recv().map_err(lost)?;
    let mut addrs = vec![None; first.count];
    addrs[first.index] = Some(addr);
    while addrs.iter().any(Option::is_none) {
        let (shard, addr) = addresses.recv().map_err(lost)?;
        addrs[shard.index] = Some(addr);
    }
    addrs
        .into_iter()
        .map(|addr| {
            let addr = addr.expect("every shard reported");
            addr.map_err(|error| ScenarioError::Check(format!("a shard could not listen: {error}")))
        })
        .collect()
}
