//! `ping_pong` (W8-S8, the course's queue of size 1): two tasks bounce a token over two
//! `bounded(1)` channels, `rounds` round trips. Each side waits for the other's put
//! before it can go on, so every hop is a wake-up of the other task.
//!
//! The count is tokio's `ping_pong` bench's (1 000), but the shape is the course's: one
//! pair of tasks and two queues of size 1, where tokio's bench runs 1 000 pairs of
//! one-shot exchanges concurrently.
//!
//! **Checked:** every token a side receives is exactly one more than the one it sent
//! last (strict alternation, nothing lost, duplicated or reordered), and the game ends
//! on token `2·rounds − 1` with the server, `2·rounds − 2` with the returner.
//! **Metric:** ns per round trip.
//!
//! [`players`] and [`outcome`] (the check) are public so that the native twins
//! (`rtbench-native`) play the same game through the same check. The players are
//! boxed ([`Player`]) so that the game is compiled once, in this crate, and both sides of
//! `rtbench overhead` run that one copy: as an `impl Future`, each crate that polled it
//! compiled its own, and the copies differed by where the compiler placed and inlined
//! the channel's code (callgrind, monoio: 95 more instructions per round trip through
//! the contract, 3.5 % of a round trip, in `async-channel`'s queue and `event-listener`,
//! none in the adapter). The box costs both sides the same: one allocation per player,
//! one indirect call per poll.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use async_channel::{Receiver, Sender};
use rtbench_core::{
    Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo,
};

use crate::measure::timed;

/// Two tasks, two queues of size 1, one token.
pub struct PingPong;

impl Scenario for PingPong {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "ping_pong",
        lesson: "W8-S8",
        summary: "two tasks bounce a token over bounded(1) channels; it must alternate strictly",
        params: &[ParamSpec {
            name: "rounds",
            help: "round trips of the token",
            default: 1_000,
            quick: 1_000,
            test: 100,
            min: 1,
        }],
        requires: &[],
        elements: |params| params.get("rounds"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let rounds = params.get("rounds");
        let (finals, elapsed) = runtime.run(timed(async move {
            let (server, returner) = players(rounds);
            let (server, returner) = (R::spawn(server), R::spawn(returner));
            Ok::<_, ScenarioError>((server.await?, returner.await?))
        }));
        outcome(rounds, finals?, elapsed)
    }
}

/// What a player returns: the last token it received, or what went wrong.
pub type Last = Result<Option<u64>, String>;

/// A player, compiled once, here (see the module docs).
pub type Player = Pin<Box<dyn Future<Output = Last> + Send + 'static>>;

/// The two players of a game of `rounds` round trips, each to run in its own task: the
/// server, then the returner.
pub fn players(rounds: u64) -> (Player, Player) {
    let (ping_tx, ping_rx) = async_channel::bounded(1);
    let (pong_tx, pong_rx) = async_channel::bounded(1);
    (
        Box::pin(player(Side::Server, rounds, pong_rx, ping_tx)),
        Box::pin(player(Side::Returner, rounds, ping_rx, pong_tx)),
    )
}

/// Checks the last tokens the (server, returner) received; reports ns/round trip over
/// `elapsed`.
pub fn outcome(
    rounds: u64,
    (server, returner): (Last, Last),
    elapsed: Duration,
) -> Result<Outcome, ScenarioError> {
    let server = server.map_err(ScenarioError::Check)?;
    let returner = returner.map_err(ScenarioError::Check)?;
    let expected = match rounds {
        0 => (None, None),
        _ => (Some(2 * rounds - 1), Some(2 * rounds - 2)),
    };
    ScenarioError::ensure((server, returner) == expected, || {
        format!(
            "last tokens received: server {server:?}, returner {returner:?}; expected {expected:?}"
        )
    })?;
    Ok(Outcome::checked(format!("{rounds} round trips, the token alternated strictly"))
        .metric(Metric::nanos_per("ns/round trip", elapsed, rounds)))
}

/// Which end of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// Sends token 0 first and receives the odd tokens.
    Server,
    /// Receives the even tokens and returns each one plus one.
    Returner,
}

/// Plays `rounds` exchanges; returns the last token received, or what went wrong.
async fn player(
    side: Side,
    rounds: u64,
    inbox: Receiver<u64>,
    outbox: Sender<u64>,
) -> Last {
    let hung_up = || format!("{side:?}: the other side hung up");
    let mut expected = 0;
    if side == Side::Server && rounds > 0 {
        outbox.send(0).await.map_err(|_| hung_up())?;
        expected = 1;
    }
    let mut last = None;
    for round in 1..=rounds {
        let token = inbox.recv().await.map_err(|_| hung_up())?;
        if token != expected {
            return Err(format!("{side:?} received token {token}, expected {expected}"));
        }
        last = Some(token);
        expected = token + 2;
        let game_over = side == Side::Server && round == rounds;
        if !game_over {
            outbox.send(token + 1).await.map_err(|_| hung_up())?;
        }
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use futures::future::join;

    #[test]
    fn the_token_goes_up_by_one_each_hop() {
        let (ping_tx, ping_rx) = async_channel::bounded(1);
        let (pong_tx, pong_rx) = async_channel::bounded(1);
        let game = join(
            player(Side::Server, 3, pong_rx, ping_tx),
            player(Side::Returner, 3, ping_rx, pong_tx),
        );
        assert_eq!(block_on(game), (Ok(Some(5)), Ok(Some(4))));
    }

    #[test]
    fn an_out_of_order_token_is_reported() {
        let (tx, inbox) = async_channel::bounded(2);
        let (outbox, _rx) = async_channel::bounded(2);
        block_on(tx.send(2)).unwrap();
        let result = block_on(player(Side::Returner, 1, inbox, outbox));
        assert_eq!(result, Err("Returner received token 2, expected 0".to_owned()));
    }
}
