//! The reactor: sockets registered with the OS's readiness API, through the `polling`
//! crate (epoll on Linux, kqueue on the BSDs), and the contract's TCP types over it.
//!
//! The whole protocol of a readiness reactor fits in [`Registered::poll_io`]: try the
//! non-blocking operation; if it would block, leave the task's waker with the socket and
//! arm the socket's interest; when [`Reactor::wait`] reports the socket, wake the task,
//! which tries again. `polling` arms interests one-shot and level-triggered, so a socket
//! that became ready between the failed try and the arming is reported at once: no
//! wake-up is lost. After an event both directions' wakers are woken and must arm again
//! (one may be spurious, which a future must tolerate): simpler than re-arming the
//! direction that did not fire.
//!
//! [`Reactor::interrupt`] ends a [`Reactor::wait`] early: that is how a waker on another
//! thread gets the sleeping loop to run its task.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::AsFd;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::support::poll_stream::{CloseWrite, PollStream};
use futures::io::{AsyncRead, AsyncWrite};
use polling::{Event, Events, Poller};
use slab::Slab;

/// One poller, and the wakers of the sockets registered with it.
pub struct Reactor {
    poller: Poller,
    /// Each registered socket's wakers, by the key its events carry.
    sources: Mutex<Slab<Arc<Source>>>,
    /// The buffer events are read into (only the loop's thread waits).
    events: Mutex<Events>,
}

/// The wakers waiting on one socket: `[reader, writer]`.
#[derive(Default)]
struct Source {
    wakers: Mutex<[Option<Waker>; 2]>,
}

/// Which way a task waits on a socket.
#[derive(Clone, Copy)]
enum Direction {
    Read = 0,
    Write = 1,
}

fn unpoisoned<T>(lock: &Mutex<T>) -> MutexGuard<'_, T> {
    lock.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Reactor {
    /// A reactor with a new poller (an epoll instance and an eventfd, on Linux).
    pub fn new() -> io::Result<Self> {
        Ok(Reactor {
            poller: Poller::new()?,
            sources: Mutex::new(Slab::new()),
            events: Mutex::new(Events::new()),
        })
    }

    /// Whether any socket is registered (else there is no I/O to ask the OS about).
    pub fn has_sources(&self) -> bool {
        !unpoisoned(&self.sources).is_empty()
    }

    /// Waits up to `timeout` (`None`: until an event or an interrupt) and wakes the
    /// tasks waiting on the sockets that became ready.
    pub fn wait(&self, timeout: Option<Duration>) {
        let mut events = unpoisoned(&self.events);
        events.clear();
        // An error here (EINTR is retried by `polling`) leaves nothing to wake; the loop
        // goes on and asks again.
        let _ = self.poller.wait(&mut events, timeout);
        for event in events.iter() {
            let source = unpoisoned(&self.sources).get(event.key).cloned();
            let wakers = source.map(|source| std::mem::take(&mut *unpoisoned(&source.wakers)));
            for waker in wakers.into_iter().flatten().flatten() {
                waker.wake();
            }
        }
    }

    /// Ends the current or next [`wait`](Reactor::wait) at once.
    pub fn interrupt(&self) {
        // Fails only if the eventfd cannot be written, which a full counter would need.
        let _ = self.poller.notify();
    }
}

/// A non-blocking socket registered with a [`Reactor`].
pub struct Registered<T: AsFd> {
    io: T,
    key: usize,
    source: Arc<Source>,
    reactor: Arc<Reactor>,
}

impl<T: AsFd> Registered<T> {
    /// Registers `io`, which must already be in non-blocking mode.
    fn new(io: T, reactor: &Arc<Reactor>) -> io::Result<Self> {
        let source = Arc::new(Source::default());
        let key = unpoisoned(&reactor.sources).insert(Arc::clone(&source));
        // SAFETY: `polling` requires the registration to be deleted before the file
        // descriptor is closed; `Drop` deletes it, and `io` is closed after `drop` runs.
        if let Err(error) = unsafe { reactor.poller.add(&io.as_fd(), Event::none(key)) } {
            unpoisoned(&reactor.sources).remove(key);
            return Err(error);
        }
        Ok(Registered { io, key, source, reactor: Arc::clone(reactor) })
    }

    /// Runs `op` on the socket; if it would block, arranges for the task to be woken
    /// when the socket is ready in `direction` (see the module docs).
    fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        op: impl FnOnce(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        match op(&self.io) {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            result => return Poll::Ready(result),
        }
        let [reader, writer] = {
            let mut wakers = unpoisoned(&self.source.wakers);
            match &mut wakers[direction as usize] {
                Some(waker) => waker.clone_from(cx.waker()),
                empty => *empty = Some(cx.waker().clone()),
            }
            [wakers[0].is_some(), wakers[1].is_some()]
        };
        self.reactor.poller.modify(&self.io, Event::new(self.key, reader, writer))?;
        Poll::Pending
    }
}

impl<T: AsFd> Drop for Registered<T> {
    fn drop(&mut self) {
        let _ = self.reactor.poller.delete(&self.io);
        unpoisoned(&self.reactor.sources).remove(self.key);
    }
}

/// A TCP connection on the reference reactor, read and written through futures-io
/// (below), and so in owned buffers through [`PollStream`].
pub type TcpStream = PollStream<Socket>;

/// A connected socket on the reference reactor.
pub type Socket = Registered<std::net::TcpStream>;

/// Opens a connection without blocking: a non-blocking `connect` returns at once
/// (`EINPROGRESS`), and the socket turns writable when the handshake is over.
pub async fn connect(reactor: &Arc<Reactor>, addr: SocketAddr) -> io::Result<TcpStream> {
    let socket =
        socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::STREAM, None)?;
    socket.set_nonblocking(true)?;
    match socket.connect(&addr.into()) {
        Err(error) if error.raw_os_error() != Some(libc::EINPROGRESS) => return Err(error),
        _ => {}
    }
    let stream = Socket::new(std::net::TcpStream::from(socket), reactor)?;
    std::future::poll_fn(|cx| {
        stream.poll_io(Direction::Write, cx, |socket| match socket.take_error()? {
            Some(error) => Err(error),
            // Not connected yet: the handshake is still going on.
            None => socket.peer_addr().map(drop).map_err(|error| match error.kind() {
                io::ErrorKind::NotConnected => io::ErrorKind::WouldBlock.into(),
                _ => error,
            }),
        })
    })
    .await?;
    stream.io.set_nodelay(true)?;
    Ok(PollStream::new(stream))
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_io(Direction::Read, cx, |mut socket| socket.read(buf))
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_io(Direction::Write, cx, |mut socket| socket.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Nothing is buffered here: every write went to the kernel.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.io.shutdown(Shutdown::Write))
    }
}

/// `close` (above) shuts the write side down.
impl CloseWrite for Socket {}

/// A TCP listener on the reference reactor.
pub struct TcpListener(Registered<std::net::TcpListener>);

impl TcpListener {
    /// Binds `addr` (binding never blocks) and registers the listener.
    pub fn bind(reactor: &Arc<Reactor>, addr: SocketAddr) -> io::Result<Self> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        Registered::new(listener, reactor).map(TcpListener)
    }
}

impl rtbench_core::io::TcpListener for TcpListener {
    type Stream = TcpStream;

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.io.local_addr()
    }

    async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) = std::future::poll_fn(|cx| {
            self.0.poll_io(Direction::Read, cx, |listener| listener.accept())
        })
        .await?;
        stream.set_nonblocking(true)?;
        // Nagle's algorithm off, as every adapter does: small writes go out at once.
        stream.set_nodelay(true)?;
        Ok((PollStream::new(Registered::new(stream, &self.0.reactor)?), peer))
    }
}
