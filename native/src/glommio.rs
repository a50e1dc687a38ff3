//! glommio's twins, as glommio's documentation writes them: `glommio::spawn_local` and
//! its `Task` (awaited, or `detach`ed), `ExecutorProxy::yield_now`, and the
//! `LocalExecutor`'s `run` driving the root — on the adapter's executor
//! ([`Glommio::native`]).

use std::io;
use std::net::SocketAddr;

use rtbench_adapters::glommio::Glommio;
use rtbench_core::{Outcome, Params, Runtime, ScenarioError};
use rtbench_scenarios::chained_spawn::{self, Link};
use rtbench_scenarios::measure::timed;
use rtbench_scenarios::spawn_many::Spawned;
use rtbench_scenarios::{ping_pong, tcp_round_trip, yield_many};

use crate::tcp::{self, NativeTcp, LOOPBACK};
use crate::{Twin, Twins, Workload};

impl Twins for Glommio {
    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str> {
        Ok(match workload {
            Workload::SpawnMany => spawn_many,
            Workload::YieldMany => yield_many,
            Workload::PingPong => ping_pong,
            Workload::ChainedSpawn => chained_spawn,
            Workload::TcpRoundTrip => tcp_round_trip,
        })
    }
}

fn spawn_many(runtime: &Glommio, params: &Params) -> Result<Outcome, ScenarioError> {
    let spawned = Spawned::new(params);
    let bodies = spawned.bodies();
    let (index_sum, elapsed) = runtime.native().run(timed(async move {
        let handles: Vec<_> = bodies.map(glommio::spawn_local).collect();
        let mut index_sum = 0;
        for handle in handles {
            index_sum += handle.await;
        }
        index_sum
    }));
    spawned.outcome(index_sum, elapsed)
}

fn yield_many(runtime: &Glommio, params: &Params) -> Result<Outcome, ScenarioError> {
    let (tasks, yields) = (params.get("tasks"), params.get("yields"));
    let (tallies, elapsed) = runtime.native().run(timed(async move {
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                glommio::spawn_local(yield_many::yielder(yields, || async {
                    glommio::executor().yield_now().await
                }))
            })
            .collect();
        let mut tallies = Vec::with_capacity(handles.len());
        for handle in handles {
            tallies.push(handle.await);
        }
        tallies
    }));
    yield_many::outcome(Glommio::INFO.class, yields, &tallies, elapsed)
}

fn ping_pong(runtime: &Glommio, params: &Params) -> Result<Outcome, ScenarioError> {
    let rounds = params.get("rounds");
    let (finals, elapsed) = runtime.native().run(timed(async move {
        let (server, returner) = ping_pong::players(rounds);
        let (server, returner) = (glommio::spawn_local(server), glommio::spawn_local(returner));
        (server.await, returner.await)
    }));
    ping_pong::outcome(rounds, finals, elapsed)
}

fn chained_spawn(runtime: &Glommio, params: &Params) -> Result<Outcome, ScenarioError> {
    let depth = params.get("depth");
    let (reached, elapsed) = runtime.native().run(timed(async move {
        let (first, reached) = chained_spawn::chain(depth);
        hop(first);
        reached.recv().await
    }));
    chained_spawn::outcome(depth, reached, elapsed)
}

fn tcp_round_trip(runtime: &Glommio, params: &Params) -> Result<Outcome, ScenarioError> {
    let (rounds, size) = (params.get("rounds"), params.count("size"));
    let exchange = async move {
        let (listener, addr) = GlommioNet.bind().await?;
        let server = glommio::spawn_local(tcp::serve::<GlommioNet>(listener, size));
        tcp::client(&GlommioNet, addr, rounds, size).await?;
        Ok::<_, ScenarioError>(server.await?)
    };
    let (echoed, elapsed) =
        runtime.native().run(timed(tcp::within(rounds, exchange, glommio::timer::sleep)));
    tcp_round_trip::outcome(rounds, size, echoed, elapsed)
}

/// glommio's own `net` (io_uring).
struct GlommioNet;

impl NativeTcp for GlommioNet {
    type Listener = glommio::net::TcpListener;
    type Stream = glommio::net::TcpStream;

    async fn bind(&self) -> io::Result<(Self::Listener, SocketAddr)> {
        let listener = glommio::net::TcpListener::bind(LOOPBACK)?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        let stream = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(&self, addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = glommio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

/// One link of the chain: the next one in a detached task.
fn hop(link: Link) {
    if let Some(next) = link.next() {
        glommio::spawn_local(async move { hop(next) }).detach();
    }
}
