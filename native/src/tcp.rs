//! The TCP round trip's two tasks written once over futures-io — the read and write of
//! every runtime here except tokio (async-net under smol, `futures` and
//! async-global-executor; async-std's own `net`; glommio's `net`; the reference
//! reactor's socket) — with each runtime's own listener and stream behind [`NativeTcp`].
//! tokio's twin writes the same two tasks on tokio's own traits.
//!
//! Both ends turn Nagle's algorithm off, as the adapters do (a round trip of small
//! messages would otherwise wait for delayed ACKs), send and check exactly the
//! scenario's messages ([`tcp_round_trip::seed`], [`tcp_round_trip::check_reply`]), and
//! run under the scenario's deadline ([`within`]) on the runtime's own timer: the
//! scenario's `Runtime::timeout` keeps a timer pending through the exchange, which every
//! turn of the runtime's loop pays for, so a twin without one would do less.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use futures::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use rtbench_core::ScenarioError;
use rtbench_scenarios::io_support::{fill_pattern, stalled};
use rtbench_scenarios::tcp_round_trip;

/// Where the listener binds: loopback, an ephemeral port.
pub const LOOPBACK: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// A runtime's own TCP listener and stream, by what the round trip uses.
pub trait NativeTcp {
    /// Its listener.
    type Listener: 'static;
    /// Its connection.
    type Stream: AsyncRead + AsyncWrite + Unpin + 'static;

    /// Binds [`LOOPBACK`]; gives the listener and its address.
    fn bind(&self) -> impl Future<Output = io::Result<(Self::Listener, SocketAddr)>>;
    /// Accepts one connection, Nagle's algorithm off.
    fn accept(listener: &Self::Listener) -> impl Future<Output = io::Result<Self::Stream>>;
    /// Connects to `addr`, Nagle's algorithm off.
    fn connect(&self, addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>>;
}

/// Runs the round trips' `exchange` under the scenario's deadline for `rounds`, given
/// the runtime's own `sleep` of that length (the future wins ties, as in the contract).
pub async fn within<T, S: Future>(
    rounds: u64,
    exchange: impl Future<Output = Result<T, ScenarioError>>,
    sleep: impl FnOnce(std::time::Duration) -> S,
) -> Result<T, ScenarioError> {
    let limit = tcp_round_trip::deadline(rounds);
    let deadline = sleep(limit);
    futures_lite::future::or(exchange, async move {
        deadline.await;
        Err(stalled(tcp_round_trip::WHAT, limit))
    })
    .await
}

/// The server task: accepts one connection and echoes it until the client closes, in
/// reads of at most one message; returns the bytes echoed.
pub async fn serve<T: NativeTcp>(listener: T::Listener, size: usize) -> io::Result<u64> {
    let mut stream = T::accept(&listener).await?;
    let (mut buf, mut echoed) = (vec![0; size], 0);
    loop {
        let read = stream.read(&mut buf).await?;
        if read == 0 {
            return Ok(echoed);
        }
        stream.write_all(&buf[..read]).await?;
        echoed += read as u64;
    }
}

/// The client: connects, runs `rounds` checked round trips, closes (by dropping).
pub async fn client<T: NativeTcp>(
    tcp: &T,
    addr: SocketAddr,
    rounds: u64,
    size: usize,
) -> Result<(), ScenarioError> {
    let mut stream = tcp.connect(addr).await?;
    let (mut message, mut reply) = (vec![0; size], vec![0; size]);
    for round in 0..rounds {
        fill_pattern(tcp_round_trip::seed(round), &mut message);
        stream.write_all(&message).await?;
        stream.read_exact(&mut reply).await?;
        tcp_round_trip::check_reply(round, &reply)?;
    }
    Ok(())
}

/// async-net's types (what `smol::net` re-exports): the TCP of smol, and the one the
/// `futures` and async-global-executor adapters use, having none of their own.
#[cfg(any(feature = "smol", feature = "futures", feature = "async-global-executor"))]
#[derive(Clone, Copy)]
pub struct AsyncNet;

#[cfg(any(feature = "smol", feature = "futures", feature = "async-global-executor"))]
impl NativeTcp for AsyncNet {
    type Listener = async_net::TcpListener;
    type Stream = async_net::TcpStream;

    async fn bind(&self) -> io::Result<(Self::Listener, SocketAddr)> {
        let listener = async_net::TcpListener::bind(LOOPBACK).await?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(&self, addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = async_net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}
