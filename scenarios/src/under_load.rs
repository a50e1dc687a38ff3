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
//! where there is one) and hands its report over a oneshot channel: the scenario needs
//! nothing from the runtime but TCP, so every flavour with TCP runs it.
//!
//! Metrics: the closed loop's requests/s (headline) and latencies; p50, p90, p99, p99.9
//! and max at each offered rate; the server's CPU time per request (this process's
//! `getrusage` over the whole load, less the generator's own threads when they ran
//! here); the process's peak RSS.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::thread;
use std::time::Duration;

use rtbench_core::io::TcpListener;
use rtbench_core::{Abort, Metric, Outcome, ParamSpec, Params, Runtime, ScenarioError};
use rtbench_loadgen::{Job, Launcher, Load, Protocol, Report};

use crate::io_support::{within, OpenFiles};

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
    quick: 500,
    test: 50,
    min: 1,
};

/// Requests sent at each open-loop rate.
pub const OPEN_REQUESTS: ParamSpec = ParamSpec {
    name: "open_requests",
    help: "open loop: requests sent at each offered rate",
    default: 20_000,
    quick: 2_000,
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
pub trait Server {
    /// The scenario's name, for messages.
    const NAME: &'static str;

    /// What the server reports once every connection is closed.
    type Served: Send + 'static;

    /// The generator's job against `addr`.
    fn job(params: &Params, addr: SocketAddr) -> Job;

    /// Accepts exactly `connections` connections on `listener`, serves each until the
    /// generator closes it, and reports what it did.
    fn serve<R: Runtime>(
        listener: R::TcpListener,
        connections: usize,
        params: &Params,
    ) -> impl Future<Output = Result<Self::Served, ScenarioError>> + Send + 'static;

    /// How many requests the server answered.
    fn answered(served: &Self::Served) -> u64;
}

/// A job against `addr`, each phase limited to [`PHASE_LIMIT`].
pub fn job(addr: SocketAddr, protocol: Protocol, connections: usize, load: Load) -> Job {
    Job { addr, protocol, connections, load, phase_limit_ms: PHASE_LIMIT.as_millis() as u64 }
}

/// The rated job of `echo_server` and `http_server`: a closed loop, then open loops at
/// each of [`RATES`].
pub fn rated_job(params: &Params, protocol: Protocol, addr: SocketAddr) -> Job {
    let load = Load::Rated {
        closed_per_connection: params.get(REQUESTS.name),
        open_percents: RATES.iter().map(|(percent, _)| *percent).collect(),
        open_requests: params.get(OPEN_REQUESTS.name),
    };
    job(addr, protocol, params.count(CONNECTIONS.name), load)
}

/// A server's run under load, checked: what the generator measured and what the server
/// reported.
pub struct Loaded<S: Server> {
    /// The job that ran.
    pub job: Job,
    /// What the generator measured.
    pub report: Report,
    /// What the server reported.
    pub served: S::Served,
    /// The server's CPU time over the whole load, milliseconds.
    pub server_cpu_ms: f64,
    /// Where the load came from.
    pub launcher: Launcher,
}

/// Runs server `S` on `runtime` under its job, and checks that every request was
/// answered, checked by the generator and counted by the server. `connections` is the
/// parameter that sets the number of connections (for the open-file check).
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
    let (params, generator) = (params.clone(), launcher.clone());
    let (report, served, cpu_ms, job) = runtime.run(async move {
        let listener = R::tcp_bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let job = S::job(&params, listener.local_addr()?);
        let server = R::spawn(S::serve::<R>(listener, job.connections, &params));
        let before = process_cpu_ms();
        let report = match generate(generator, job.clone()).await {
            Ok(report) => report,
            Err(error) => {
                server.abort();
                return Err(error);
            }
        };
        let served =
            within::<R, _>("the server's end", PHASE_LIMIT, async { server.await? }).await?;
        Ok::<_, ScenarioError>((report, served, process_cpu_ms() - before, job))
    })?;
    check(&job, &report, S::answered(&served))?;
    let server_cpu_ms = match launcher {
        Launcher::InProcess => cpu_ms - report.cpu_ms(),
        Launcher::Process { .. } => cpu_ms,
    };
    Ok(Loaded { job, report, served, server_cpu_ms, launcher })
}

/// Runs server `S` under its rated job and reports throughput and latency at load.
pub fn run<R: Runtime, S: Server>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
    let loaded = drive::<R, S>(runtime, params, CONNECTIONS)?;
    Ok(outcome(&loaded.job, &loaded.report, loaded.server_cpu_ms, &loaded.launcher))
}

/// Runs `job` with `launcher` on a thread of its own, and waits for it without blocking
/// the runtime.
async fn generate(launcher: Launcher, job: Job) -> Result<Report, ScenarioError> {
    let (sender, receiver) = futures::channel::oneshot::channel();
    thread::Builder::new()
        .name("rtbench-loadgen".into())
        .spawn(move || sender.send(launcher.run(&job)))
        .map_err(ScenarioError::Io)?;
    match receiver.await {
        Ok(Ok(report)) => Ok(report),
        Ok(Err(error)) => Err(ScenarioError::Check(format!("load generator: {error}"))),
        Err(_) => Err(ScenarioError::Check("the load generator's thread died".into())),
    }
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
