//! smol's building blocks, shared by two adapters: async-io (epoll reactor and timers),
//! async-net (TCP), async-process, async-fs and `blocking` (a shared, growable thread
//! pool for blocking work).
//!
//! For the smol adapters these are smol's own parts (smol is a thin re-export of them).
//! For the `futures` adapters they supply what the `futures` crate lacks — it has
//! executors but no timers, reactor or blocking pool: with no `async_io::block_on` on
//! the thread, async-io drives its reactor and timers from its own background thread.
//!
//! `smol_stack_items!` expands to the part of a `Runtime` impl that both adapters
//! share (associated I/O types, `spawn_blocking`, `sleep`, TCP, processes, files), so
//! it is written once.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use crate::support::catch_panic::{catch_panic_sync, join_result};
use crate::support::poll_stream::{CloseWrite, PollStream};
use futures::FutureExt;
use rtbench_core::JoinError;

use crate::nodelay_listener;

nodelay_listener! {
    /// An async-net TCP listener.
    NetListener(async_net::TcpListener) -> async_net::TcpStream
}

/// async-net's `close` shuts the write side down.
impl CloseWrite for async_net::TcpStream {}

/// Runs `f` on the shared `blocking` pool, with its panic caught.
pub async fn spawn_blocking<F, T>(f: F) -> Result<T, JoinError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    join_result(blocking::unblock(move || catch_panic_sync(f)).await)
}

/// An async-io timer; its deadline is taken now, not at the first poll.
pub fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
    async_io::Timer::after(duration).map(drop)
}

/// Opens a TCP connection with Nagle's algorithm off (as every adapter does).
pub async fn tcp_connect(addr: SocketAddr) -> std::io::Result<PollStream<async_net::TcpStream>> {
    let stream = async_net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(PollStream::new(stream))
}

/// The `Runtime` items shared by the adapters built on the smol stack; expanded inside
/// their `impl Runtime` blocks.
#[macro_export]
#[doc(hidden)]
macro_rules! smol_stack_items {
    () => {
        type TcpListener = $crate::support::smol_stack::NetListener;
        type TcpStream = $crate::support::poll_stream::PollStream<async_net::TcpStream>;
        type Child = $crate::support::async_process_child::AsyncProcessChild;

        fn spawn_blocking<F, T>(
            f: F,
        ) -> impl ::std::future::Future<Output = Result<T, ::rtbench_core::JoinError>> + Send
        where
            F: FnOnce() -> T + Send + 'static,
            T: Send + 'static,
        {
            $crate::support::smol_stack::spawn_blocking(f)
        }

        fn sleep(
            duration: ::std::time::Duration,
        ) -> impl ::std::future::Future<Output = ()> + Send {
            $crate::support::smol_stack::sleep(duration)
        }

        async fn tcp_bind(addr: ::std::net::SocketAddr) -> ::std::io::Result<Self::TcpListener> {
            async_net::TcpListener::bind(addr).await.map($crate::support::smol_stack::NetListener)
        }

        fn tcp_connect(
            addr: ::std::net::SocketAddr,
        ) -> impl ::std::future::Future<Output = ::std::io::Result<Self::TcpStream>> + Send {
            $crate::support::smol_stack::tcp_connect(addr)
        }

        fn spawn_process(command: ::std::process::Command) -> ::std::io::Result<Self::Child> {
            $crate::support::async_process_child::spawn(command)
        }

        fn read_file(
            path: ::std::path::PathBuf,
        ) -> impl ::std::future::Future<Output = ::std::io::Result<Vec<u8>>> + Send {
            async_fs::read(path)
        }

        fn write_file(
            path: ::std::path::PathBuf,
            contents: Vec<u8>,
        ) -> impl ::std::future::Future<Output = ::std::io::Result<()>> + Send {
            async_fs::write(path, contents)
        }
    };
}
