//! The TCP round trip's two tasks written once over **owned buffers** — the read and
//! write of the completion runtimes (monoio's `AsyncReadRent`/`AsyncWriteRentExt`,
//! compio's `AsyncRead`/`AsyncWriteExt`: one io_uring operation each, the buffer lent
//! to the kernel and given back) — with each runtime's own listener, stream and calls
//! behind [`OwnedTcp`], which the runtime's twins implement.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use rtbench_core::{Outcome, Params, ScenarioError};
use rtbench_scenarios::io_support::fill_pattern;
use rtbench_scenarios::measure::timed;
use rtbench_scenarios::tcp_round_trip;

use crate::local::LocalTwins;

/// A completion runtime's own TCP, by what the round trip uses. `read` replaces the
/// buffer's contents with at most its capacity of bytes (`Ok(0)`: the peer closed);
/// `write_all` writes all of it; both give the buffer back.
pub trait OwnedTcp: LocalTwins {
    /// Its listener.
    type Listener: 'static;
    /// Its connection.
    type Stream: 'static;

    /// Binds [`LOOPBACK`](super::LOOPBACK); gives the listener and its address.
    fn bind() -> impl Future<Output = io::Result<(Self::Listener, SocketAddr)>>;
    /// Accepts one connection, Nagle's algorithm off.
    fn accept(listener: &Self::Listener) -> impl Future<Output = io::Result<Self::Stream>>;
    /// Connects to `addr`, Nagle's algorithm off.
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>>;
    /// One read into `buf`.
    fn read(
        stream: &mut Self::Stream,
        buf: Vec<u8>,
    ) -> impl Future<Output = (io::Result<usize>, Vec<u8>)>;
    /// Writes all of `buf`.
    fn write_all(
        stream: &mut Self::Stream,
        buf: Vec<u8>,
    ) -> impl Future<Output = (io::Result<()>, Vec<u8>)>;
    /// The runtime's own timer.
    fn native_sleep(duration: Duration) -> impl Future<Output = ()>;
}

/// The `tcp_round_trip` twin on `R`: the server spawned, the client in the root, on the
/// adapter's instance, under the scenario's deadline.
pub fn round_trip<R: OwnedTcp>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
    let (rounds, size) = (params.get("rounds"), params.count("size"));
    let exchange = async move {
        let (listener, addr) = R::bind().await?;
        let server = R::spawn_native(serve::<R>(listener, size));
        client::<R>(addr, rounds, size).await?;
        Ok::<_, ScenarioError>(server.await?)
    };
    let (echoed, elapsed) =
        runtime.run_native(timed(super::within(rounds, exchange, R::native_sleep)));
    tcp_round_trip::outcome(rounds, size, echoed, elapsed)
}

/// The server task: accepts one connection and echoes it until the client closes, in
/// reads of at most one message, writing back the very buffer it read into; returns the
/// bytes echoed.
pub async fn serve<T: OwnedTcp>(listener: T::Listener, size: usize) -> io::Result<u64> {
    let mut stream = T::accept(&listener).await?;
    let (mut buf, mut echoed) = (Vec::with_capacity(size), 0);
    loop {
        let (read, filled) = T::read(&mut stream, buf).await;
        match read? {
            0 => return Ok(echoed),
            read => echoed += read as u64,
        }
        let (written, back) = T::write_all(&mut stream, filled).await;
        written?;
        buf = back;
    }
}

/// The client: connects, runs `rounds` checked round trips, closes (by dropping).
pub async fn client<T: OwnedTcp>(
    addr: SocketAddr,
    rounds: u64,
    size: usize,
) -> Result<(), ScenarioError> {
    let mut stream = T::connect(addr).await?;
    let (mut message, mut reply, mut chunk) =
        (vec![0; size], Vec::with_capacity(size), Vec::with_capacity(size));
    for round in 0..rounds {
        fill_pattern(tcp_round_trip::seed(round), &mut message);
        let (written, back) = T::write_all(&mut stream, message).await;
        message = back;
        written?;
        reply.clear();
        while reply.len() < size {
            let (read, filled) = T::read(&mut stream, chunk).await;
            if read? == 0 {
                return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
            }
            reply.extend_from_slice(&filled);
            chunk = filled;
        }
        tcp_round_trip::check_reply(round, &reply)?;
    }
    Ok(())
}
