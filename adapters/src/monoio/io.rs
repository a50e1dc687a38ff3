//! monoio's TCP behind the contract's owned-buffer streams.
//!
//! monoio's sockets are completion-based: `read(buf) -> (result, buf)` on owned buffers
//! (`AsyncReadRent`, `AsyncWriteRentExt::write_all`), which is the contract's own model:
//! each contract call is one monoio call on the caller's buffer, one io_uring operation
//! per read (no copy, no zero-fill). The poll-based bridge ([`TcpStream::into_poll_io`],
//! for hyper) is monoio's own `poll-io` mode (`try_into_poll_io`: readiness polled on the
//! ring, then a plain `read`/`write` system call), whose tokio-io traits tokio-util's
//! `Compat` turns into futures-io.
//!
//! Every value is `!Send` (it holds `Rc`s into the driver) and is wrapped in
//! [`ThreadBound`].

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use monoio::io::{AsyncReadRent, AsyncWriteRent, AsyncWriteRentExt};
use monoio::net::tcp::stream_poll::TcpStreamPoll;
use rtbench_core::io::{BufResult, TcpListener, TcpStream};
use tokio_util::compat::{Compat, TokioAsyncReadCompatExt};

use crate::support::thread_bound::ThreadBound;

/// A monoio TCP connection; Nagle's algorithm off.
pub struct MonoioTcpStream(ThreadBound<monoio::net::TcpStream>);

impl MonoioTcpStream {
    /// Turns Nagle's algorithm off (as every adapter does).
    fn new(stream: monoio::net::TcpStream) -> io::Result<Self> {
        stream.set_nodelay(true)?;
        Ok(MonoioTcpStream(ThreadBound::new(stream)))
    }

    /// Opens a connection.
    pub(super) async fn connect(addr: SocketAddr) -> io::Result<Self> {
        Self::new(monoio::net::TcpStream::connect_addr(addr).await?)
    }
}

impl TcpStream for MonoioTcpStream {
    type PollIo = ThreadBound<Compat<TcpStreamPoll>>;

    fn read(&mut self, mut buf: Vec<u8>) -> impl Future<Output = BufResult<usize>> + Send + '_ {
        ThreadBound::new(async move {
            // monoio fills the buffer from its start and sets its length.
            buf.clear();
            if buf.capacity() == 0 {
                return (Ok(0), buf);
            }
            self.0.read(buf).await
        })
    }

    fn write_all(&mut self, buf: Vec<u8>) -> impl Future<Output = BufResult<()>> + Send + '_ {
        ThreadBound::new(async move {
            let (result, buf) = self.0.write_all(buf).await;
            (result.map(drop), buf)
        })
    }

    fn shutdown(&mut self) -> impl Future<Output = io::Result<()>> + Send + '_ {
        ThreadBound::new(async move { self.0.shutdown().await })
    }

    /// # Panics
    /// If monoio cannot register the socket for readiness on its ring (what
    /// `try_into_poll_io` does), which only fails when the kernel refuses the operation.
    fn into_poll_io(self) -> Self::PollIo {
        let poll = self.0.into_inner().try_into_poll_io().unwrap_or_else(|(error, _)| {
            panic!("monoio: the socket could not be switched to poll-io: {error}")
        });
        ThreadBound::new(poll.compat())
    }
}

/// A monoio TCP listener.
pub struct MonoioListener(ThreadBound<monoio::net::TcpListener>);

impl MonoioListener {
    pub(super) fn bind(addr: SocketAddr) -> io::Result<Self> {
        Ok(MonoioListener(ThreadBound::new(monoio::net::TcpListener::bind(addr)?)))
    }
}

impl TcpListener for MonoioListener {
    type Stream = MonoioTcpStream;

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }

    fn accept(&self) -> impl Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send + '_ {
        ThreadBound::new(async move {
            let (stream, peer) = self.0.accept().await?;
            Ok((MonoioTcpStream::new(stream)?, peer))
        })
    }
}
