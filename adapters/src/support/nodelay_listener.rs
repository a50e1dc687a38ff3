//! The contract's TCP listener over async-io based listeners: async-std's
//! `async_std::net::TcpListener` and async-net's, used by the smol stack. Both have the
//! same inherent API (`local_addr`, `async fn accept`, streams with `set_nodelay`) but no
//! common trait, so `nodelay_listener!` declares the wrapper once per native type.
//!
//! Like every adapter's, the wrapper turns Nagle's algorithm off on accepted streams, so
//! that small writes (ping-pong, echo) go out at once instead of waiting for the peer's
//! ACK: the numbers measure the runtime, not TCP's batching.

/// Declares `pub struct $name(pub(crate) $native)`, implementing
/// [`rtbench_core::io::TcpListener`] with streams of type `PollStream<$stream>` (see
/// [`poll_stream`](crate::support::poll_stream)).
#[macro_export]
#[doc(hidden)]
macro_rules! nodelay_listener {
    ($(#[$attr:meta])* $name:ident($native:ty) -> $stream:ty) => {
        $(#[$attr])*
        pub struct $name(pub(crate) $native);

        impl ::rtbench_core::io::TcpListener for $name {
            type Stream = $crate::support::poll_stream::PollStream<$stream>;

            fn local_addr(&self) -> ::std::io::Result<::std::net::SocketAddr> {
                self.0.local_addr()
            }

            async fn accept(&self) -> ::std::io::Result<(Self::Stream, ::std::net::SocketAddr)> {
                let (stream, peer) = self.0.accept().await?;
                stream.set_nodelay(true)?;
                Ok(($crate::support::poll_stream::PollStream::new(stream), peer))
            }
        }
    };
}
