//! glommio's I/O — TCP through `glommio::net`, files through `glommio::io::BufferedFile` —
//! behind the contract's `Send` types.
//!
//! Every operation is an io_uring submission on the executor's own rings; nothing runs
//! on a helper thread. The native values are `!Send` (they hold `Rc`s into the reactor)
//! and are wrapped in [`ThreadBound`], like everything else in this adapter (see the
//! [module docs](super)). glommio's sockets offer only the `futures-io` traits (each
//! `poll_read` an io_uring receive into the caller's slice), so the contract's
//! owned-buffer calls are `futures-io` reads and writes on the buffer
//! ([`PollStream`]), and the poll-based bridge is the stream itself.
//!
//! Files use glommio's ownership-passing API: `write_file` hands the caller's buffer to
//! the kernel without copying it; `read_file` copies each read result (a glommio-owned
//! buffer) into the returned `Vec`. Neither issues an `fdatasync`, like `std::fs`.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::support::poll_stream::{CloseWrite, PollStream};
use crate::support::thread_bound::ThreadBound;
use futures::io::{AsyncRead, AsyncWrite};
use glommio::io::BufferedFile;
use rtbench_core::io::TcpListener;

/// Smallest read issued when the file turned out longer than its size said.
const MIN_READ: usize = 64 * 1024;

/// A glommio TCP listener.
pub struct GlommioListener(ThreadBound<glommio::net::TcpListener>);

impl GlommioListener {
    pub(super) fn bind(addr: SocketAddr) -> io::Result<Self> {
        Ok(GlommioListener(ThreadBound::new(glommio::net::TcpListener::bind(addr)?)))
    }
}

impl TcpListener for GlommioListener {
    type Stream = PollStream<GlommioTcpStream>;

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.0.local_addr()?)
    }

    fn accept(
        &self,
    ) -> impl std::future::Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send + '_ {
        ThreadBound::new(async move {
            let stream = self.0.accept().await?;
            let peer = stream.peer_addr()?;
            Ok((PollStream::new(GlommioTcpStream::new(stream)?), peer))
        })
    }
}

/// A glommio TCP connection (unbuffered: reads go straight to io_uring).
pub struct GlommioTcpStream(ThreadBound<glommio::net::TcpStream>);

impl GlommioTcpStream {
    /// Wraps a connection, with Nagle's algorithm off (as every adapter does).
    fn new(stream: glommio::net::TcpStream) -> io::Result<Self> {
        stream.set_nodelay(true)?;
        Ok(GlommioTcpStream(ThreadBound::new(stream)))
    }

    pub(super) async fn connect(addr: SocketAddr) -> io::Result<PollStream<Self>> {
        Self::new(glommio::net::TcpStream::connect(addr).await?).map(PollStream::new)
    }

    fn inner(self: Pin<&mut Self>) -> Pin<&mut glommio::net::TcpStream> {
        Pin::new(&mut *self.get_mut().0)
    }
}

impl AsyncRead for GlommioTcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.inner().poll_read(cx, buf)
    }
}

impl AsyncWrite for GlommioTcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner().poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner().poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner().poll_close(cx)
    }
}

/// glommio's `close` shuts the write side down.
impl CloseWrite for GlommioTcpStream {}

/// Reads a whole file: its size first, then reads until one returns nothing (as
/// `std::fs::read` does, so a file that grew meanwhile is read in full).
pub(super) async fn read_file(path: PathBuf) -> io::Result<Vec<u8>> {
    let file = BufferedFile::open(&path).await?;
    let contents = read_to_end(&file).await;
    file.close().await?;
    contents
}

async fn read_to_end(file: &BufferedFile) -> io::Result<Vec<u8>> {
    let expected = usize::try_from(file.file_size().await?).unwrap_or(usize::MAX);
    let mut contents = Vec::with_capacity(expected);
    loop {
        let wanted = expected.saturating_sub(contents.len()).max(MIN_READ);
        let chunk = file.read_at(contents.len() as u64, wanted).await?;
        if chunk.is_empty() {
            return Ok(contents);
        }
        contents.extend_from_slice(&chunk);
    }
}

/// Creates or truncates a file and writes `contents` in one io_uring write. The buffer
/// is handed to the kernel, so a short write (disk full…) cannot be resumed: it is
/// reported as an error, never silently accepted.
pub(super) async fn write_file(path: PathBuf, contents: Vec<u8>) -> io::Result<()> {
    let file = BufferedFile::create(&path).await?;
    let len = contents.len();
    let written = if len == 0 { 0 } else { file.write_at(contents, 0).await? };
    file.close().await?;
    if written < len {
        return Err(short_write(&path, written, len));
    }
    Ok(())
}

fn short_write(path: &Path, written: usize, len: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::WriteZero,
        format!("short write to {}: {written} of {len} bytes", path.display()),
    )
}
