//! The engine of the server scenarios (`echo_server`, `http_server`): the runtime under
//! test serves, and the fixed load generator of `rtbench-loadgen` measures it from
//! outside.
//!
//! One run: the server binds an ephemeral loopback port on the runtime and accepts C
//! connections; the generator — in a process of its own when the runner configured one
//! ([`Launcher`]) — holds those C connections for a closed loop (the maximum
//! throughput) and then open loops at 25, 50, 75 and 90 % of that maximum, each latency
//! measured from the request's intended send time (no coordinated omission). The
//! generator checks every response; the server counts what it answered, and the two
//! counts must match what the job sends.
//!
//! The generator runs on a plain thread of this process (waiting for its child process
//! where there is one; see [`generator`]): the scenario needs nothing from the runtime
//! but TCP, so every flavour with TCP runs it.
//!
//! # Sharded on per-core flavours
//! On a per-core flavour each shard runs a server of its own: its own listener on its
//! own ephemeral port, its own accept loop and connection tasks, all on its executor.
//! The generator is given every shard's address and spreads its C connections over
//! them in turn (`rtbench_loadgen::connection::target`, the split of
//! [`Shard::share`], so each shard knows how many connections it will accept). Its
//! figures are the whole server's — one closed loop and one open loop per rate over all
//! C connections — and its report counts what each address answered, so each shard
//! checks its own count against its listener's, then the total is checked. Own ports
//! rather than one port shared with `SO_REUSEPORT`: binding needs nothing beyond the
//! contract's `tcp_bind` (no socket option any adapter would have to pass through), and
//! the split is exact, where the kernel's reuseport hash may leave a shard with no
//! connection at all at test sizes. Work-stealing flavours run one shard: one server,
//! one address.
//!
//! Metrics: the closed loop's requests/s (headline) and latencies; p50, p90, p99, p99.9
//! and max at each offered rate; the server's CPU time per request (this process's
//! `getrusage` over the whole load, less the generator's own threads when they ran
//! here); the process's peak RSS.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::thread;
use std::time::Duration;

use futures::future::{self, Either};
use rtbench_core::io::TcpListener;
use rtbench_core::{Abort, Metric, Outcome, ParamSpec, Params, Runtime, ScenarioError, Shard};
use rtbench_loadgen::{Job, Launcher, Load, Protocol, Report};

use crate::io_support::{within, OpenFiles};
use crate::shards::{check_each, outputs, placement_note, run_timed};

mod generator;

use generator::{End, Generated, Line};

/// Connections held open by the generator for the whole run.
pub const CONNECTIONS: ParamSpec = ParamSpec {
    name: "connections",
    help: "keep-alive connections the generator holds",
    default: 64,
    quick: 16,
    test: 4,
    min: 1,
};

/// Closed-loop requests per connection.
pub const REQUESTS: ParamSpec = ParamSpec {
    name: "requests",
    help: "closed loop: requests per connection",
    default: 2_000,
    quick: 250,
    test: 50,
    min: 1,
};

/// Requests sent at each open-loop rate.
pub const OPEN_REQUESTS: ParamSpec = ParamSpec {
    name: "open_requests",
    help: "open loop: requests sent at each offered rate",
    default: 20_000,
    quick: 1_000,
    test: 100,
    min: 1,
};

/// The offered rates, in percent of the closed loop's throughput, and the names of the
/// figures measured at each: p50, p90, p99, p99.9, max.
pub const RATES: [(u32, [&str; 5]); 4] = [
    (25, ["p50 µs @25%", "p90 µs @25%", "p99 µs @25%", "p99.9 µs @25%", "max µs @25%"]),
    (50, ["p50 µs @50%", "p90 µs @50%", "p99 µs @50%", "p99.9 µs @50%", "max µs @50%"]),
    (75, ["p50 µs @75%", "p90 µs @75%", "p99 µs @75%", "p99.9 µs @75%", "max µs @75%"]),
    (90, ["p50 µs @90%", "p90 µs @90%", "p99 µs @90%", "p99.9 µs @90%", "max µs @90%"]),
];

/// Where p99 and p99.9 are in each of [`RATES`]' name lists.
pub const P99: usize = 2;
/// See [`P99`].
pub const P999: usize = 3;

/// The headline: the closed loop's throughput.
pub const THROUGHPUT: &str = "req/s";
/// The server's CPU time per request.
pub const SERVER_CPU: &str = "server CPU µs/req";
/// The server process's peak resident memory.
pub const PEAK_RSS: &str = "peak RSS MiB";

/// A phase fails past this (far beyond a healthy one at any size here).
const PHASE_LIMIT: Duration = Duration::from_secs(60);

/// The generator is called saturated past this share of its CPUs in the closed loop.
const SATURATED: f64 = 0.9;

/// Requests one run sends, for the runner's CPU time per element.
pub fn elements(params: &Params) -> u64 {
    params.get(CONNECTIONS.name) * params.get(REQUESTS.name)
        + RATES.len() as u64 * params.get(OPEN_REQUESTS.name)
}

/// A server written once against the contract, and the load it is put under.
pub trait Server: 'static {
    /// The scenario's name, for messages.
    const NAME: &'static str;

    /// What the server reports once every connection is closed.
    type Served: Send + 'static;

    /// The generator's job against the server's listeners (one per shard).
    fn job(params: &Params, addrs: Vec<SocketAddr>) -> Job;

    /// Accepts exactly `connections` connections on `listener`, serves each until the
    /// generator closes it, and reports what it did. On a per-core flavour each shard
    /// runs one, with its share of the job's connections.
    fn serve<R: Runtime>(
        listener: R::TcpListener,
        connections: usize,
        params: &Params,
    ) -> impl Future<Output = Result<Self::Served, ScenarioError>> + Send + 'static;

    /// How many requests the server answered.
    fn answered(served: &Self::Served) -> u64;
}

/// A job against `addrs`, each phase limited to [`PHASE_LIMIT`].
pub fn job(addrs: Vec<SocketAddr>, protocol: Protocol, connections: usize, load: Load) -> Job {
    Job { addrs, protocol, connections, load, phase_limit_ms: PHASE_LIMIT.as_millis() as u64 }
}

/// The rated job of `echo_server` and `http_server`: a closed loop, then open loops at
/// each of [`RATES`].
pub fn rated_job(params: &Params, protocol: Protocol, addrs: Vec<SocketAddr>) -> Job {
    let load = Load::Rated {
        closed_per_connection: params.get(REQUESTS.name),
        open_percents: RATES.iter().map(|(percent, _)| *percent).collect(),
        open_requests: params.get(OPEN_REQUESTS.name),
    };
    job(addrs, protocol, params.count(CONNECTIONS.name), load)
}

/// A server's run under load, checked: what the generator measured and what the server
/// reported.
pub struct Loaded<S: Server> {
    /// The job that ran.
    pub job: Job,
    /// What the generator measured, for the whole server.
    pub report: Report,
    /// What each shard's server reported, in shard order (one on flavours that do not
    /// shard).
    pub served: Vec<S::Served>,
    /// The server's CPU time over the whole load, milliseconds.
    pub server_cpu_ms: f64,
    /// Where the load came from.
    pub launcher: Launcher,
    /// Where the shards ran and what each answered; `None` with one shard.
    pub shards: Option<String>,
}

impl<S: Server> Loaded<S> {
    /// `outcome` with the note on the shards, when there were several.
    pub fn note_shards(&self, outcome: Outcome) -> Outcome {
        match &self.shards {
            Some(shards) => outcome.note(shards.clone()),
            None => outcome,
        }
    }
}

/// Runs server `S` on `runtime` under its job — one server per shard on per-core
/// flavours — and checks that every request was answered and checked by the generator,
/// that each shard answered exactly what was sent to its listener, and that the shards
/// together answered what the job sends. `connections` is the parameter that sets the
/// number of connections.
pub fn drive<R: Runtime, S: Server>(
    runtime: &R,
    params: &Params,
    connections: ParamSpec,
) -> Result<Loaded<S>, ScenarioError> {
    let launcher = Launcher::current();
    // The server's end of each connection, and the generator's too when it runs here.
    let per = if launcher == Launcher::InProcess { 2 } else { 1 };
    OpenFiles { scenario: S::NAME, param: connections, per }
        .ensure(params.get(connections.name))?;
    let total = params.count(connections.name);
    let (line, generator) = generator::start::<S>(launcher.clone(), params.clone());
    let params = params.clone();
    let runs = run_timed(runtime, move |shard| {
        serve_shard::<R, S>(shard, total, params.clone(), line.clone())
    });
    let cpu_after_ms = process_cpu_ms();
    let Generated { job, report, cpu_before_ms } = generator
        .join()
        .unwrap_or_else(|_| Err(ScenarioError::Check("the load generator's thread died".into())))?;
    let runs = outputs(runs)?;
    ScenarioError::ensure(job.connections == total && report.per_addr.len() == runs.len(), || {
        format!(
            "the job holds {} connections over {} listeners; the server expected {total} over {}",
            job.connections,
            report.per_addr.len(),
            runs.len()
        )
    })?;
    check_each(&runs, |run| {
        let (answered, sent) = (S::answered(&run.output), report.per_addr[run.shard.index]);
        ScenarioError::ensure(answered == sent, || {
            format!(
                "answered {answered} requests; the generator had {sent} answered on its listener"
            )
        })
    })?;
    let answered = runs.iter().map(|run| S::answered(&run.output)).sum();
    check(&job, &report, answered)?;
    let shards = placement_note(&runs).map(|placement| {
        let each: Vec<String> = report.per_addr.iter().map(u64::to_string).collect();
        format!("{placement}; requests answered per shard: {}", each.join(", "))
    });
    let cpu_ms = cpu_after_ms - cpu_before_ms;
    let server_cpu_ms = match launcher {
        Launcher::InProcess => cpu_ms - report.cpu_ms(),
        Launcher::Process { .. } => cpu_ms,
    };
    let served = runs.into_iter().map(|run| run.output).collect();
    Ok(Loaded { job, report, served, server_cpu_ms, launcher, shards })
}

/// One shard's server: binds its listener, tells the generator where it is, accepts its
/// share of the `total` connections and serves them until the generator closes them —
/// or stops at once if the generator fails.
async fn serve_shard<R: Runtime, S: Server>(
    shard: Shard,
    total: usize,
    params: Params,
    line: Line,
) -> Result<S::Served, ScenarioError> {
    let bound = async {
        let listener = R::tcp_bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let addr = listener.local_addr()?;
        Ok::<_, std::io::Error>((listener, addr))
    };
    let listener = match bound.await {
        Ok((listener, addr)) => {
            line.listening(shard, Ok(addr));
            listener
        }
        Err(error) => {
            line.listening(shard, Err(error.to_string()));
            return Err(error.into());
        }
    };
    let server = R::spawn(S::serve::<R>(listener, shard.share(total).len(), &params));
    match future::select(server, line.ended()).await {
        Either::Left((served, _)) => served?,
        Either::Right((End::Done, server)) => {
            within::<R, _>("the server's end", PHASE_LIMIT, async { server.await? }).await
        }
        Either::Right((End::Failed, server)) => {
            server.abort();
            Err(ScenarioError::Check("stopped: the load generator failed".into()))
        }
    }
}

/// Runs server `S` under its rated job and reports throughput and latency at load.
pub fn run<R: Runtime, S: Server>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
    let loaded = drive::<R, S>(runtime, params, CONNECTIONS)?;
    let outcome = outcome(&loaded.job, &loaded.report, loaded.server_cpu_ms, &loaded.launcher);
    Ok(loaded.note_shards(outcome))
}

/// Every request the job sends was answered and checked by the generator, and counted
/// by the server.
fn check(job: &Job, report: &Report, served: u64) -> Result<(), ScenarioError> {
    let (sent, checked) = (job.requests(), report.requests());
    ScenarioError::ensure(checked == sent && served == sent, || {
        format!("the job sends {sent} requests; the generator checked {checked}, the server answered {served}")
    })
}

fn outcome(job: &Job, report: &Report, server_cpu_ms: f64, launcher: &Launcher) -> Outcome {
    let mut outcome = Outcome::checked(format!(
        "{} requests over {} keep-alive connections, every response checked by the \
         generator and counted by the server",
        job.requests(),
        job.connections
    ))
    .metric(Metric::higher(THROUGHPUT, report.closed.rate))
    .metric(Metric::lower("closed-loop p50 µs", report.closed.latency.p50_us))
    .metric(Metric::lower("closed-loop p99 µs", report.closed.latency.p99_us));
    for ((_, names), open) in RATES.iter().zip(&report.open) {
        let latency = open.phase.latency;
        let values =
            [latency.p50_us, latency.p90_us, latency.p99_us, latency.p999_us, latency.max_us];
        for (name, value) in names.iter().zip(values) {
            outcome = outcome.metric(Metric::lower(name, value));
        }
    }
    let per_request_us = server_cpu_ms * 1e3 / job.requests().max(1) as f64;
    outcome = outcome
        .metric(Metric::lower(SERVER_CPU, per_request_us))
        .metric(Metric::lower(PEAK_RSS, peak_rss_kib() as f64 / 1024.0))
        .note(launcher.describe())
        .note("open-loop latencies are measured from each request's intended send time (wrk2's method)");
    let generator_cpus = match launcher {
        Launcher::Process { cpus, .. } if !cpus.is_empty() => cpus.len(),
        _ => thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let busy = report.closed.cpu_ms / report.closed.wall_ms.max(f64::MIN_POSITIVE);
    if busy >= SATURATED * generator_cpus as f64 {
        outcome = outcome.note(format!(
            "the generator was over {:.0} % busy on its CPU(s) in the closed loop: the \
             maximum may be the generator's rather than the server's",
            SATURATED * 100.0
        ));
    }
    outcome
}

/// `getrusage(RUSAGE_SELF)`: this whole process.
fn rusage() -> libc::rusage {
    // SAFETY: `getrusage` writes a `rusage` (plain integers, all-zero valid) we own.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    }
}

/// User plus system CPU time of this process so far, milliseconds.
fn process_cpu_ms() -> f64 {
    let usage = rusage();
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    ms(usage.ru_utime) + ms(usage.ru_stime)
}

/// This process's peak resident memory, KiB (Linux reports it so).
fn peak_rss_kib() -> u64 {
    rusage().ru_maxrss.max(0) as u64
}
