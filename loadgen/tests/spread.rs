//! A job against a server with several listeners (a thread-per-core server, one per
//! shard): the connections are spread over them in turn, and the report's per-address
//! counts are what each listener really answered.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::mpsc;
use std::thread;

use rtbench_loadgen::{Job, Load, Protocol};

const SIZE: usize = 8;

/// A plain echo listener on its own thread: sends back, per connection it accepts,
/// `SIZE`-byte messages until the peer closes; reports (connections, messages) once
/// `connections` connections have closed.
fn echo_listener(connections: usize) -> (SocketAddr, mpsc::Receiver<(usize, u64)>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let (done, counts) = mpsc::channel();
    thread::spawn(move || {
        let echoes: Vec<_> = (0..connections)
            .map(|_| {
                let (mut stream, _) = listener.accept().unwrap();
                thread::spawn(move || {
                    let (mut message, mut echoed) = ([0; SIZE], 0);
                    while stream.read_exact(&mut message).is_ok() {
                        stream.write_all(&message).unwrap();
                        echoed += 1;
                    }
                    echoed
                })
            })
            .collect();
        let messages = echoes.into_iter().map(|echo| echo.join().unwrap()).sum();
        done.send((connections, messages)).unwrap();
    });
    (addr, counts)
}

#[test]
fn connections_go_to_each_address_in_turn_and_each_address_is_counted() {
    // 5 connections over 2 listeners: 3 to the first, 2 to the second.
    let (first, first_counts) = echo_listener(3);
    let (second, second_counts) = echo_listener(2);
    let job = Job {
        addrs: vec![first, second],
        protocol: Protocol::Echo { size: SIZE },
        connections: 5,
        load: Load::Rated { closed_per_connection: 7, open_percents: vec![50], open_requests: 11 },
        phase_limit_ms: 60_000,
    };
    let report = job.run().unwrap();
    let served = [first_counts.recv().unwrap(), second_counts.recv().unwrap()];
    assert_eq!(served.map(|(connections, _)| connections), [3, 2]);
    let answered = served.map(|(_, messages)| messages);
    assert_eq!(report.per_addr, answered);
    // One confirming request per connection as it opens. Closed loop: 7 per connection.
    // Open loop: request i on connection i mod 5, so connection 0 takes 3 of the 11 and
    // the others 2 each. The first listener has connections 0, 2 and 4; the second 1
    // and 3.
    assert_eq!(answered, [3 + 3 * 7 + 3 + 2 + 2, 2 + 2 * 7 + 2 + 2]);
    assert_eq!(answered.iter().sum::<u64>(), job.requests());
}

#[test]
fn a_job_without_an_address_is_an_error() {
    let job = Job {
        addrs: Vec::new(),
        protocol: Protocol::Echo { size: SIZE },
        connections: 1,
        load: Load::Rated { closed_per_connection: 1, open_percents: Vec::new(), open_requests: 0 },
        phase_limit_ms: 1_000,
    };
    assert!(job.run().unwrap_err().0.contains("at least one server address"));
}
