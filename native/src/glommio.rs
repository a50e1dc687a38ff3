//! glommio's twins, as glommio's documentation writes them: `glommio::spawn_local` and
//! its `Task` (awaited, or `detach`ed), `ExecutorProxy::yield_now`, and the
//! `LocalExecutor`'s `run` driving the root — on the adapter's executor
//! ([`Glommio::native`]). The workloads are [`crate::local`]'s.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use rtbench_adapters::glommio::Glommio;
use rtbench_core::{JoinError, Outcome, Params, ScenarioError};
use rtbench_scenarios::measure::timed;
use rtbench_scenarios::spawn_many::Spawned;
use rtbench_scenarios::tcp_round_trip;

use crate::local::{self, LocalTwins};
use crate::tcp::{self, NativeTcp, LOOPBACK};
use crate::{Semantic, Twin, Twins, Workload};

impl LocalTwins for Glommio {
    fn spawn_native<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        glommio::spawn_local(future)
    }

    fn spawn_detached<F>(future: F)
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        glommio::spawn_local(future).detach();
    }

    fn run_native<F: Future>(&self, root: F) -> F::Output {
        self.native().run(root)
    }
}

impl Twins for Glommio {
    const SEMANTICS: &'static [Semantic<Self>] = &[
        local::catching_panics(Workload::SpawnMany),
        local::catching_panics(Workload::ChainedSpawn),
        Semantic {
            name: "drop = detach (a detached task's JoinHandle)",
            workload: Workload::SpawnMany,
            twin: |runtime, params| {
                let spawned = Spawned::new(params);
                let spawn = |body| glommio::spawn_local(body).detach();
                let join = |joined: Option<usize>| joined.ok_or(JoinError::Cancelled);
                local::spawn_many_with(runtime, &spawned, spawned.bodies(), spawn, join)
            },
        },
    ];

    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str> {
        local::twin(
            workload,
            Ok(|runtime, params| {
                local::yield_many(runtime, params, || async {
                    glommio::executor().yield_now().await
                })
            }),
            Ok(tcp_round_trip),
        )
    }
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
