//! One phase of load on a set of connections: closed loop, open loop, or rounds over
//! many held connections; one thread per connection (per group of connections in the
//! last), every latency in an HDR histogram.
//!
//! Both loops are bounded: by a request count fixed up front, and by a [`Limit`] on
//! the phase's wall time, checked before every request and set as each socket's read
//! timeout, so a server that stops answering ends the phase with an error within about
//! twice the limit instead of hanging it.

use std::thread;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::protocol::Exchanger;
use crate::LoadError;

/// The longest a phase may take.
#[derive(Clone, Copy, Debug)]
pub struct Limit(pub Duration);

/// What one phase measured.
#[derive(Debug)]
pub struct PhaseResult {
    /// Every request's latency, nanoseconds.
    pub latencies: Histogram<u64>,
    /// From the phase's start (the schedule's, in open loop) to its last answer.
    pub elapsed: Duration,
    /// CPU time the generator's threads spent, milliseconds.
    pub cpu_ms: f64,
}

impl PhaseResult {
    /// Answers per second.
    pub fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

/// The percentiles reported for a phase, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Requests measured.
    pub count: u64,
    pub p50_us: f64,
    pub p90_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    pub max_us: f64,
}

impl Percentiles {
    /// The percentiles of `latencies` (nanoseconds).
    pub fn of(latencies: &Histogram<u64>) -> Self {
        let us = |quantile| latencies.value_at_quantile(quantile) as f64 / 1e3;
        Percentiles {
            count: latencies.len(),
            p50_us: us(0.5),
            p90_us: us(0.9),
            p99_us: us(0.99),
            p999_us: us(0.999),
            max_us: latencies.max() as f64 / 1e3,
        }
    }
}

/// Closed loop: every connection sends `per_connection` requests, each as soon as the
/// previous one is answered; latency is from send to answer.
pub fn closed_loop(
    connections: &mut [Exchanger],
    per_connection: u64,
    limit: Limit,
) -> Result<PhaseResult, LoadError> {
    let start = Instant::now();
    run_threads(connections, 1, start, limit, move |_, mine, deadline, latencies| {
        for _ in 0..per_connection {
            timed_exchanges(mine, deadline, limit, latencies)?;
        }
        Ok(())
    })
}

/// Many connections held open, few requests: `threads` threads share the connections,
/// and in each of `rounds` rounds every connection sends one request (a thread's
/// connections one after the other), `pause` apart. Latency is from send to answer.
pub fn held_rounds(
    connections: &mut [Exchanger],
    threads: usize,
    rounds: u64,
    pause: Duration,
    limit: Limit,
) -> Result<PhaseResult, LoadError> {
    let per_thread = connections.len().div_ceil(threads.max(1)).max(1);
    let start = Instant::now();
    run_threads(connections, per_thread, start, limit, move |_, mine, deadline, latencies| {
        for round in 0..rounds {
            if round > 0 {
                thread::sleep(pause);
            }
            timed_exchanges(mine, deadline, limit, latencies)?;
        }
        Ok(())
    })
}

/// One request on each of `connections`, each timed from its send.
fn timed_exchanges(
    connections: &mut [Exchanger],
    deadline: Instant,
    limit: Limit,
    latencies: &mut Histogram<u64>,
) -> Result<(), LoadError> {
    for connection in connections {
        before_request(deadline, limit)?;
        let sent = Instant::now();
        connection.exchange()?;
        record(latencies, sent.elapsed());
    }
    Ok(())
}

/// A fixed sending schedule: request `i` (from 0) is meant to leave at
/// `start + i / rate`.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    /// When request 0 is meant to leave.
    pub start: Instant,
    /// Requests per second.
    pub rate: f64,
    /// Requests in all.
    pub count: u64,
}

impl Schedule {
    /// When request `index` is meant to leave.
    pub fn intended(&self, index: u64) -> Instant {
        self.start + Duration::from_secs_f64(index as f64 / self.rate)
    }
}

/// Open loop: request `i` of `schedule` goes on connection `i mod C` at its intended
/// time (or at once, if that connection is still busy past it), and its latency is
/// measured from the **intended** time: queueing behind a slow answer counts, as it
/// would for a client that does not wait for the server (wrk2's method).
pub fn open_loop(
    connections: &mut [Exchanger],
    schedule: Schedule,
    limit: Limit,
) -> Result<PhaseResult, LoadError> {
    let stride = connections.len() as u64;
    run_threads(connections, 1, schedule.start, limit, move |index, mine, deadline, latencies| {
        let connection = &mut mine[0];
        for request in (index as u64..schedule.count).step_by(stride as usize) {
            before_request(deadline, limit)?;
            let intended = schedule.intended(request);
            if let Some(early) = intended.checked_duration_since(Instant::now()) {
                thread::sleep(early);
            }
            connection.exchange()?;
            record(latencies, intended.elapsed());
        }
        Ok(())
    })
}

/// Runs `body` on one thread per `per_thread` connections and merges what they
/// measured. `body` gets the thread's index, its connections, the phase's deadline and
/// its histogram.
fn run_threads<F>(
    connections: &mut [Exchanger],
    per_thread: usize,
    start: Instant,
    limit: Limit,
    body: F,
) -> Result<PhaseResult, LoadError>
where
    F: Fn(usize, &mut [Exchanger], Instant, &mut Histogram<u64>) -> Result<(), LoadError> + Sync,
{
    let deadline = Instant::now().max(start) + limit.0;
    for connection in connections.iter() {
        connection
            .stream()
            .set_read_timeout(Some(limit.0))
            .map_err(|error| LoadError(format!("setting a read timeout: {error}")))?;
    }
    let body = &body;
    let outcomes: Vec<Result<(Histogram<u64>, f64), LoadError>> = thread::scope(|scope| {
        let threads: Vec<_> = connections
            .chunks_mut(per_thread)
            .enumerate()
            .map(|(index, mine)| {
                scope.spawn(move || {
                    let mut latencies = new_histogram();
                    body(index, mine, deadline, &mut latencies)?;
                    Ok((latencies, thread_cpu_ms()))
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|_| Err(LoadError("a generator thread panicked".into())))
            })
            .collect()
    });
    let elapsed = start.elapsed();
    let mut merged = new_histogram();
    let mut cpu_ms = 0.0;
    for outcome in outcomes {
        let (latencies, cpu) = outcome?;
        merged.add(&latencies).expect("auto-resizing histograms accept any value");
        cpu_ms += cpu;
    }
    Ok(PhaseResult { latencies: merged, elapsed, cpu_ms })
}

/// Fails once the phase's deadline has passed.
fn before_request(deadline: Instant, limit: Limit) -> Result<(), LoadError> {
    match Instant::now() > deadline {
        true => Err(LoadError(format!("the phase ran past its limit of {:?}", limit.0))),
        false => Ok(()),
    }
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant digits is a valid precision")
}

fn record(latencies: &mut Histogram<u64>, latency: Duration) {
    let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX).max(1);
    latencies.record(nanos).expect("an auto-resizing histogram grows to any value");
}

/// CPU time of the calling thread so far (`getrusage(RUSAGE_THREAD)`), milliseconds.
fn thread_cpu_ms() -> f64 {
    // SAFETY: `getrusage` writes a `rusage` (plain integers, all-zero valid) we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_THREAD, &mut usage);
        usage
    };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    ms(usage.ru_utime) + ms(usage.ru_stime)
}
