//! `tcp_echo` (W8-S1): the course's ping-pong protocol over loopback TCP.
//!
//! "The client sends a message to the server, which sends it back": a server task
//! accepts C connections and echoes whatever it reads on each (one task per
//! connection, until the client closes); C client tasks each do R round trips of S
//! bytes. It runs twice: with one client (the bare round-trip cost: reactor wake-ups,
//! no contention) and with C (the scheduler juggling many connections); both are
//! reported, the C-client figure first. Every task — server, connections, clients — runs on the runtime under test,
//! so what is measured is its reactor and scheduler, on 127.0.0.1 with an ephemeral
//! port. Each message is a pattern derived from (client, round), so a byte lost,
//! reordered or delivered to another client fails the check. The whole exchange runs
//! under a deadline: a dead peer is a failed check, never a hang.
//!
//! On a per-core flavour it shards: each shard binds its own listener (its own
//! ephemeral port: no `SO_REUSEPORT` needed, nor an acceptor handing connections out)
//! and runs its share of the clients against it, so client, server and connection tasks
//! of one shard stay on its executor. Each phase is one sharded run (the one-client
//! phase has one busy shard); its rate counts from the first shard's clients connecting
//! to the last shard's last reply, and each shard's echo and round trips are checked,
//! then the total. Elsewhere there is one shard with every client.
//!
//! Both ends of every connection are in this process, so C clients hold 2·C
//! descriptors at once: the open-file limit is checked (and raised where the process
//! may) before anything connects, and a limit too low is `n/a` with the numbers and a
//! fix, like `c10k` (see [`OpenFiles`]), rather than a connection reset halfway.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::Range;
use std::time::{Duration, Instant};

use rtbench_core::io::{TcpListener, TcpStream};
use rtbench_core::{
    Capability, Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError,
    ScenarioInfo, Sharding,
};

use crate::io_support::{
    echo, fill_pattern, first_mismatch, per_second, read_exact, within, Latencies, OpenFiles,
};
use crate::shards::{check_each, placement_note, run_timed};

/// 1, then C clients × R round trips of S bytes against an echo server, all on one
/// runtime.
pub struct TcpEcho;

/// How many clients connect at once in the concurrent phase.
const CLIENTS: ParamSpec = ParamSpec {
    name: "clients",
    help: "concurrent client connections",
    default: 100,
    quick: 20,
    test: 4,
    min: 1,
};

/// One phase of the scenario: how many clients, and the names its figures go by.
#[derive(Clone, Copy)]
struct Phase {
    clients: usize,
    rate: &'static str,
    p50: &'static str,
    p99: &'static str,
}

/// What one phase measured.
struct PhaseRun {
    elapsed: Duration,
    latencies: Latencies,
    /// Where its shards ran, if it had several.
    placement: Option<String>,
}

/// What one shard's exchange measured: from before its clients connected to their last
/// reply, and each round trip.
struct Exchange {
    start: Instant,
    end: Instant,
    latencies: Latencies,
}

impl Scenario for TcpEcho {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "tcp_echo",
        lesson: "W8-S1",
        summary: "1, then C clients each do R ping-pong round trips of S bytes with a \
                  loopback echo server; every echoed byte is checked",
        params: &[
            CLIENTS,
            ParamSpec {
                name: "rounds",
                help: "round trips per client",
                default: 1_000,
                quick: 200,
                test: 20,
                min: 1,
            },
            ParamSpec {
                name: "size",
                help: "bytes per message",
                default: 64,
                quick: 64,
                test: 300,
                min: 1,
            },
        ],
        requires: &[Capability::Tcp],
        elements: |params| (1 + params.get("clients")) * params.get("rounds"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let (clients, rounds, size) =
            (params.count("clients"), params.count("rounds"), params.count("size"));
        OpenFiles { scenario: Self::INFO.name, param: CLIENTS, per: 2 }
            .ensure(params.get("clients"))?;
        let single = Phase {
            clients: 1,
            rate: "1-client round trips/s",
            p50: "1-client latency p50 µs",
            p99: "1-client latency p99 µs",
        };
        let concurrent = Phase {
            clients,
            rate: "round trips/s",
            p50: "latency p50 µs",
            p99: "latency p99 µs",
        };
        let single_run = run_phase(runtime, &single, rounds, size)?;
        let concurrent_run = run_phase(runtime, &concurrent, rounds, size)?;
        let rate = |phase: &Phase, run: &PhaseRun| {
            let round_trips = (phase.clients * rounds) as u64;
            Metric::higher(phase.rate, per_second(round_trips, run.elapsed))
        };
        let percentiles = |phase: &Phase, run: &PhaseRun| {
            let [p50, p99] = run.latencies.percentile_metrics();
            [Metric { name: phase.p50, ..p50 }, Metric { name: phase.p99, ..p99 }]
        };
        let mut outcome = Outcome::checked(format!(
            "1 client, then {clients} clients × {rounds} round trips of {size} bytes, every \
             byte echoed intact"
        ));
        outcome.metrics.push(rate(&concurrent, &concurrent_run));
        outcome.metrics.push(rate(&single, &single_run));
        outcome.metrics.extend(percentiles(&concurrent, &concurrent_run));
        outcome.metrics.extend(percentiles(&single, &single_run));
        outcome.notes.extend(concurrent_run.placement);
        Ok(outcome.note("round trips/s counts from before the clients connect to the last reply"))
    }

    const SHARDING: Sharding = Sharding::Sharded;
}

/// Runs one phase, sharded, each shard's exchange under a deadline; checks every shard's
/// round trips were timed, then the total.
fn run_phase<R: Runtime>(
    runtime: &R,
    phase: &Phase,
    rounds: usize,
    size: usize,
) -> Result<PhaseRun, ScenarioError> {
    let clients = phase.clients;
    let runs = run_timed(runtime, move |shard| {
        let mine = shard.share(clients);
        // Far beyond any healthy run: 30 s, plus 1 ms per round trip.
        let limit = Duration::from_secs(30) + Duration::from_millis((mine.len() * rounds) as u64);
        async move {
            match mine.is_empty() {
                true => Ok(None),
                false => {
                    let exchange = exchange::<R>(mine, rounds, size);
                    within::<R, _>("the echo exchange", limit, exchange).await.map(Some)
                }
            }
        }
    });
    check_each(&runs, |run| {
        let exchange = run.output.as_ref().map_err(|e| ScenarioError::Check(e.to_string()))?;
        let timed = exchange.as_ref().map_or(0, |exchange| exchange.latencies.count());
        let expected = (run.shard.share(clients).len() * rounds) as u64;
        ScenarioError::ensure(timed == expected, || {
            format!("{clients} clients: {timed} round trips timed, expected {expected}")
        })
    })?;
    let exchanges: Vec<&Exchange> =
        runs.iter().filter_map(|run| run.output.as_ref().expect("checked above").as_ref()).collect();
    let mut latencies = Latencies::default();
    for exchange in &exchanges {
        latencies.merge(&exchange.latencies);
    }
    let round_trips = (clients * rounds) as u64;
    ScenarioError::ensure(latencies.count() == round_trips, || {
        format!("{clients} clients: {} round trips timed, expected {round_trips}", latencies.count())
    })?;
    let start = exchanges.iter().map(|exchange| exchange.start).min();
    let end = exchanges.iter().map(|exchange| exchange.end).max();
    let elapsed = match (start, end) {
        (Some(start), Some(end)) => end.saturating_duration_since(start),
        _ => Duration::ZERO,
    };
    Ok(PhaseRun { elapsed, latencies, placement: placement_note(&runs) })
}

/// Starts the server, runs the clients numbered `clients`, and checks the server echoed
/// exactly what was sent.
async fn exchange<R: Runtime>(
    clients: Range<usize>,
    rounds: usize,
    size: usize,
) -> Result<Exchange, ScenarioError> {
    let listener = R::tcp_bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let addr = listener.local_addr()?;
    let server = R::spawn(serve::<R>(listener, clients.len(), size));
    let start = Instant::now();
    let handles: Vec<_> = clients
        .clone()
        .map(|client| R::spawn(ping_pong::<R>(addr, client, rounds, size)))
        .collect();
    let mut latencies = Latencies::default();
    for handle in handles {
        latencies.merge(&handle.await??);
    }
    let end = Instant::now();
    let echoed = server.await??;
    let sent = (clients.len() * rounds * size) as u64;
    ScenarioError::ensure(echoed == sent, || {
        format!("the server echoed {echoed} bytes, the clients sent {sent}")
    })?;
    Ok(Exchange { start, end, latencies })
}

/// Accepts exactly `connections` connections, echoes each in its own task (reading at
/// most one `size`-byte message at a time), and returns the total number of bytes
/// echoed once every client has closed.
async fn serve<R: Runtime>(
    listener: R::TcpListener,
    connections: usize,
    size: usize,
) -> io::Result<u64> {
    let mut handles = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (stream, _peer) = listener.accept().await?;
        handles.push(R::spawn(echo(stream, Vec::with_capacity(size))));
    }
    let mut echoed = 0;
    for handle in handles {
        echoed += handle.await.map_err(io::Error::other)??;
    }
    Ok(echoed)
}

/// One client: `rounds` round trips of `size` bytes, each timed and checked.
async fn ping_pong<R: Runtime>(
    addr: SocketAddr,
    client: usize,
    rounds: usize,
    size: usize,
) -> Result<Latencies, ScenarioError> {
    let mut stream = R::tcp_connect(addr).await?;
    let (mut message, mut reply) = (vec![0; size], Vec::with_capacity(size));
    let mut latencies = Latencies::default();
    for round in 0..rounds {
        let seed = (client as u64) << 32 | round as u64;
        fill_pattern(seed, &mut message);
        let sent = Instant::now();
        let (written, back) = stream.write_all(message).await;
        message = back;
        written?;
        let (read, back) = read_exact(&mut stream, reply, size).await;
        reply = back;
        read?;
        latencies.record(sent.elapsed());
        if let Some(offset) = first_mismatch(seed, &reply) {
            return Err(ScenarioError::Check(format!(
                "client {client}, round {round}: echoed byte {offset} differs from what was sent"
            )));
        }
    }
    stream.shutdown().await?;
    Ok(latencies)
}
