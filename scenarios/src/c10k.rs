//! `c10k` (W8-S1: while a request waits for its answer "le processeur ne fait rien", so
//! one thread can hold many of them): C TCP connections (default 10 000) opened on
//! loopback and held open at the same time, each pinging an echo server P times at a
//! fixed interval.
//!
//! Client and server live in this one process, so every connection costs two sockets,
//! two tasks and two buffers; `bytes/conn` is the RSS growth (see [`crate::scale`])
//! once all C connections are open, divided by C, both ends included. Connects are paced
//! (at most [`HANDSHAKE_WINDOW`] not yet accepted) so that the listener's accept queue
//! never overflows: an overflow drops SYNs, and the kernel's 1 s retransmission would
//! then be measured instead of the runtime.
//!
//! The process needs two file descriptors per connection: before anything starts the
//! open-file limit is raised where the process may, and if it stays too low the scenario
//! is `n/a` with the numbers (needed, soft, hard) rather than failing halfway (see
//! [`OpenFiles`]).
//!
//! Checks: every ping is answered with its own payload, every connection was open at
//! the same time, and the server echoed exactly C·P pings.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use event_listener::Event;
use hdrhistogram::Histogram;
use rtbench_core::io::{TcpListener, TcpStream};
use rtbench_core::{
    Capability, Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError,
    ScenarioInfo,
};

use crate::io_support::{echo, read_exact, OpenFiles};
use crate::scale::{resident_bytes, wait_until};

/// Holds C loopback connections open, each pinging periodically.
pub struct C10k;

/// Bytes in a ping (a `u64`: connection and round).
const PING: usize = 8;

/// Connects started but not yet accepted, at most.
pub const HANDSHAKE_WINDOW: usize = 64;

/// How many connections are open at once.
const CONNECTIONS: ParamSpec = ParamSpec {
    name: "connections",
    help: "TCP connections open at the same time",
    default: 10_000,
    quick: 5_000,
    test: 50,
    min: 1,
};

/// The clients' shared state: how many are connected, and the gate that starts pings.
#[derive(Default)]
struct Clients {
    connected: AtomicUsize,
    all_connected: Event,
    go: AtomicBool,
    started: Event,
}

/// What one client measured: the round-trip time of each ping, in microseconds.
type Latencies = Vec<u64>;

impl Scenario for C10k {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "c10k",
        lesson: "W8-S1",
        summary: "C loopback TCP connections held open at once, each pinging an echo server \
                  periodically; every ping answered; bytes per connection and latency p99",
        params: &[
            CONNECTIONS,
            ParamSpec {
                name: "pings",
                help: "pings per connection",
                default: 5,
                quick: 2,
                test: 2,
                min: 1,
            },
            ParamSpec {
                name: "interval_ms",
                help: "pause between a connection's pings, in ms",
                default: 20,
                quick: 10,
                test: 1,
                min: 0,
            },
        ],
        requires: &[Capability::Tcp],
        elements: |params| params.get("connections") * params.get("pings"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let connections = params.count("connections");
        let pings = params.count("pings");
        let interval = params.millis("interval_ms");
        OpenFiles { scenario: Self::INFO.name, param: CONNECTIONS, per: 2 }
            .ensure(params.get("connections"))?;
        let (rss_before, rss_open, echoed, latencies) = runtime.run(async move {
            let rss_before = resident_bytes()?;
            let listener = R::tcp_bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
            let addr = listener.local_addr()?;
            let (tokens, handshakes) = async_channel::bounded(HANDSHAKE_WINDOW);
            for _ in 0..HANDSHAKE_WINDOW {
                tokens.try_send(()).expect("the window has room for its own tokens");
            }
            let server = R::spawn(serve::<R>(listener, connections, tokens));
            let clients = Arc::new(Clients::default());
            let handles: Vec<_> = (0..connections)
                .map(|index| {
                    let client = Client { index, pings, interval, clients: Arc::clone(&clients) };
                    R::spawn(client.run::<R>(addr, handshakes.clone(), connections))
                })
                .collect();
            wait_until(&clients.all_connected, || {
                clients.connected.load(Ordering::Acquire) == connections
            })
            .await;
            let rss_open = resident_bytes()?;
            clients.go.store(true, Ordering::Release);
            clients.started.notify(usize::MAX);
            let mut latencies = Histogram::<u64>::new(3).expect("3 significant digits is valid");
            for handle in handles {
                for micros in handle.await?? {
                    latencies.record(micros.max(1)).expect("auto-resizing histogram");
                }
            }
            let echoed = server.await??;
            Ok::<_, ScenarioError>((rss_before, rss_open, echoed, latencies))
        })?;
        let expected = connections * pings;
        let answered = latencies.len() as usize;
        ScenarioError::ensure(answered == expected, || {
            format!("{answered} pings answered, expected {expected}")
        })?;
        ScenarioError::ensure(echoed == expected, || {
            format!("the server echoed {echoed} pings, expected {expected}")
        })?;
        let bytes_per_connection =
            rss_open.saturating_sub(rss_before) as f64 / connections.max(1) as f64;
        Ok(Outcome::checked(format!(
            "{connections} connections were open at once and each of their {pings} pings \
             came back intact"
        ))
        .metric(Metric::lower("bytes/conn", bytes_per_connection))
        .metric(Metric::lower("us p99", latencies.value_at_quantile(0.99) as f64))
        .metric(Metric::lower("us p50", latencies.value_at_quantile(0.5) as f64))
        .note("bytes/conn counts both ends (client and server) of each loopback connection"))
    }
}

/// Accepts `connections` connections, one echo task each (reading at most one ping at a
/// time); returns how many pings the echo tasks answered in total. Each accept hands a
/// handshake token back to the clients.
async fn serve<R: Runtime>(
    listener: R::TcpListener,
    connections: usize,
    tokens: async_channel::Sender<()>,
) -> Result<usize, ScenarioError> {
    let mut echoes = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (stream, _) = listener.accept().await?;
        let _ = tokens.try_send(());
        echoes.push(R::spawn(echo(stream, Vec::with_capacity(PING))));
    }
    let mut echoed = 0;
    for echo in echoes {
        echoed += echo.await??;
    }
    ScenarioError::ensure(echoed % PING as u64 == 0, || {
        format!("the server echoed {echoed} bytes, not a whole number of {PING}-byte pings")
    })?;
    Ok((echoed / PING as u64) as usize)
}

/// One connection's life: connect, wait for every other connection, ping, close.
struct Client {
    index: usize,
    pings: usize,
    interval: Duration,
    clients: Arc<Clients>,
}

impl Client {
    async fn run<R: Runtime>(
        self,
        addr: SocketAddr,
        handshakes: async_channel::Receiver<()>,
        connections: usize,
    ) -> Result<Latencies, ScenarioError> {
        handshakes.recv().await.map_err(|_| {
            ScenarioError::Check("the server stopped accepting before every client connected".into())
        })?;
        let mut stream = R::tcp_connect(addr).await?;
        let clients = &self.clients;
        if clients.connected.fetch_add(1, Ordering::AcqRel) + 1 == connections {
            clients.all_connected.notify(usize::MAX);
        }
        wait_until(&clients.started, || clients.go.load(Ordering::Acquire)).await;
        // Spread the connections' pings over the interval rather than pinging in bursts.
        let interval_us = self.interval.as_micros().max(1) as u64;
        R::sleep(Duration::from_micros((self.index as u64 * 7919) % interval_us)).await;
        let mut latencies = Vec::with_capacity(self.pings);
        let (mut ping, mut reply) = (Vec::with_capacity(PING), Vec::with_capacity(PING));
        for round in 0..self.pings {
            if round > 0 {
                R::sleep(self.interval).await;
            }
            let payload = ((self.index as u64) << 32 | round as u64).to_le_bytes();
            ping.clear();
            ping.extend_from_slice(&payload);
            let start = Instant::now();
            let (written, back) = stream.write_all(ping).await;
            ping = back;
            written?;
            let (read, back) = read_exact(&mut stream, reply, PING).await;
            reply = back;
            read?;
            latencies.push(start.elapsed().as_micros() as u64);
            ScenarioError::ensure(reply == payload, || {
                format!("connection {} got {reply:?} back for ping {payload:?}", self.index)
            })?;
        }
        stream.shutdown().await?;
        Ok(latencies)
    }
}
