//! The TCP round trip's two tasks written once over futures-io — the read and write of
//! every readiness runtime here except tokio (async-net under smol, `futures` and
//! async-global-executor; async-std's own `net`; glommio's `net`; the reference
//! reactor's socket) — with each runtime's own listener and stream behind [`NativeTcp`].
//! tokio's twin writes the same two tasks on tokio's own traits.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use futures::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use rtbench_core::ScenarioError;

use rtbench_scenarios::io_support::fill_pattern;
use rtbench_scenarios::tcp_round_trip;

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
        let listener = async_net::TcpListener::bind(super::LOOPBACK).await?;
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
