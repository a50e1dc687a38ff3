//! The HTTP/1.1 client of `http_fetch` (hyper, on the runtime under test).
//!
//! Like the course's `fetch`, each request opens its own connection ("create an HTTP
//! session, send a GET in it, read the response"). [`fetch_all`] runs U fetches with at
//! most `in_flight` outstanding — 1 is the sequential loop, U is `gather`, W is the
//! course's window — each fetch a task of the runtime. [`fetch_lines`] reads a streamed
//! body line by line as a `Stream`: the course's `async for line in response`.

use std::io;
use std::net::SocketAddr;

use bytes::Bytes;
use futures::io::AsyncBufReadExt;
use futures::stream::{self, StreamExt, TryStreamExt};
use http_body_util::{BodyDataStream, BodyExt, Empty};
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper::header::HOST;
use hyper::rt::Executor;
use hyper::{Request, Response, StatusCode};
use rtbench_core::io::TcpStream;
use rtbench_core::{Runtime, ScenarioError};

use super::http_error;
use super::rt::{HyperIo, RtExecutor};
use super::server::{item_body, line_text, ITEM_PREFIX, LINES_PREFIX};

/// Fetches `/item/0` … `/item/{urls - 1}` with at most `in_flight` requests
/// outstanding, checking every body.
pub async fn fetch_all<R: Runtime>(
    addr: SocketAddr,
    urls: usize,
    in_flight: usize,
) -> Result<(), ScenarioError> {
    // `map` is lazy: a fetch is spawned only when the window has room for it.
    let mut fetches = stream::iter(0..urls)
        .map(|id| R::spawn(fetch_item::<R>(addr, id)))
        .buffer_unordered(in_flight);
    while let Some(fetched) = fetches.next().await {
        fetched??;
    }
    Ok(())
}

/// Fetches `/item/{id}` and checks that its body names `id`.
async fn fetch_item<R: Runtime>(addr: SocketAddr, id: usize) -> Result<(), ScenarioError> {
    let response = get::<R>(addr, &format!("{ITEM_PREFIX}{id}")).await?;
    let body = response.into_body().collect().await.map_err(http_error)?.to_bytes();
    let expected = item_body(id);
    ScenarioError::ensure(body == expected.as_bytes(), || {
        format!("/item/{id} answered {:?}, expected {expected:?}", String::from_utf8_lossy(&body))
    })
}

/// Reads the streamed body of `/lines/{total}` line by line, checking each line in
/// order. Returns how many body frames carried it (more than one: it was streamed).
pub async fn fetch_lines<R: Runtime>(
    addr: SocketAddr,
    total: usize,
) -> Result<usize, ScenarioError> {
    let body = get::<R>(addr, &format!("{LINES_PREFIX}{total}")).await?.into_body();
    let mut frames = 0;
    let mut lines = BodyDataStream::new(body)
        .inspect(|_| frames += 1)
        .map_err(io::Error::other)
        .into_async_read()
        .lines();
    let mut received = 0;
    while let Some(line) = lines.next().await {
        received += 1;
        let (line, expected) = (line?, line_text(received, total));
        ScenarioError::ensure(line == expected, || {
            format!("streamed line {received} is {line:?}, expected {expected:?}")
        })?;
    }
    drop(lines);
    ScenarioError::ensure(received == total, || {
        format!("the streamed body had {received} lines, expected {total}")
    })?;
    Ok(frames)
}

/// Opens a connection, sends `GET path` on it and returns the response head, which must
/// be `200 OK`. The connection's driver runs as its own task and ends with the response.
async fn get<R: Runtime>(
    addr: SocketAddr,
    path: &str,
) -> Result<Response<Incoming>, ScenarioError> {
    let stream = R::tcp_connect(addr).await?;
    let (mut sender, connection) =
        http1::handshake(HyperIo::new(stream.into_poll_io())).await.map_err(http_error)?;
    RtExecutor::<R>::default().execute(connection);
    let request = Request::get(path)
        .header(HOST, addr.to_string())
        .body(Empty::<Bytes>::new())
        .map_err(|error| ScenarioError::Io(io::Error::other(error)))?;
    let response = sender.send_request(request).await.map_err(http_error)?;
    ScenarioError::ensure(response.status() == StatusCode::OK, || {
        format!("GET {path} answered {}", response.status())
    })?;
    Ok(response)
}
