//! The I/O half of the contract: TCP, child processes and files.
//!
//! Scenario code sees byte streams through the `futures-io` traits
//! ([`AsyncRead`]/[`AsyncWrite`]), whatever the runtime's reactor is (epoll through mio
//! or async-io, io_uring for glommio). Adapters whose runtime lacks a facility use
//! [`Unsupported`] as the associated type and declare the capability
//! [`Missing`](crate::Support::Missing), so scenarios needing it are reported `n/a`.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::ExitStatus;
use std::task::{Context, Poll};

pub use futures::io::{AsyncRead, AsyncWrite};

/// A bound TCP listener.
pub trait TcpListener: Send + 'static {
    /// The accepted connections.
    type Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static;

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
