//! `http_fetch` (W8-S4): the course's `fetch` of several URLs with `aiohttp`, against a
//! local HTTP/1.1 server whose every response takes `delay` ms.
//!
//! The client fetches U URLs three ways — all at once with `gather` (elapsed ≈ d: "the
//! time of the longest instead of the sum"), sequentially (≈ U·d) and with a window of
//! W in flight (≈ ⌈U/W⌉·d) — then reads one streamed response line by line (the
//! course's `async for`). Server and client are hyper 1.x, both running on the runtime
//! under test through the generic glue in [`rt`]; nothing here is tied to one runtime.
//! hyper reads and writes through poll-based traits, so its connections go through the
//! contract's poll-based bridge ([`TcpStream::into_poll_io`](rtbench_core::io::TcpStream::into_poll_io)):
//! the scenario requires [`Capability::PollIo`] and its notes say how the runtime
//! provides it (the stream itself on readiness runtimes, a compatibility layer on
//! completion runtimes).
//! Checks: every body intact; the server never saw more requests in flight at once than
//! the mode allows, and — in every mode that allows several — saw several; each elapsed
//! time at least its ideal (the server's delays never end early). Concurrency is judged
//! by what the server saw, not by the clock: a client that waits for each response
//! before sending the next request never has two at the server, whatever the load, and
//! a concurrent one has two as soon as one request reaches the server while another is
//! still in its delay — load would have to hold back each of the U requests until the
//! previous one's whole delay was over. How far above its ideal a mode took is a
//! figure, never a check: load alone can stretch it without bound.
//! Metrics: each mode's elapsed/ideal (headline: gather's), then each mode's req/s.

mod client;
pub mod rt;
mod server;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtbench_core::io::TcpListener;
use rtbench_core::{
    Capability, Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError,
    ScenarioInfo,
};

use crate::io_support::{per_second, within};

/// Sequential, gather and windowed fetches from a delaying local HTTP server, and one
/// streamed body read line by line.
pub struct HttpFetch;

/// One way of fetching the U URLs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Sequential,
    Gather,
    Window,
}

impl Mode {
    /// In the order they run and are reported (gather, the headline, first).
    const ALL: [Mode; 3] = [Mode::Gather, Mode::Sequential, Mode::Window];

    fn name(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::Gather => "gather",
            Mode::Window => "window",
        }
    }

    /// The most requests this mode lets be in flight at once.
    fn in_flight(self, urls: usize, window: usize) -> usize {
        match self {
            Mode::Sequential => 1,
            Mode::Gather => urls,
            Mode::Window => window,
        }
    }

    /// ⌈U / in_flight⌉ · d: the elapsed time with no overhead at all.
    fn ideal(self, urls: usize, window: usize, delay: Duration) -> Duration {
        let batches = urls.div_ceil(self.in_flight(urls, window));
        delay * u32::try_from(batches).unwrap_or(u32::MAX)
    }

    fn rate_metric(self, value: f64) -> Metric {
        Metric::higher(
            match self {
                Mode::Sequential => "sequential req/s",
                Mode::Gather => "gather req/s",
                Mode::Window => "window req/s",
            },
            value,
        )
    }

    fn ratio_metric(self, value: f64) -> Metric {
        Metric::lower(
            match self {
                Mode::Sequential => "sequential elapsed/ideal",
                Mode::Gather => "gather elapsed/ideal",
                Mode::Window => "window elapsed/ideal",
            },
            value,
        )
    }
}

/// What the server and the clock saw of one mode.
struct ModeRun {
    mode: Mode,
    elapsed: Duration,
    peak_in_flight: usize,
}

impl Scenario for HttpFetch {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "http_fetch",
        lesson: "W8-S4",
        summary: "fetch U URLs from a delaying local HTTP/1.1 server sequentially, with \
                  gather and with a window of W; read a streamed body line by line",
        params: &[
            ParamSpec {
                name: "urls",
                help: "URLs fetched in each mode",
                default: 100,
                quick: 10,
                test: 10,
                min: 1,
            },
            ParamSpec {
                name: "delay",
                help: "server delay per response, ms",
                default: 20,
                quick: 10,
                test: 50,
                min: 1,
            },
            ParamSpec {
                name: "window",
                help: "requests in flight at most, in the window mode",
                default: 10,
                quick: 5,
                test: 3,
                min: 1,
            },
            ParamSpec {
                name: "lines",
                help: "lines in the streamed body",
                default: 1_000,
                quick: 200,
                test: 50,
                min: 1,
            },
        ],
        requires: &[Capability::Tcp, Capability::PollIo],
        elements: |params| 3 * params.get("urls") + 1,
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let (urls, delay, window, lines) = (
            params.count("urls"),
            params.millis("delay"),
            params.count("window"),
            params.count("lines"),
        );
        ScenarioError::ensure(urls > 0 && window > 0 && !delay.is_zero(), || {
            "urls, window and delay must be at least 1".to_owned()
        })?;
        let ideal_total: Duration =
            Mode::ALL.iter().map(|mode| mode.ideal(urls, window, delay)).sum();
        let limit = Duration::from_secs(60) + ideal_total * 2;
        let (runs, frames) = runtime.run(within::<R, _>(
            "the HTTP exchange",
            limit,
            exchange::<R>(urls, delay, window, lines),
        ))?;

        let mut outcome = Outcome::checked(format!(
            "{urls} bodies intact in each of 3 modes; the server saw one request at a time \
             sequentially, several at once with gather and with the window (never above \
             {window}); no mode faster than its ideal; {lines} streamed lines in order \
             ({frames} body frames)"
        ));
        let (mut rates, mut ratios) = (Vec::new(), Vec::new());
        for run in &runs {
            check_mode(run, urls, window, delay)?;
            let ideal = run.mode.ideal(urls, window, delay);
            rates.push(run.mode.rate_metric(per_second(urls as u64, run.elapsed)));
            ratios.push(run.mode.ratio_metric(run.elapsed.as_secs_f64() / ideal.as_secs_f64()));
        }
        // Headline: gather's elapsed/ideal, the runtime's overhead over "the time of the
        // longest". Its req/s is bounded by the server's delay, the same everywhere.
        outcome.metrics = ratios.into_iter().chain(rates).collect();
        Ok(outcome
            .note("each request opens its own connection, as the course's fetch does")
            .note(format!(
                "hyper reads and writes through the poll-based bridge: {}",
                R::INFO.capabilities.poll_io.detail()
            )))
    }
}

/// A mode's checks: the server never saw more requests in flight than the mode allows,
/// and at least two at once where it allows two; the elapsed time is at least the ideal.
fn check_mode(
    run: &ModeRun,
    urls: usize,
    window: usize,
    delay: Duration,
) -> Result<(), ScenarioError> {
    let (name, elapsed) = (run.mode.name(), run.elapsed);
    let allowed = run.mode.in_flight(urls, window);
    ScenarioError::ensure(run.peak_in_flight <= allowed, || {
        let peak = run.peak_in_flight;
        format!("{name}: {peak} requests in flight at once, at most {allowed} allowed")
    })?;
    let ideal = run.mode.ideal(urls, window, delay);
    ScenarioError::ensure(elapsed >= ideal, || {
        format!("{name}: took {elapsed:?}, less than its ideal {ideal:?}: a delay was cut short")
    })?;
    ScenarioError::ensure(allowed.min(urls) < 2 || run.peak_in_flight >= 2, || {
        format!(
            "{name}: the server never had two of the {urls} requests in flight at once \
             ({allowed} allowed): the fetches ran one after the other"
        )
    })
}

/// Runs the server and every mode, then the streamed read; returns each mode's
/// measurements and how many frames carried the streamed body.
async fn exchange<R: Runtime>(
    urls: usize,
    delay: Duration,
    window: usize,
    lines: usize,
) -> Result<(Vec<ModeRun>, usize), ScenarioError> {
    let listener = R::tcp_bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let addr = listener.local_addr()?;
    let in_flight = Arc::new(server::InFlight::default());
    let connections = Mode::ALL.len() * urls + 1;
    let server =
        R::spawn(server::serve::<R>(listener, connections, delay, Arc::clone(&in_flight)));
    let mut runs = Vec::with_capacity(Mode::ALL.len());
    for mode in Mode::ALL {
        let start = Instant::now();
        client::fetch_all::<R>(addr, urls, mode.in_flight(urls, window)).await?;
        let elapsed = start.elapsed();
        runs.push(ModeRun { mode, elapsed, peak_in_flight: in_flight.take_peak() });
    }
    let frames = client::fetch_lines::<R>(addr, lines).await?;
    ScenarioError::ensure(lines < 2 || frames > 1, || {
        format!("the {lines}-line body arrived in {frames} frame(s): it was not streamed")
    })?;
    server.await??;
    Ok((runs, frames))
}

/// A hyper error as the scenario's I/O error.
pub(crate) fn http_error(error: hyper::Error) -> ScenarioError {
    ScenarioError::Io(io::Error::other(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DELAY: Duration = Duration::from_millis(50);

    fn check(mode: Mode, elapsed_ms: u64, peak_in_flight: usize) -> Result<(), ScenarioError> {
        let run = ModeRun { mode, elapsed: Duration::from_millis(elapsed_ms), peak_in_flight };
        check_mode(&run, 10, 3, DELAY)
    }

    #[test]
    fn ideals_follow_the_course() {
        assert_eq!(Mode::Sequential.ideal(10, 3, DELAY), DELAY * 10);
        assert_eq!(Mode::Gather.ideal(10, 3, DELAY), DELAY);
        assert_eq!(Mode::Window.ideal(10, 3, DELAY), DELAY * 4);
    }

    #[test]
    fn plausible_runs_pass_however_slow() {
        check(Mode::Sequential, 520, 1).unwrap();
        check(Mode::Gather, 60, 10).unwrap();
        check(Mode::Window, 230, 3).unwrap();
        // Load stretches every mode; only what the server saw tells concurrency.
        check(Mode::Sequential, 5_000, 1).unwrap();
        check(Mode::Gather, 5_000, 2).unwrap();
        check(Mode::Window, 5_000, 2).unwrap();
        // One URL: one request in flight is all any mode can have.
        for mode in Mode::ALL {
            let run = ModeRun { mode, elapsed: DELAY, peak_in_flight: 1 };
            check_mode(&run, 1, 3, DELAY).unwrap();
        }
    }

    #[test]
    fn impossible_or_wrong_runs_fail() {
        for (mode, elapsed_ms, peak) in [
            (Mode::Sequential, 400, 1), // faster than the sum of the delays
            (Mode::Sequential, 520, 2), // two requests at once
            (Mode::Window, 230, 4),     // window overrun
            (Mode::Window, 150, 3),     // faster than ⌈U/W⌉·d
            (Mode::Gather, 500, 1),     // one request at a time
            (Mode::Window, 500, 1),     // one request at a time
        ] {
            assert!(
                matches!(check(mode, elapsed_ms, peak), Err(ScenarioError::Check(_))),
                "{mode:?} {elapsed_ms} ms peak {peak} should fail"
            );
        }
    }
}
