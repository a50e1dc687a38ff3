//! compio's twins, as compio's examples write them: `compio::runtime::spawn` and its
//! `JoinHandle` (awaited and unwrapped — it returns the task's panic as an error — or
//! `detach`ed), and the runtime's `block_on` driving the root — on the adapter's
//! runtime ([`Compio::native`]). compio has no public `yield_now`; its users write
//! `futures_lite::future::yield_now` (wake, `Pending` once; compio queues a self-woken
//! task behind the ready ones), as the adapter's does. The workloads are
//! [`crate::local`]'s.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use compio::buf::BufResult;
use compio::io::{AsyncRead, AsyncWriteExt};

use rtbench_adapters::compio::Compio;
use rtbench_core::{JoinError, Runtime};
use rtbench_scenarios::ping_pong::Last;
use rtbench_scenarios::yield_many::Tally;

use crate::local::{self, LocalTwins, Root};
use crate::tcp::owned::{self, OwnedTcp};
use crate::tcp::LOOPBACK;
use crate::{Semantic, Twin, Twins, Workload};

impl LocalTwins for Compio {
    fn spawn_native<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let handle = compio::runtime::spawn(future);
        async move { handle.await.unwrap_or_else(|error| panic!("compio task: {error}")) }
    }

    fn spawn_detached<F>(future: F)
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        compio::runtime::spawn(future).detach();
    }

    fn run_native<F: Future>(&self, root: F) -> F::Output {
        self.native().block_on(root)
    }
}

impl Twins for Compio {
    const SEMANTICS: &'static [Semantic<Self>] = &[
        Semantic {
            name: "abort, drop = detach, panics caught (the adapter's task and handle)",
            workload: Workload::SpawnMany,
            twin: local::spawn_many_through_adapter,
        },
        Semantic {
            name: "abort, drop = detach, panics caught (the adapter's task and handle)",
            workload: Workload::YieldMany,
            twin: |runtime, params| {
                let bodies = local::yielders(params, futures_lite::future::yield_now);
                let join = |joined: Result<Tally, JoinError>| joined;
                local::yield_many_with(runtime, params, bodies, Compio::spawn_local, join)
            },
        },
        Semantic {
            name: "abort, drop = detach, panics caught (the adapter's task and handle)",
            workload: Workload::PingPong,
            twin: |runtime, params| {
                let join = |joined: Result<Last, JoinError>| joined;
                local::ping_pong_with(runtime, params, Compio::spawn_local, join, Root::Native)
            },
        },
        // compio polls its root on every turn of its loop (twice a round trip here), so
        // the catch around each poll shows.
        Semantic {
            name: "a panic in the root caught inside block_on (the adapter's block_on)",
            workload: Workload::PingPong,
            twin: |runtime, params| {
                let spawn = Compio::spawn_native;
                local::ping_pong_with(runtime, params, spawn, Ok, Root::CatchingPanics)
            },
        },
    ];

    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str> {
        local::twin(
            workload,
            Ok(|runtime, params| {
                local::yield_many(runtime, params, futures_lite::future::yield_now)
            }),
            Ok(owned::round_trip),
        )
    }
}

/// compio's own `net` on io_uring, with its owned-buffer `read` and `write_all`.
impl OwnedTcp for Compio {
    type Listener = compio::net::TcpListener;
    type Stream = compio::net::TcpStream;

    async fn bind() -> io::Result<(Self::Listener, SocketAddr)> {
        let listener = compio::net::TcpListener::bind(LOOPBACK).await?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = compio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn read(stream: &mut Self::Stream, mut buf: Vec<u8>) -> (io::Result<usize>, Vec<u8>) {
        // compio appends after the buffer's length: from empty, it replaces the contents.
        buf.clear();
        let BufResult(read, buf) = stream.read(buf).await;
        (read, buf)
    }

    async fn write_all(stream: &mut Self::Stream, buf: Vec<u8>) -> (io::Result<()>, Vec<u8>) {
        let BufResult(written, buf) = stream.write_all(buf).await;
        (written, buf)
    }

    fn native_sleep(duration: Duration) -> impl Future<Output = ()> {
        compio::time::sleep(duration)
    }
}
