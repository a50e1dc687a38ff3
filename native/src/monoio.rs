//! monoio's twins, as monoio's examples write them: `monoio::spawn` and its
//! `JoinHandle` (awaited, or dropped: it detaches), and the runtime's `block_on` driving
//! the root — on the adapter's runtime ([`Monoio::native`]). The workloads are
//! [`crate::local`]'s; `yield_many` has no twin (see [`NO_NATIVE_YIELD`]).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use monoio::io::{AsyncReadRent, AsyncWriteRentExt};

use rtbench_adapters::monoio::Monoio;

use crate::local::{self, LocalTwins, ThroughAdapter};
use crate::tcp::owned::{self, OwnedTcp};
use crate::tcp::LOOPBACK;
use crate::{Semantic, Twin, Twins, Workload};

/// Why `yield_many` has no monoio twin.
pub const NO_NATIVE_YIELD: &str = "monoio has no yield of its own, and re-polls a task woken \
     during its poll at once (front of its queue): the usual yield lets no other task run";

impl LocalTwins for Monoio {
    fn spawn_native<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        monoio::spawn(future)
    }

    fn spawn_detached<F>(future: F)
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        drop(monoio::spawn(future));
    }

    fn run_native<F: Future>(&self, root: F) -> F::Output {
        self.native().block_on(root)
    }
}

impl Twins for Monoio {
    // No "catching panics" line: the adapter's task catches a panic without widening
    // the task's output (out of band, see `abortable`), so the line over the native
    // spawn would measure a cost the contract does not pay.
    const SEMANTICS: &'static [Semantic<Self>] = &[
        Semantic {
            name: "abort, with panics caught (the adapter's task and handle)",
            workload: Workload::SpawnMany,
            twin: local::spawn_many_through_adapter,
        },
        Semantic {
            name: "abort, with panics caught (the adapter's task and handle)",
            workload: Workload::ChainedSpawn,
            twin: local::chained_spawn_with::<Self, ThroughAdapter<Self>>,
        },
    ];

    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str> {
        local::twin(workload, Err(NO_NATIVE_YIELD), Ok(owned::round_trip))
    }
}

/// monoio's own `net` on io_uring, with its owned-buffer `read` and `write_all`.
impl OwnedTcp for Monoio {
    type Listener = monoio::net::TcpListener;
    type Stream = monoio::net::TcpStream;

    async fn bind() -> io::Result<(Self::Listener, SocketAddr)> {
        let listener = monoio::net::TcpListener::bind(LOOPBACK)?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = monoio::net::TcpStream::connect_addr(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn read(stream: &mut Self::Stream, mut buf: Vec<u8>) -> (io::Result<usize>, Vec<u8>) {
        buf.clear();
        stream.read(buf).await
    }

    async fn write_all(stream: &mut Self::Stream, buf: Vec<u8>) -> (io::Result<()>, Vec<u8>) {
        let (written, buf) = stream.write_all(buf).await;
        (written.map(drop), buf)
    }

    fn native_sleep(duration: Duration) -> impl Future<Output = ()> {
        monoio::time::sleep(duration)
    }
}
