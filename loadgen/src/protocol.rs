//! What the generator says to a server and how it checks each answer.
//!
//! - [`Protocol::Echo`]: the course's ping-pong — send `size` bytes, read `size` bytes
//!   back, which must be exactly what was sent. The bytes derive from the connection and
//!   the request's sequence number, so an answer lost, repeated or delivered to another
//!   connection fails.
//! - [`Protocol::Http`]: HTTP/1.1 keep-alive — `GET /{seq}` on a connection held open,
//!   answered `200` with a `Content-Length` body that must be [`http_body`]`(seq)`, and
//!   nothing more (bytes after the body would be an answer to no request).

use std::io::{Read, Write};
use std::net::TcpStream;

use serde::{Deserialize, Serialize};

use crate::LoadError;

/// The request/response protocol of a load run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Protocol {
    /// Ping-pong messages of `size` bytes, echoed back.
    Echo {
        /// Bytes per message.
        size: usize,
    },
    /// HTTP/1.1 GET requests on keep-alive connections.
    Http,
}

/// The body a server answers `GET /{seq}` with: small, and naming the request.
pub fn http_body(seq: u64) -> String {
    format!("rtbench {seq}\n")
}

/// The sequence number of a request path `/{seq}`, if it is one.
pub fn http_seq(path: &str) -> Option<u64> {
    path.strip_prefix('/')?.parse().ok()
}

/// The generator's end of one connection: its stream, its identity and its buffers.
#[derive(Debug)]
pub struct Exchanger {
    stream: TcpStream,
    id: u64,
    next_seq: u64,
    /// Requests answered and checked.
    answered: u64,
    protocol: Protocol,
    sent: Vec<u8>,
    received: Vec<u8>,
}

impl Exchanger {
    /// Connection `id`, speaking `protocol` on `stream`.
    pub fn new(stream: TcpStream, id: u64, protocol: Protocol) -> Self {
        Exchanger {
            stream,
            id,
            next_seq: 0,
            answered: 0,
            protocol,
            sent: Vec::new(),
            received: Vec::new(),
        }
    }

    /// The stream, to set its timeouts.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Requests this connection has had answered (and checked) so far.
    pub fn answered(&self) -> u64 {
        self.answered
    }

    /// Sends one request and reads and checks its answer.
    pub fn exchange(&mut self) -> Result<(), LoadError> {
        let seq = self.next_seq;
        self.next_seq += 1;
        let checked = match self.protocol {
            Protocol::Echo { size } => self.echo(seq, size),
            Protocol::Http => self.http(seq),
        };
        checked.map_err(|problem| {
            LoadError(format!("connection {}, request {seq}: {problem}", self.id))
        })?;
        self.answered += 1;
        Ok(())
    }

    fn echo(&mut self, seq: u64, size: usize) -> Result<(), String> {
        self.sent.clear();
        self.sent.extend((0..size).map(|index| message_byte(self.id, seq, index)));
        self.stream.write_all(&self.sent).map_err(|e| format!("sending: {e}"))?;
        self.received.resize(size, 0);
        self.stream.read_exact(&mut self.received).map_err(|e| format!("reading the echo: {e}"))?;
        match self.received.iter().zip(&self.sent).position(|(got, sent)| got != sent) {
            Some(offset) => Err(format!("echoed byte {offset} differs from what was sent")),
            None => Ok(()),
        }
    }

    fn http(&mut self, seq: u64) -> Result<(), String> {
        let request = format!("GET /{seq} HTTP/1.1\r\nhost: rtbench\r\n\r\n");
        self.stream.write_all(request.as_bytes()).map_err(|e| format!("sending: {e}"))?;
        self.received.clear();
        let head_end = loop {
            if let Some(at) = find(&self.received, b"\r\n\r\n") {
                break at + 4;
            }
            self.read_more()?;
        };
        let head = std::str::from_utf8(&self.received[..head_end])
            .map_err(|_| "the response head is not UTF-8".to_owned())?;
        let length = content_length(head)?;
        while self.received.len() < head_end + length {
            self.read_more()?;
        }
        let body = &self.received[head_end..];
        let expected = http_body(seq);
        if body != expected.as_bytes() {
            return Err(format!(
                "body {:?} (and any bytes after it), expected {expected:?}",
                String::from_utf8_lossy(body)
            ));
        }
        Ok(())
    }

    /// Appends what the next `read` gives; the peer closing is an error.
    fn read_more(&mut self) -> Result<(), String> {
        let mut chunk = [0; 4096];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err("the server closed the connection mid-response".to_owned()),
            Ok(read) => {
                self.received.extend_from_slice(&chunk[..read]);
                Ok(())
            }
            Err(error) => Err(format!("reading the response: {error}")),
        }
    }
}

/// Byte `index` of echo message `seq` on connection `id`.
fn message_byte(id: u64, seq: u64, index: usize) -> u8 {
    let mixed = (index as u64 ^ seq.rotate_left(24) ^ id.rotate_left(48))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> 56) as u8
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// The body length of a `200` response head; any other status, a chunked body or a
/// missing length is an error naming the head's first line.
fn content_length(head: &str) -> Result<usize, String> {
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default();
    if !status.starts_with("HTTP/1.1 200 ") {
        return Err(format!("answered {status:?}, expected HTTP/1.1 200"));
    }
    lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .ok_or_else(|| format!("{status:?} without a Content-Length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_200_with_a_length_is_accepted() {
        assert_eq!(content_length("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n"), Ok(12));
        assert_eq!(content_length("HTTP/1.1 200 OK\r\ncontent-length:3\r\n\r\n"), Ok(3));
        assert!(content_length("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
            .unwrap_err()
            .contains("404"));
        assert!(content_length("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
            .unwrap_err()
            .contains("without a Content-Length"));
    }

    #[test]
    fn paths_and_bodies_name_the_request() {
        assert_eq!(http_seq("/42"), Some(42));
        assert_eq!(http_seq("/x"), None);
        assert_ne!(http_body(1), http_body(2));
    }

    #[test]
    fn messages_differ_between_connections_and_requests() {
        let message = |id, seq| (0..64).map(|i| message_byte(id, seq, i)).collect::<Vec<_>>();
        assert_ne!(message(0, 1), message(1, 1));
        assert_ne!(message(0, 1), message(0, 2));
    }
}
