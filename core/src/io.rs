//! The I/O half of the contract: TCP, child processes and files.
//!
//! # TCP in owned buffers
//! A [`TcpStream`] is read and written with **owned buffers**: [`read`](TcpStream::read)
//! takes a `Vec<u8>` and gives it back filled, [`write_all`](TcpStream::write_all) takes
//! one and gives it back once everything was written, each as a [`BufResult`] — the
//! result, and the buffer, whatever the result. That is the native model of completion
//! runtimes (io_uring: monoio's `AsyncReadRent`/`AsyncWriteRent`, compio's
//! `AsyncRead`/`AsyncWrite`, glommio's files), where the kernel owns the buffer until the
//! operation completes, so a borrowed `&mut [u8]` cannot be handed over; each method is
//! one call of theirs. Readiness runtimes (epoll: tokio, async-io) implement it with
//! their own read and write on the buffer, at no cost beyond what their own API asks
//! for. A contract in borrowed slices (futures-io's `poll_read`) would instead force the
//! completion runtimes through a copying shim, and their columns would measure the shim.
//!
//! The methods' semantics, the same on every adapter (the contract tests check them):
//!
//! - `read(buf)` reads at most `buf.capacity()` bytes into `buf`, replacing its
//!   contents: it comes back with `len()` = the bytes read. `Ok(0)` means the peer shut
//!   its side down (end of file) — or that `buf` had no capacity, so give it some. On
//!   error the buffer comes back with its capacity, its contents unspecified.
//! - `write_all(buf)` writes all of `buf[..]` (nothing stays buffered in user space) and
//!   gives it back unchanged; on error, a prefix may have been sent.
//! - `shutdown()` shuts the write side down: the peer's reads then return `Ok(0)`.
//!
//! The futures are `Send`, like the rest of the contract (see [`crate::runtime`]); the
//! buffer's allocation stays the caller's to reuse, so a loop of reads allocates nothing.
//!
//! # The poll-based bridge
//! Libraries written to poll-based traits (hyper's `rt::Read`/`rt::Write`) need
//! `poll_read(&mut [u8])`. [`TcpStream::into_poll_io`] turns a connection into a
//! futures-io [`AsyncRead`] + [`AsyncWrite`] stream for them: on readiness runtimes it is
//! the native stream itself (no cost); a completion runtime bridges (its own
//! poll-io compatibility layer, which copies through an internal buffer). Each adapter
//! says which in [`Capabilities::poll_io`](crate::Capabilities::poll_io), and scenarios
//! that use the bridge require [`Capability::PollIo`](crate::Capability::PollIo) and say
//! so in their notes, so a table shows where a column went through it. Its
//! `poll_close` is the runtime's own (async-std's only flushes; [`TcpStream::shutdown`]
//! shuts the write side down everywhere).
//!
//! # Processes and files
//! A child's stdout is a futures-io [`AsyncRead`]. Files move owned `Vec`s already
//! ([`Runtime::read_file`](crate::Runtime::read_file) returns one,
//! [`write_file`](crate::Runtime::write_file) takes one): both models implement them
//! natively as they are.
//!
//! Adapters whose runtime lacks a facility use [`Unsupported`] as the associated type
//! and declare the capability [`Missing`](crate::Support::Missing), so scenarios needing
//! it are reported `n/a`.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::ExitStatus;
use std::task::{Context, Poll};

pub use futures::io::{AsyncRead, AsyncWrite};

/// The outcome of an owned-buffer operation and the buffer, handed back whatever the
/// outcome (as monoio's and compio's `BufResult`).
pub type BufResult<T> = (io::Result<T>, Vec<u8>);

/// A TCP connection, read and written in owned buffers (see the [module docs](self)).
pub trait TcpStream: Send + 'static {
    /// The same connection behind futures-io's poll-based traits, for libraries written
    /// to them: see [`into_poll_io`](TcpStream::into_poll_io).
    type PollIo: AsyncRead + AsyncWrite + Send + Unpin + 'static;

    /// Reads at most `buf.capacity()` bytes into `buf`, replacing its contents; gives
    /// back the count and `buf` with that length. `Ok(0)`: end of file (or no capacity).
    fn read(&mut self, buf: Vec<u8>) -> impl Future<Output = BufResult<usize>> + Send + '_;

    /// Writes all of `buf`, then gives it back unchanged.
    fn write_all(&mut self, buf: Vec<u8>) -> impl Future<Output = BufResult<()>> + Send + '_;

    /// Shuts the write side down: the peer reads end of file once it has read the rest.
    fn shutdown(&mut self) -> impl Future<Output = io::Result<()>> + Send + '_;

    /// The connection as a futures-io stream (the poll-based bridge): the native stream
    /// itself on readiness runtimes, a compatibility layer on completion runtimes, as
    /// [`Capabilities::poll_io`](crate::Capabilities::poll_io) says.
    fn into_poll_io(self) -> Self::PollIo;
}

/// A bound TCP listener.
pub trait TcpListener: Send + 'static {
    /// The accepted connections.
    type Stream: TcpStream;

    /// The address it is bound to (to learn an ephemeral port).
    fn local_addr(&self) -> io::Result<SocketAddr>;

    /// Waits for the next connection.
    fn accept(&self) -> impl Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send + '_;
}

/// A running child process whose stdout is piped.
pub trait ChildProcess: Send + 'static {
    /// The child's stdout.
    type Stdout: AsyncRead + Send + Unpin + 'static;

    /// Takes the piped stdout (once).
    fn take_stdout(&mut self) -> Option<Self::Stdout>;

    /// Waits for the child to exit.
    fn wait(&mut self) -> impl Future<Output = io::Result<ExitStatus>> + Send + '_;
}

/// The associated type of an I/O facility a runtime does not have. It cannot be
/// constructed: the adapter's constructor returns an `Unsupported` I/O error instead.
#[derive(Debug)]
pub enum Unsupported {}

impl Unsupported {
    /// The error an adapter returns for a facility it lacks.
    pub fn error(what: &str) -> io::Error {
        io::Error::new(io::ErrorKind::Unsupported, what.to_owned())
    }
}

impl AsyncRead for Unsupported {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match *self {}
    }
}

impl AsyncWrite for Unsupported {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, _: &[u8]) -> Poll<io::Result<usize>> {
        match *self {}
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        match *self {}
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        match *self {}
    }
}

impl TcpStream for Unsupported {
    type PollIo = Unsupported;
    #[allow(clippy::manual_async_fn)]
    fn read(&mut self, _: Vec<u8>) -> impl Future<Output = BufResult<usize>> + Send + '_ {
        async move { match *self {} }
    }
    #[allow(clippy::manual_async_fn)]
    fn write_all(&mut self, _: Vec<u8>) -> impl Future<Output = BufResult<()>> + Send + '_ {
        async move { match *self {} }
    }
    #[allow(clippy::manual_async_fn)]
    fn shutdown(&mut self) -> impl Future<Output = io::Result<()>> + Send + '_ {
        async move { match *self {} }
    }
    fn into_poll_io(self) -> Unsupported {
        self
    }
}

impl TcpListener for Unsupported {
    type Stream = Unsupported;
    fn local_addr(&self) -> io::Result<SocketAddr> {
        match *self {}
    }
    #[allow(clippy::manual_async_fn)]
    fn accept(&self) -> impl Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send + '_ {
        async move { match *self {} }
    }
}

impl ChildProcess for Unsupported {
    type Stdout = Unsupported;
    fn take_stdout(&mut self) -> Option<Self::Stdout> {
        match *self {}
    }
    #[allow(clippy::manual_async_fn)]
    fn wait(&mut self) -> impl Future<Output = io::Result<ExitStatus>> + Send + '_ {
        async move { match *self {} }
    }
}
