//! monoio's TCP behind the contract's futures-io streams, through monoio's own
//! `poll-io` bridge.
//!
//! monoio's sockets are completion-based: `read(buf) -> (result, buf)` on owned buffers
//! (`AsyncReadRent`). The contract's streams are poll-based (`futures-io`), so each
//! stream is turned into a `TcpStreamPoll` (`try_into_poll_io`: readiness polled on the
//! io_uring ring itself, then a plain `read`/`write` system call), whose tokio-io traits
//! tokio-util's `Compat` turns into futures-io. What a column measures on this path is
//! monoio's readiness mode, not its owned-buffer reads.
//!
//! Every value is `!Send` (it holds `Rc`s into the driver) and is wrapped in
//! [`ThreadBound`].

use std::io;
use std::net::SocketAddr;

use rtbench_core::io::TcpListener;
use tokio_util::compat::{Compat, TokioAsyncReadCompatExt};

use crate::support::thread_bound::ThreadBound;

/// A monoio TCP connection, bridged to futures-io; Nagle's algorithm off.
pub type MonoioTcpStream = ThreadBound<Compat<monoio::net::tcp::stream_poll::TcpStreamPoll>>;

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

    fn accept(
        &self,
    ) -> impl std::future::Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send + '_ {
        ThreadBound::new(async move {
            let (stream, peer) = self.0.accept().await?;
            Ok((bridged(stream)?, peer))
        })
    }
}

/// Opens a connection, bridged to futures-io.
pub(super) async fn connect(addr: SocketAddr) -> io::Result<MonoioTcpStream> {
    bridged(monoio::net::TcpStream::connect_addr(addr).await?)
}

/// Turns Nagle's algorithm off (as every adapter does) and bridges the stream.
fn bridged(stream: monoio::net::TcpStream) -> io::Result<MonoioTcpStream> {
    stream.set_nodelay(true)?;
    let poll = stream.try_into_poll_io().map_err(|(error, _)| error)?;
    Ok(ThreadBound::new(poll.compat()))
}
