//! Opening the generator's connections, with errors that say which limit ran out.
//!
//! Each connection costs the generator one descriptor and one local port (the server
//! holds the other end). The two ways that fails on a big run — `EMFILE` and
//! `EADDRNOTAVAIL` — are reported with the limit's name and value, not as a bare
//! `os error 24` halfway through a run.

use std::io;
use std::net::{SocketAddr, TcpStream};

use crate::protocol::{Exchanger, Protocol};
use crate::LoadError;

/// Connections opened before the generator waits for the server to have accepted them:
/// below the smallest accept backlog a runtime's listener uses (std's 128).
pub const WAVE: usize = 64;

/// Opens `count` connections spread over `addrs` in turn — connection `id` goes to
/// `addrs[id % addrs.len()]` ([`target`]) — each with `TCP_NODELAY` (requests are small
/// and each waits for its answer: Nagle's algorithm would hold them back).
///
/// They are opened [`WAVE`] at a time, and each wave is confirmed by one exchange on
/// each of its connections (answered and checked, untimed) before the next wave. A
/// connect returns once the kernel has queued the connection, not once the server has
/// accepted it, so connecting flat out lets a server that falls behind overflow its
/// listener's accept queue; the kernel then drops SYNs and the client retransmits a
/// second later — measured before this (`c10k`, 5 000 connections): 18 such drops, most of
/// a 13.5 s round. An answer proves the server accepted the connection, so at most a
/// wave waits in its queue.
pub fn open(
    addrs: &[SocketAddr],
    count: usize,
    protocol: Protocol,
) -> Result<Vec<Exchanger>, LoadError> {
    if addrs.is_empty() {
        return Err(LoadError("a job needs at least one server address".into()));
    }
    let mut connections = Vec::with_capacity(count);
    while connections.len() < count {
        let wave = connections.len()..(connections.len() + WAVE).min(count);
        for id in wave.clone() {
            connections.push(connect(addrs[target(id, addrs.len())], id, count, protocol)?);
        }
        for connection in &mut connections[wave] {
            connection.exchange()?;
        }
    }
    Ok(connections)
}

/// Opens connection `id` of `count`.
fn connect(
    addr: SocketAddr,
    id: usize,
    count: usize,
    protocol: Protocol,
) -> Result<Exchanger, LoadError> {
    let stream = TcpStream::connect(addr).map_err(|error| refused(addr, id, count, &error))?;
    stream.set_nodelay(true).map_err(|error| LoadError(format!("TCP_NODELAY: {error}")))?;
    Ok(Exchanger::new(stream, id as u64, protocol))
}

/// Which of `targets` addresses connection `id` goes to: in turn, so that each address
/// gets `count / targets` connections and the first `count % targets` one more — the
/// same split as `rtbench_core::Shard::share`, which is how a sharded server knows how
/// many connections its listener will accept.
pub fn target(id: usize, targets: usize) -> usize {
    id % targets
}

/// Raises this process's soft open-file limit to its hard one, so that the generator
/// can hold as many connections as it is allowed to.
pub fn raise_open_files() {
    if let Some((_, hard)) = open_files_limit() {
        let limit = libc::rlimit { rlim_cur: hard, rlim_max: hard };
        // SAFETY: `setrlimit` reads the `rlimit` we own; a refusal leaves the limit as is.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    }
}

/// `RLIMIT_NOFILE` as (soft, hard).
fn open_files_limit() -> Option<(libc::rlim_t, libc::rlim_t)> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `getrlimit` writes into the `rlimit` we own.
    (unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0)
        .then_some((limit.rlim_cur, limit.rlim_max))
}

/// Why connection `id` of `count` could not be opened, naming the limit when one ran out.
fn refused(addr: SocketAddr, id: usize, count: usize, error: &io::Error) -> LoadError {
    let opened = format!("after {id} of {count} connections to {addr}");
    LoadError(match error.raw_os_error() {
        Some(libc::EMFILE | libc::ENFILE) => {
            let (soft, hard) = open_files_limit().unwrap_or_default();
            format!(
                "the load generator ran out of descriptors {opened}: open-file limit \
                 (RLIMIT_NOFILE) soft {soft}, hard {hard}; it needs one per connection ({error})"
            )
        }
        Some(libc::EADDRNOTAVAIL) => {
            let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
                .map_or_else(
                    |_| "unknown".to_owned(),
                    |text| text.split_whitespace().collect::<Vec<_>>().join("-"),
                );
            format!(
                "the load generator ran out of local ports {opened}: \
                 net.ipv4.ip_local_port_range is {range} ({error})"
            )
        }
        _ => format!("cannot connect {opened}: {error}"),
    })
}
