//! Small helpers shared by the I/O scenarios (`tcp_echo`, `http_fetch`, `subprocess`,
//! `file_io`, `c10k`).
//!
//! - [`pattern`] / [`first_mismatch`]: every byte an I/O scenario moves is derived from
//!   a seed (client and round, file number…), so a byte that is lost, duplicated,
//!   reordered or delivered to the wrong peer is caught, not just a wrong length.
//! - [`echo`] / [`read_exact`]: the two halves of every TCP exchange here, on the
//!   contract's owned-buffer calls (`rtbench_core::io::TcpStream`): the server sends
//!   back what it reads in the very buffer it read into; the client reads one whole
//!   reply, and a peer sending more than that is an error, not a silent over-read.
//! - [`within`]: I/O can stall forever when a peer dies; every I/O scenario runs under a
//!   deadline built from [`Runtime::timeout`], and expiry is a failed check, not a hang.
//! - [`Latencies`]: per-operation latencies in an HDR histogram, reported as p50/p99.
//! - [`OpenFiles`]: a scenario that opens many connections checks the open-file limit
//!   before it starts, so that a low limit is `n/a` with the numbers and a fix that
//!   works, rather than a connection failing halfway (`Connection reset by peer` when
//!   the server cannot accept).

use std::future::Future;
use std::io;
use std::time::Duration;

use hdrhistogram::Histogram;
use rtbench_core::io::{BufResult, TcpStream};
use rtbench_core::{Metric, ParamSpec, Runtime, ScenarioError};

/// The byte at `index` of the pattern for `seed`: a cheap hash of both, so that two
/// seeds or two offsets give different sequences.
fn pattern_byte(seed: u64, index: usize) -> u8 {
    let mixed = (index as u64 ^ seed.rotate_left(17))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(seed);
    (mixed >> 56) as u8
}

/// `len` bytes of the pattern for `seed`.
///
/// ```
/// use rtbench_scenarios::io_support::{first_mismatch, pattern};
/// let bytes = pattern(7, 100);
/// assert_eq!(first_mismatch(7, &bytes), None);
/// assert_ne!(pattern(8, 100), bytes);
/// ```
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    fill_pattern(seed, &mut bytes);
    bytes
}

/// Overwrites `bytes` with the pattern for `seed` (no allocation, for hot loops).
pub fn fill_pattern(seed: u64, bytes: &mut [u8]) {
    for (index, byte) in bytes.iter_mut().enumerate() {
        *byte = pattern_byte(seed, index);
    }
}

/// The first offset where `bytes` differs from the pattern for `seed`, if any.
pub fn first_mismatch(seed: u64, bytes: &[u8]) -> Option<usize> {
    bytes.iter().enumerate().position(|(index, &byte)| byte != pattern_byte(seed, index))
}

/// Sends back whatever arrives, in reads of at most `buf.capacity()` bytes, until the
/// peer shuts its side down; returns the bytes echoed. Each read's buffer is written
/// back as it is: no copy.
pub async fn echo<S: TcpStream>(mut stream: S, mut buf: Vec<u8>) -> io::Result<u64> {
    let mut echoed = 0;
    loop {
        let (read, filled) = stream.read(buf).await;
        match read? {
            0 => return Ok(echoed),
            read => echoed += read as u64,
        }
        let (written, back) = stream.write_all(filled).await;
        written?;
        buf = back;
    }
}

/// Reads exactly `len` bytes into `buf` (replacing its contents, growing it to `len` if
/// needed). The first read goes straight into `buf`; a short one is completed through
/// a second buffer. End of file first is `UnexpectedEof`; bytes beyond `len` (the peer
/// sent more than one reply) are `InvalidData`.
pub async fn read_exact<S: TcpStream>(
    stream: &mut S,
    mut buf: Vec<u8>,
    len: usize,
) -> BufResult<()> {
    buf.clear();
    buf.reserve_exact(len);
    let (mut read, mut buf) = stream.read(buf).await;
    let mut rest = Vec::new();
    loop {
        match read {
            Err(error) => return (Err(error), buf),
            Ok(_) if buf.len() > len => {
                let error = format!("read {} bytes where {len} were expected", buf.len());
                return (Err(io::Error::new(io::ErrorKind::InvalidData, error)), buf);
            }
            Ok(_) if buf.len() == len => return (Ok(()), buf),
            Ok(0) => return (Err(io::ErrorKind::UnexpectedEof.into()), buf),
            Ok(_) => {}
        }
        rest.clear();
        rest.reserve_exact(len - buf.len());
        let (more, chunk) = stream.read(rest).await;
        buf.extend_from_slice(&chunk);
        (read, rest) = (more, chunk);
    }
}

/// Runs `future` under a deadline of `limit`; if it passes, the scenario fails with a
/// check error naming `what` (a stalled or dead peer must not hang the benchmark).
pub async fn within<R: Runtime, T>(
    what: &str,
    limit: Duration,
    future: impl Future<Output = Result<T, ScenarioError>> + Send,
) -> Result<T, ScenarioError> {
    R::timeout(limit, future).await.unwrap_or_else(|_| Err(stalled(what, limit)))
}

/// The check error of an exchange (`what`) that outlived its deadline `limit`.
pub fn stalled(what: &str, limit: Duration) -> ScenarioError {
    ScenarioError::Check(format!("{what} did not finish within {limit:?}: a peer stalled or died"))
}

/// Latencies of one kind of operation, with nanosecond resolution and 3 significant
/// digits.
#[derive(Clone, Debug)]
pub struct Latencies(Histogram<u64>);

impl Default for Latencies {
    fn default() -> Self {
        Latencies(Histogram::new(3).expect("3 significant digits is a valid precision"))
    }
}

impl Latencies {
    /// Records one operation.
    pub fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX).max(1);
        // Not `saturating_record`: it clamps to the current range instead of growing it.
        self.0.record(nanos).expect("an auto-resizing histogram grows to any u64 value");
    }

    /// Adds every operation recorded in `other`.
    pub fn merge(&mut self, other: &Latencies) {
        self.0.add(&other.0).expect("auto-resizing histograms accept any value");
    }

    /// How many operations were recorded.
    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The median and 99th percentile, in microseconds (smaller is better).
    ///
    /// ```
    /// use std::time::Duration;
    /// use rtbench_scenarios::io_support::Latencies;
    /// let mut latencies = Latencies::default();
    /// (1..=100).for_each(|us| latencies.record(Duration::from_micros(us)));
    /// let [p50, p99] = latencies.percentile_metrics();
    /// assert!((p50.value - 50.0).abs() < 0.1 && (p99.value - 99.0).abs() < 0.1);
    /// ```
    pub fn percentile_metrics(&self) -> [Metric; 2] {
        let micros = |quantile| self.0.value_at_quantile(quantile) as f64 / 1_000.0;
        [
            Metric::lower("latency p50 µs", micros(0.5)),
            Metric::lower("latency p99 µs", micros(0.99)),
        ]
    }
}

/// Operations per second.
pub fn per_second(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
}

/// Descriptors a process needs besides its connections: stdio, the listener, the
/// runtime's reactor and io_uring rings. A worker holds about a dozen before its first
/// connection; the rest is headroom.
pub const SPARE_DESCRIPTORS: u64 = 128;

/// How a scenario's open files grow with one of its parameters: `per` descriptors for
/// each unit of `param` (a loopback connection costs 2, both ends being in this
/// process), plus [`SPARE_DESCRIPTORS`].
#[derive(Clone, Copy, Debug)]
pub struct OpenFiles {
    /// The scenario's name, for the `--param` hint.
    pub scenario: &'static str,
    /// The parameter that sets the number of connections.
    pub param: ParamSpec,
    /// Descriptors per unit of `param`.
    pub per: u64,
}

impl OpenFiles {
    /// Descriptors needed with `param` at `value`.
    fn needed(&self, value: u64) -> u64 {
        self.per.saturating_mul(value).saturating_add(SPARE_DESCRIPTORS)
    }

    /// Makes sure the process may open what `param` at `value` needs: raises the soft
    /// open-file limit (and the hard one, where the process is allowed to), else
    /// reports as `n/a` the numbers and a fix that works.
    #[cfg(unix)]
    pub fn ensure(&self, value: u64) -> Result<(), ScenarioError> {
        use rlimit::Resource;
        let needed = self.needed(value);
        let (soft, hard) = Resource::NOFILE.get()?;
        if soft < needed && Resource::NOFILE.set(needed, hard.max(needed)).is_err() {
            // Not privileged: the soft limit can still go up to the hard one.
            let _ = Resource::NOFILE.set(needed.min(hard), hard);
        }
        let (soft, hard) = Resource::NOFILE.get()?;
        self.shortfall(value, soft, hard).map_or(Ok(()), |why| Err(ScenarioError::Unsupported(why)))
    }

    /// Elsewhere the limit is not checked up front: an exhausted limit is an I/O error.
    #[cfg(not(unix))]
    pub fn ensure(&self, _value: u64) -> Result<(), ScenarioError> {
        Ok(())
    }

    /// Why `param` at `value` does not fit under the soft limit `soft` (hard: `hard`),
    /// with a fix that works, or `None` if it fits. The smaller value suggested is one
    /// that fits and that the command line accepts (at least [`ParamSpec::min`]); when
    /// even the minimum does not fit, raising the limit is the only fix offered. By the
    /// time this is asked the soft limit was raised as far as the hard one allows, so
    /// the hard limit is what must go up; `ulimit -Hn` alone does that only with
    /// `CAP_SYS_RESOURCE`, which root lacks in many containers.
    #[cfg_attr(not(unix), allow(dead_code))]
    fn shortfall(&self, value: u64, soft: u64, hard: u64) -> Option<String> {
        let needed = self.needed(value);
        if needed <= soft {
            return None;
        }
        let (per, param) = (self.per, format!("{}.{}", self.scenario, self.param.name));
        let raise = format!(
            "raise the hard open-file limit to {needed} before starting rtbench (ulimit -Hn \
             {needed} with CAP_SYS_RESOURCE, or the session's nofile limit)"
        );
        let fits = soft.saturating_sub(SPARE_DESCRIPTORS) / per;
        let fix = if fits >= self.param.min {
            format!("run with --param {param}={fits}, or {raise}")
        } else {
            let min = self.param.min;
            format!("even {param}={min} needs {}; {raise}", self.needed(min))
        };
        Some(format!(
            "open-file limit too low: {param}={value} needs {needed} descriptors ({per} each + \
             {SPARE_DESCRIPTORS} spare), soft limit {soft}, hard limit {hard}; {fix}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_byte_is_found() {
        let mut bytes = pattern(42, 1000);
        bytes[517] ^= 1;
        assert_eq!(first_mismatch(42, &bytes), Some(517));
    }

    #[test]
    fn neighbouring_seeds_differ_everywhere_but_by_chance() {
        let (a, b) = (pattern(1 << 32, 1000), pattern((1 << 32) | 1, 1000));
        let equal = a.iter().zip(&b).filter(|(x, y)| x == y).count();
        assert!(equal < 20, "{equal} equal bytes out of 1000");
    }

    /// `c10k.connections`: 2 descriptors per connection, at least 1 connection.
    const CONNECTIONS: OpenFiles = OpenFiles {
        scenario: "c10k",
        param: ParamSpec {
            name: "connections",
            help: "connections",
            default: 10_000,
            quick: 5_000,
            test: 50,
            min: 1,
        },
        per: 2,
    };

    #[test]
    fn a_value_that_fits_the_soft_limit_passes() {
        assert_eq!(CONNECTIONS.shortfall(100, 328, 328), None);
        assert_eq!(CONNECTIONS.shortfall(100, 20_000, 20_000), None);
    }

    #[test]
    fn too_many_connections_suggest_the_largest_value_that_fits() {
        let why = CONNECTIONS.shortfall(10_000, 1_024, 4_096).expect("does not fit");
        assert!(why.contains("c10k.connections=10000 needs 20128 descriptors"), "{why}");
        assert!(why.contains("(2 each + 128 spare)"), "{why}");
        assert!(why.contains("soft limit 1024, hard limit 4096"), "{why}");
        assert!(why.contains("--param c10k.connections=448,"), "{why}");
        assert!(why.contains("ulimit -Hn 20128"), "{why}");
        assert_eq!(CONNECTIONS.shortfall(448, 1_024, 1_024), None, "the suggestion fits");
    }

    /// Issue 7: under `ulimit -n 64` the hint was `connections=0`, which `--param` refuses.
    #[test]
    fn when_even_the_minimum_does_not_fit_only_raising_the_limit_is_offered() {
        for soft in [0, 64, 129] {
            let why = CONNECTIONS.shortfall(5_000, soft, soft).expect("does not fit");
            assert!(!why.contains("--param"), "{why}");
            assert!(why.contains("even c10k.connections=1 needs 130;"), "{why}");
            assert!(why.contains("raise the hard open-file limit to 10128"), "{why}");
        }
    }

    #[test]
    fn the_suggested_value_is_never_below_the_parameters_minimum() {
        let clients = OpenFiles { param: ParamSpec { min: 4, ..CONNECTIONS.param }, ..CONNECTIONS };
        for soft in 0..400 {
            let Some(why) = clients.shortfall(1_000, soft, soft) else { continue };
            if let Some((_, suggested)) = why.split_once("--param c10k.connections=") {
                let suggested: u64 = suggested.split(',').next().unwrap().parse().unwrap();
                assert!(suggested >= 4, "soft {soft}: {why}");
                assert_eq!(clients.shortfall(suggested, soft, soft), None, "soft {soft}: {why}");
            }
        }
    }
}
