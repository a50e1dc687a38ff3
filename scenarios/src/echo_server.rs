//! `echo_server` (W8-S1, the motivating network service): the course's ping-pong echo
//! server on the runtime under test, loaded by the fixed generator of
//! `rtbench-loadgen` from outside (see [`crate::under_load`]).
//!
//! The server is `tcp_echo`'s, one task per connection; only the clients moved out of
//! the runtime. Each message is S bytes that name the connection and the request, and
//! the generator checks every echo byte for byte. On a per-core flavour each shard runs
//! its own server on its own port and the generator spreads the connections over them
//! (see [`crate::under_load`]): the many-connection echo where the clients, in their own
//! process on their own CPUs, are not the server's bottleneck.

use std::future::Future;
use std::net::SocketAddr;

use rtbench_core::io::TcpListener;
use rtbench_core::{
    Capability, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo,
    Sharding,
};
use rtbench_loadgen::{Job, Protocol};

use crate::under_load::{self, Server, CONNECTIONS, OPEN_REQUESTS, REQUESTS};

/// An echo server under closed- and open-loop load.
pub struct EchoServer;

/// Bytes per message.
const SIZE: ParamSpec =
    ParamSpec { name: "size", help: "bytes per message", default: 64, quick: 64, test: 300, min: 1 };

impl Scenario for EchoServer {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "echo_server",
        lesson: "W8-S1",
        summary: "a ping-pong echo server on the runtime, loaded by a separate generator \
                  process: closed-loop req/s, open-loop latency at 25-90 % of it; every \
                  echo checked",
        params: &[CONNECTIONS, REQUESTS, OPEN_REQUESTS, SIZE],
        requires: &[Capability::Tcp],
        elements: under_load::elements,
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        under_load::run::<R, Self>(runtime, params)
    }

    const SHARDING: Sharding = Sharding::Sharded;
}

impl Server for EchoServer {
    const NAME: &'static str = Self::INFO.name;

    type Served = u64;

    fn job(params: &Params, addrs: Vec<SocketAddr>) -> Job {
        under_load::rated_job(params, Protocol::Echo { size: params.count(SIZE.name) }, addrs)
    }

    fn answered(served: &u64) -> u64 {
        *served
    }

    fn serve<R: Runtime>(
        listener: R::TcpListener,
        connections: usize,
        params: &Params,
    ) -> impl Future<Output = Result<u64, ScenarioError>> + Send + 'static {
        let size = params.get(SIZE.name);
        async move {
        let mut handles = Vec::with_capacity(connections);
        for _ in 0..connections {
            let (stream, _peer) = listener.accept().await?;
            handles.push(R::spawn(crate::io_support::echo(stream, Vec::with_capacity(size as usize))));
        }
        let mut echoed = 0;
        for handle in handles {
            echoed += handle.await??;
        }
        ScenarioError::ensure(echoed % size == 0, || {
            format!("the server echoed {echoed} bytes, not a whole number of {size}-byte messages")
        })?;
        Ok(echoed / size)
        }
    }
}
