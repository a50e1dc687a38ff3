//! hyper's runtime glue (`hyper::rt`), written once over the rtbench contract.
//!
//! hyper 1.x owns no runtime: it asks its user for an executor, a timer and byte
//! streams through the traits in `hyper::rt`. hyper-util ships these for tokio only;
//! here they are implemented generically over any [`Runtime`], so the same HTTP client
//! and server run unchanged on every adapter:
//!
//! - [`RtExecutor`] spawns hyper's background futures (connection drivers) as detached
//!   tasks with [`Runtime::spawn`];
//! - [`RtTimer`] gives hyper sleeps built from [`Runtime::sleep`] (the server uses it
//!   for its header-read timeout, which protects it from a stalled client);
//! - [`HyperIo`] turns a futures-io stream — a connection's poll-based bridge,
//!   [`TcpStream::into_poll_io`](rtbench_core::io::TcpStream::into_poll_io) — into
//!   `hyper::rt::Read` and `hyper::rt::Write`.

use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Executor, Read, ReadBufCursor, Sleep, Timer, Write};
use rtbench_core::io::{AsyncRead, AsyncWrite};
use rtbench_core::Runtime;

/// A `hyper::rt::Executor` that starts each future as a detached task of `R`.
pub struct RtExecutor<R>(PhantomData<fn() -> R>);

impl<R> Default for RtExecutor<R> {
    fn default() -> Self {
        RtExecutor(PhantomData)
    }
}

impl<R: Runtime, F> Executor<F> for RtExecutor<R>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        // Dropping the handle detaches the task (the contract's semantics).
        drop(R::spawn(future));
    }
}

/// A `hyper::rt::Timer` whose sleeps are `R::sleep`.
pub struct RtTimer<R>(PhantomData<fn() -> R>);

impl<R> Default for RtTimer<R> {
    fn default() -> Self {
        RtTimer(PhantomData)
    }
}

impl<R: Runtime> Timer for RtTimer<R> {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        Box::pin(RtSleep(Mutex::new(Box::pin(R::sleep(duration)))))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        self.sleep(deadline.saturating_duration_since(Instant::now()))
    }
}

/// A runtime's sleep future made `Sync`, as `hyper::rt::Sleep` requires. The contract
/// only promises `Send`; the mutex adds `Sync` and is never locked, because polling
/// goes through `&mut` ([`Mutex::get_mut`]).
struct RtSleep<F>(Mutex<Pin<Box<F>>>);

impl<F: Future<Output = ()>> Future for RtSleep<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let sleep = self.get_mut().0.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner());
        sleep.as_mut().poll(cx)
    }
}

impl<F: Future<Output = ()> + Send + 'static> Sleep for RtSleep<F> {}

/// A futures-io byte stream seen as a hyper transport.
pub struct HyperIo<S>(S);

impl<S> HyperIo<S> {
    /// Wraps `stream`.
    pub fn new(stream: S) -> Self {
        HyperIo(stream)
    }
}

impl<S: AsyncRead + Unpin> Read for HyperIo<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // hyper remembers which part of its buffer is initialised, so this zeroes each
        // byte at most once per buffer.
        let unfilled = buf.initialize_unfilled();
        let capacity = unfilled.len();
        let read = ready!(Pin::new(&mut self.get_mut().0).poll_read(cx, unfilled))?;
        assert!(read <= capacity, "AsyncRead::poll_read claimed more bytes than it was given");
        // SAFETY: `initialize_unfilled` initialised the whole unfilled region, and
        // `read` is within it (asserted above).
        unsafe { buf.advance(read) };
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> Write for HyperIo<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_close(cx)
    }
}
