//! [`PollStream`]: the contract's owned-buffer TCP calls over a futures-io stream — the
//! native read and write of the readiness runtimes whose sockets speak futures-io
//! (async-io's `Async` under async-net and async-std, glommio's sockets, the reference
//! reactor). tokio has its own traits and its own wrapper.
//!
//! Each call is the runtime's own `read`, `write_all` or `close` on the buffer, with
//! one cost a borrowed-slice API does not have: futures-io reads into initialised
//! memory, so `read` first zero-fills the buffer's capacity past its length (a
//! `memset`; a few nanoseconds for a message-sized buffer, the overhead table's TCP
//! column measures it). `shutdown` is futures-io's `close` where that shuts the write
//! side down (async-net, glommio, the reference reactor) and the runtime's own
//! `shutdown(Write)` where `close` only flushes (async-std): see [`CloseWrite`]. The
//! poll-based bridge is the stream itself.

use std::future::Future;
use std::io;

use futures::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use rtbench_core::io::{BufResult, TcpStream};

/// How a futures-io socket shuts its write side down (the contract's `shutdown`).
pub trait CloseWrite: AsyncWrite + Unpin + Send {
    /// Shuts the write side down. By default futures-io's `close`, which does so on
    /// sockets whose `poll_close` calls `shutdown(Write)`.
    fn close_write(&mut self) -> impl Future<Output = io::Result<()>> + Send + '_ {
        self.close()
    }
}

/// A futures-io stream offering the contract's owned-buffer calls.
pub struct PollStream<S>(S);

impl<S> PollStream<S> {
    /// Wraps `stream`.
    pub fn new(stream: S) -> Self {
        PollStream(stream)
    }
}

impl<S> TcpStream for PollStream<S>
where
    S: AsyncRead + CloseWrite + 'static,
{
    type PollIo = S;

    async fn read(&mut self, mut buf: Vec<u8>) -> BufResult<usize> {
        if buf.capacity() == 0 {
            // A socket's zero-length read waits for data (TCP's low-water mark is 1).
            buf.clear();
            return (Ok(0), buf);
        }
        buf.resize(buf.capacity(), 0);
        let result = self.0.read(&mut buf).await;
        buf.truncate(*result.as_ref().unwrap_or(&0));
        (result, buf)
    }

    async fn write_all(&mut self, buf: Vec<u8>) -> BufResult<()> {
        // `flush` sends nothing on a socket; it is there for a stream that buffers.
        let result = match self.0.write_all(&buf).await {
            Ok(()) => self.0.flush().await,
            error => error,
        };
        (result, buf)
    }

    async fn shutdown(&mut self) -> io::Result<()> {
        self.0.close_write().await
    }

    fn into_poll_io(self) -> S {
        self.0
    }
}
