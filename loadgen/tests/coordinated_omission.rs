//! The coordinated-omission case, against a deliberately slow echo server that stalls
//! every answer in a window of `STALL`.
//!
//! Only what no scheduling delay can break is asserted:
//! - open loop: a request meant to leave in the first half of the window left no
//!   earlier, so it reached the server during the window (and waited for its end) or
//!   after it; either way it was answered at least `STALL / 2` after its intended
//!   time. Those requests are a fixed share of the schedule (15 %), so the p99 is at
//!   least `STALL / 2` however loaded the machine;
//! - closed loop: the stalled request itself took at least `STALL` (the maximum shows
//!   the stall), but a connection waiting for an answer sends nothing else, so at most
//!   one request per connection (4 of 1 000) met the stall: the p99 stays below
//!   `STALL / 2` unless the machine froze for `STALL / 2` at least three separate times
//!   during the run, far beyond ordinary load.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use rtbench_loadgen::connection;
use rtbench_loadgen::phase::{closed_loop, open_loop, Limit, Percentiles, Schedule};
use rtbench_loadgen::Protocol;

const STALL: Duration = Duration::from_millis(600);
const CONNECTIONS: usize = 4;
const SIZE: usize = 16;
const LIMIT: Limit = Limit(Duration::from_secs(60));

/// When the server holds its answers back.
#[derive(Clone, Copy)]
enum Stall {
    /// Every request arriving in `[from, from + STALL)` is answered at `from + STALL`.
    Window { from: Instant },
    /// The window opens when request number `index` (over all connections) arrives.
    AtRequest { index: u64 },
}

struct SlowServer {
    stall: Stall,
    arrived: u64,
    window: Option<Instant>,
}

impl SlowServer {
    /// How long to hold an answer to a request arriving now.
    fn hold(&mut self) -> Duration {
        let now = Instant::now();
        self.arrived += 1;
        match self.stall {
            Stall::Window { from } => self.window = Some(from),
            Stall::AtRequest { index } if self.arrived == index => self.window = Some(now),
            Stall::AtRequest { .. } => {}
        }
        match self.window {
            Some(from) if now >= from && now < from + STALL => from + STALL - now,
            _ => Duration::ZERO,
        }
    }
}

/// Starts an echo server with `stall`, one thread per connection, on an ephemeral port.
fn slow_echo_server(stall: Stall) -> SocketAddr {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Arc::new(Mutex::new(SlowServer { stall, arrived: 0, window: None }));
    thread::spawn(move || {
        for stream in listener.incoming().take(CONNECTIONS) {
            let (mut stream, server) = (stream.unwrap(), Arc::clone(&server));
            thread::spawn(move || {
                let mut message = [0; SIZE];
                while stream.read_exact(&mut message).is_ok() {
                    let hold = server.lock().unwrap().hold();
                    thread::sleep(hold);
                    if stream.write_all(&message).is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

fn connections(addr: SocketAddr) -> Vec<rtbench_loadgen::protocol::Exchanger> {
    connection::open(&[addr], CONNECTIONS, Protocol::Echo { size: SIZE }).unwrap()
}

#[test]
fn open_loop_latency_from_the_intended_time_shows_a_stall_that_closed_loop_hides() {
    let half = (STALL / 2).as_micros() as f64;
    // Precision of the histogram: 3 significant digits.
    let at_least_half = half * 0.999;

    let start = Instant::now() + Duration::from_millis(50);
    let schedule = Schedule { start, rate: 500.0, count: 1_000 };
    let from = start + Duration::from_millis(400);
    let addr = slow_echo_server(Stall::Window { from });
    let open = open_loop(&mut connections(addr), schedule, LIMIT).unwrap();
    let meant_in_first_half = (0..schedule.count)
        .filter(|&i| (from..from + STALL / 2).contains(&schedule.intended(i)))
        .count();
    assert_eq!(meant_in_first_half, 150, "15 % of the schedule falls in the stall's first half");
    let slow = open.latencies.count_between((at_least_half * 1e3) as u64, u64::MAX);
    assert!(slow >= 150, "only {slow} open-loop latencies ≥ STALL/2");
    let open = Percentiles::of(&open.latencies);
    assert_eq!(open.count, 1_000);
    assert!(open.p99_us >= at_least_half, "open loop p99 {} µs hides the stall", open.p99_us);

    let addr = slow_echo_server(Stall::AtRequest { index: 100 });
    let closed = closed_loop(&mut connections(addr), 250, LIMIT).unwrap();
    let closed = Percentiles::of(&closed.latencies);
    assert_eq!(closed.count, 1_000);
    assert!(
        closed.max_us >= STALL.as_micros() as f64 * 0.999,
        "closed loop max {} µs",
        closed.max_us
    );
    assert!(closed.p99_us < half, "closed loop p99 {} µs shows the stall", closed.p99_us);
    eprintln!("open loop {open:?}\nclosed loop {closed:?}");
}
