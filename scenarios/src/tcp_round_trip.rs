//! `tcp_round_trip` (W8-S1, the bare cost of one exchange): one client task and one
//! echo-server task on one loopback connection, `rounds` round trips of a `size`-byte
//! message — what a runtime adds to a TCP round trip (two reactor wake-ups, two task
//! switches, four system calls), with no other connection competing. `tcp_echo` adds
//! concurrent clients; this is its single-connection core, and the fifth workload of
//! the overhead comparison (`rtbench-native`).
//!
//! **Checked:** every reply is the message sent in that round (a pattern derived from
//! the round, so a byte lost, reordered or from another round fails), and the server
//! echoed exactly `rounds · size` bytes before the client closed. The exchange runs
//! under a deadline: a dead peer is a failed check, never a hang.
//! **Metric:** ns per round trip, from binding the listener to the server's end.
//!
//! [`seed`], [`check_reply`], [`deadline`] and [`outcome`] are public so that the native
//! twins send the same messages through the same checks, under the same deadline (with
//! their runtime's own timer: a pending timer costs a little on every turn of a loop).

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use rtbench_core::io::{TcpListener, TcpStream};
use rtbench_core::{
    Capability, Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError,
    ScenarioInfo,
};

use crate::io_support::{echo, fill_pattern, first_mismatch, read_exact, within};
use crate::measure::timed;

/// One connection, one client, one echo server.
pub struct TcpRoundTrip;

impl Scenario for TcpRoundTrip {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "tcp_round_trip",
        lesson: "W8-S1",
        summary: "a client and an echo-server task exchange a small message R times over \
                  one loopback connection; every echoed byte is checked",
        params: &[
            ParamSpec {
                name: "rounds",
                help: "round trips on the connection",
                default: 1_000,
                quick: 1_000,
                test: 50,
                min: 1,
            },
            ParamSpec {
                name: "size",
                help: "bytes per message",
                default: 64,
                quick: 64,
                test: 100,
                min: 1,
            },
        ],
        requires: &[Capability::Tcp],
        elements: |params| params.get("rounds"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let (rounds, size) = (params.get("rounds"), params.count("size"));
        let limit = deadline(rounds);
        let (echoed, elapsed) =
            runtime.run(timed(within::<R, _>(WHAT, limit, exchange::<R>(rounds, size))));
        outcome(rounds, size, echoed, elapsed)
    }
}

/// What runs under the deadline, for its error message.
pub const WHAT: &str = "the round trips";

/// Far beyond any healthy run: 30 s, plus 1 ms per round trip.
pub fn deadline(rounds: u64) -> Duration {
    Duration::from_secs(30) + Duration::from_millis(rounds)
}

/// The seed of round `round`'s message (fill it with `io_support::fill_pattern`).
pub fn seed(round: u64) -> u64 {
    round.wrapping_mul(0x9E37_79B9) ^ 0x7263_7470
}

/// Checks the reply of round `round`.
pub fn check_reply(round: u64, reply: &[u8]) -> Result<(), ScenarioError> {
    match first_mismatch(seed(round), reply) {
        None => Ok(()),
        Some(offset) => Err(ScenarioError::Check(format!(
            "round {round}: echoed byte {offset} differs from what was sent"
        ))),
    }
}

/// Checks the bytes the server echoed (or what failed); reports ns/round trip.
pub fn outcome(
    rounds: u64,
    size: usize,
    echoed: Result<u64, ScenarioError>,
    elapsed: Duration,
) -> Result<Outcome, ScenarioError> {
    let (echoed, sent) = (echoed?, rounds * size as u64);
    ScenarioError::ensure(echoed == sent, || {
        format!("the server echoed {echoed} bytes, the client sent {sent}")
    })?;
    Ok(Outcome::checked(format!(
        "{rounds} round trips of {size} bytes on one connection, every byte echoed intact"
    ))
    .metric(Metric::nanos_per("ns/round trip", elapsed, rounds)))
}

/// Binds, serves one connection in a task, runs the client; returns the bytes echoed.
async fn exchange<R: Runtime>(rounds: u64, size: usize) -> Result<u64, ScenarioError> {
    let listener = R::tcp_bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let addr = listener.local_addr()?;
    let server = R::spawn(async move {
        let (stream, _peer) = listener.accept().await?;
        echo(stream, Vec::with_capacity(size)).await
    });
    client(R::tcp_connect(addr).await?, rounds, size).await?;
    Ok(server.await??)
}

/// `rounds` round trips, each checked; the connection is closed when it returns.
async fn client<S: TcpStream>(mut stream: S, rounds: u64, size: usize) -> Result<(), ScenarioError> {
    let (mut message, mut reply) = (vec![0; size], Vec::with_capacity(size));
    for round in 0..rounds {
        fill_pattern(seed(round), &mut message);
        let (written, back) = stream.write_all(message).await;
        message = back;
        written?;
        let (read, back) = read_exact(&mut stream, reply, size).await;
        reply = back;
        read?;
        check_reply(round, &reply)?;
    }
    Ok(())
}
