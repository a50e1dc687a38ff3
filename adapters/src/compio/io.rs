//! compio's TCP and child processes behind the contract's types.
//!
//! compio's I/O is completion-based: `read(buf) -> (result, buf)` on owned buffers, the
//! contract's own model: each contract call on a TCP stream is one compio call
//! (`AsyncRead::read`, `AsyncWriteExt::write_all`, `AsyncWrite::shutdown`) on the
//! caller's buffer, an io_uring operation, no copy. The poll-based bridge
//! ([`TcpStream::into_poll_io`], for hyper) and a child's stdout (a futures-io reader in
//! the contract) go through compio's own `compio::io::compat` (`AsyncStream`,
//! `AsyncReadStream`), which copies through a buffer of its own: a read fills it on the
//! ring and copies out, a write copies in. That bridge holds written bytes until a
//! flush, while the contract's streams send what `write` accepted; [`WriteThrough`]
//! flushes after every write, and holds back an end of file found while that flush is
//! in flight until the write is reported done (hyper would take it for a close
//! mid-response).
//!
//! Every value is `!Send` (it holds `Rc`s into the driver) and is wrapped in
//! [`ThreadBound`].

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{FromRawFd, IntoRawFd};
use std::pin::Pin;
use std::process::{Command, ExitStatus, Stdio};
use std::task::{ready, Context, Poll, Waker};

use compio::buf::BufResult as CompioResult;
use compio::io::compat::{AsyncReadStream, AsyncStream};
use compio::io::{AsyncRead as _, AsyncWrite as _, AsyncWriteExt as _};
use futures::io::{AsyncRead, AsyncWrite};
use rtbench_core::io::{BufResult, ChildProcess, TcpListener, TcpStream};

use crate::support::thread_bound::ThreadBound;

/// A compio TCP connection; Nagle's algorithm off.
pub struct CompioTcpStream(ThreadBound<compio::net::TcpStream>);

impl CompioTcpStream {
    /// Turns Nagle's algorithm off (as every adapter does).
    fn new(stream: compio::net::TcpStream) -> io::Result<Self> {
        stream.set_nodelay(true)?;
        Ok(CompioTcpStream(ThreadBound::new(stream)))
    }

    /// Opens a connection.
    pub(super) async fn connect(addr: SocketAddr) -> io::Result<Self> {
        Self::new(compio::net::TcpStream::connect(addr).await?)
    }
}

/// The poll-based bridge of a [`CompioTcpStream`].
pub type CompioPollIo = ThreadBound<WriteThrough<Pin<Box<AsyncStream<compio::net::TcpStream>>>>>;

impl TcpStream for CompioTcpStream {
    type PollIo = CompioPollIo;

    fn read(&mut self, mut buf: Vec<u8>) -> impl Future<Output = BufResult<usize>> + Send + '_ {
        ThreadBound::new(async move {
            // compio appends after the buffer's length: from empty, it sets the length.
            buf.clear();
            if buf.capacity() == 0 {
                return (Ok(0), buf);
            }
            let CompioResult(result, buf) = self.0.read(buf).await;
            (result, buf)
        })
    }

    fn write_all(&mut self, buf: Vec<u8>) -> impl Future<Output = BufResult<()>> + Send + '_ {
        ThreadBound::new(async move {
            let CompioResult(result, buf) = self.0.write_all(buf).await;
            (result, buf)
        })
    }

    fn shutdown(&mut self) -> impl Future<Output = io::Result<()>> + Send + '_ {
        ThreadBound::new(async move { self.0.shutdown().await })
    }

    fn into_poll_io(self) -> Self::PollIo {
        ThreadBound::new(WriteThrough::new(Box::pin(AsyncStream::new(self.0.into_inner()))))
    }
}

/// A compio TCP listener.
pub struct CompioListener(ThreadBound<compio::net::TcpListener>);

impl CompioListener {
    pub(super) async fn bind(addr: SocketAddr) -> io::Result<Self> {
        Ok(CompioListener(ThreadBound::new(compio::net::TcpListener::bind(addr).await?)))
    }
}

impl TcpListener for CompioListener {
    type Stream = CompioTcpStream;

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }

    fn accept(&self) -> impl Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send + '_ {
        ThreadBound::new(async move {
            let (stream, peer) = self.0.accept().await?;
            Ok((CompioTcpStream::new(stream)?, peer))
        })
    }
}

/// A buffered futures-io stream made to send each write before reporting it done:
/// `poll_write` accepts bytes into the buffer, then flushes, and only then returns how
/// many it accepted (remembered across `Pending`, so a retried call does not accept
/// them twice).
///
/// The flush is an operation on the ring: its bytes can reach the peer, and the peer
/// answer them by closing, before the caller polls the write again and learns it is
/// done. A read that finds that end of file first must not report it yet — on a
/// readiness-based socket a write is done when `poll_write` returns, so the caller
/// never sees the close of a peer that has not had the write — and hyper, which polls
/// its read before its write, takes such an end of file for a connection closed
/// mid-response (`IncompleteMessage`). So the end of file waits (data does not: a
/// read never waits on a write) until the write in flight is reported, which wakes it.
pub struct WriteThrough<S> {
    inner: S,
    /// Bytes accepted into the buffer whose flush has not finished.
    accepted: Option<usize>,
    /// The reader holding back an end of file until the write in flight is reported.
    eof_waiter: Option<Waker>,
}

impl<S> WriteThrough<S> {
    fn new(inner: S) -> Self {
        WriteThrough { inner, accepted: None, eof_waiter: None }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteThrough<S> {
    /// Reads; an end of file found while a write is in flight waits until that write is
    /// reported (see [`WriteThrough`]).
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let read = ready!(Pin::new(&mut this.inner).poll_read(cx, buf));
        if matches!(read, Ok(0)) && !buf.is_empty() && this.accepted.is_some() {
            this.eof_waiter = Some(cx.waker().clone());
            return Poll::Pending;
        }
        Poll::Ready(read)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteThrough<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let accepted = match this.accepted {
            Some(accepted) => accepted,
            None => *this.accepted.insert(ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?),
        };
        let flushed = ready!(Pin::new(&mut this.inner).poll_flush(cx));
        this.accepted = None;
        if let Some(reader) = this.eof_waiter.take() {
            reader.wake();
        }
        Poll::Ready(flushed.map(|()| accepted))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

/// A child's stdout: a compio pipe read on the ring, bridged to futures-io.
pub type CompioStdout = ThreadBound<Pin<Box<AsyncReadStream<compio::fs::pipe::Receiver>>>>;

/// A child started as its `Command` says, with stdout piped; killed if dropped before
/// it was waited for (as every adapter's child is).
pub struct CompioChild {
    child: Option<std::process::Child>,
    stdout: Option<CompioStdout>,
}

impl CompioChild {
    /// Spawns `command` with std (so every setting of the caller's `Command` holds;
    /// `compio::process::Command` cannot be built from one) and hands its stdout to the
    /// ring.
    pub(super) fn spawn(mut command: Command) -> io::Result<Self> {
        let mut child = command.stdout(Stdio::piped()).spawn()?;
        let stdout = child.stdout.take().map(|stdout| {
            // SAFETY: `into_raw_fd` gives up the descriptor, so the receiver owns it alone.
            let pipe = unsafe { compio::fs::pipe::Receiver::from_raw_fd(stdout.into_raw_fd()) };
            ThreadBound::new(Box::pin(AsyncReadStream::new(pipe)))
        });
        Ok(CompioChild { child: Some(child), stdout })
    }
}

impl ChildProcess for CompioChild {
    type Stdout = CompioStdout;

    fn take_stdout(&mut self) -> Option<Self::Stdout> {
        self.stdout.take()
    }

    /// Waits on compio's blocking pool, as `compio::process::Child::wait` does on stable
    /// Rust (its `pidfd` path needs nightly).
    async fn wait(&mut self) -> io::Result<ExitStatus> {
        let Some(mut child) = self.child.take() else {
            return Err(io::Error::other("the child was already waited for"));
        };
        match compio::runtime::spawn_blocking(move || child.wait()).await {
            Ok(status) => status,
            Err(error) => Err(io::Error::other(format!("waiting for the child: {error}"))),
        }
    }
}

impl Drop for CompioChild {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.try_wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use futures::task::{waker, ArcWake};

    use super::*;

    /// A stream whose peer sent `unread`, then closed, and whose flush is in flight until
    /// `flushed` is set.
    struct PeerClosed {
        unread: &'static [u8],
        flushed: bool,
    }

    impl AsyncRead for PeerClosed {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            let count = self.unread.len().min(buf.len());
            buf[..count].copy_from_slice(&self.unread[..count]);
            self.unread = &self.unread[count..];
            Poll::Ready(Ok(count))
        }
    }

    impl AsyncWrite for PeerClosed {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            if self.flushed {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        }

        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// Records that it was woken.
    struct Woken(AtomicBool);

    impl ArcWake for Woken {
        fn wake_by_ref(woken: &Arc<Self>) {
            woken.0.store(true, Ordering::SeqCst);
        }
    }

    const ANSWER: &[u8] = b"HTTP/1.1 200 OK";

    /// hyper's order: the answer's write is put in flight, the peer reads it and
    /// closes, and hyper's next poll reads before it writes.
    #[test]
    fn end_of_file_waits_until_the_write_in_flight_is_reported() {
        let woken = Arc::new(Woken(AtomicBool::new(false)));
        let waker = waker(Arc::clone(&woken));
        let cx = &mut Context::from_waker(&waker);
        let mut stream = WriteThrough::new(PeerClosed { unread: b"", flushed: false });
        let mut byte = [0u8; 1];
        assert!(
            Pin::new(&mut stream).poll_write(cx, ANSWER).is_pending(),
            "the flush is in flight"
        );
        assert!(
            Pin::new(&mut stream).poll_read(cx, &mut byte).is_pending(),
            "end of file was reported while the write was still in flight"
        );
        stream.inner.flushed = true;
        let written = Pin::new(&mut stream).poll_write(cx, ANSWER);
        assert!(matches!(written, Poll::Ready(Ok(n)) if n == ANSWER.len()), "{written:?}");
        assert!(woken.0.load(Ordering::SeqCst), "the reader holding end of file was not woken");
        let read = Pin::new(&mut stream).poll_read(cx, &mut byte);
        assert!(matches!(read, Poll::Ready(Ok(0))), "{read:?}");
    }

    /// Only end of file waits: bytes are read while a write is in flight.
    #[test]
    fn data_is_read_while_a_write_is_in_flight() {
        let waker = waker(Arc::new(Woken(AtomicBool::new(false))));
        let cx = &mut Context::from_waker(&waker);
        let mut stream = WriteThrough::new(PeerClosed { unread: b"GET /1", flushed: false });
        let mut request = [0u8; 16];
        assert!(
            Pin::new(&mut stream).poll_write(cx, ANSWER).is_pending(),
            "the flush is in flight"
        );
        let read = Pin::new(&mut stream).poll_read(cx, &mut request);
        assert!(matches!(read, Poll::Ready(Ok(6))), "{read:?}");
        assert_eq!(&request[..6], b"GET /1");
    }
}
