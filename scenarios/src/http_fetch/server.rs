//! The local HTTP/1.1 server of `http_fetch` (hyper, on the runtime under test).
//!
//! Two routes: `/item/{id}` answers `item {id}` after the configured delay (the slow
//! remote site of the course's `fetch`), and `/lines/{n}` streams `n` numbered lines in
//! small chunks that cut lines in the middle, so the client's line reader has to
//! reassemble them. The server counts the delayed requests in flight, which lets the
//! scenario check that a window of W never had more than W requests outstanding.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{self, Stream};
use http_body_util::{Either, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use rtbench_core::io::{TcpListener, TcpStream};
use rtbench_core::{Runtime, ScenarioError};

use super::http_error;
use super::rt::{HyperIo, RtTimer};

/// Path prefix of the delayed routes.
pub const ITEM_PREFIX: &str = "/item/";
/// Path prefix of the streamed route.
pub const LINES_PREFIX: &str = "/lines/";
/// Bytes per chunk of a streamed body: prime, so chunk boundaries fall mid-line.
const CHUNK: usize = 61;

/// The body of `/item/{id}`.
pub fn item_body(id: usize) -> String {
    format!("item {id}\n")
}

/// Line `number` (from 1) of the streamed body of `/lines/{total}`, without its `\n`.
pub fn line_text(number: usize, total: usize) -> String {
    format!("line {number} of {total}")
}

/// Delayed requests being served now, and the most seen at once.
#[derive(Debug, Default)]
pub struct InFlight {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl InFlight {
    /// The most requests in flight at once since the last call; starts a new count.
    pub fn take_peak(&self) -> usize {
        self.peak.swap(0, Ordering::SeqCst)
    }

    fn enter(&self) -> InFlightGuard<'_> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        InFlightGuard(self)
    }
}

/// One request in flight; leaving (even by cancellation) decrements the count.
struct InFlightGuard<'a>(&'a InFlight);

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What a request asks for.
enum Route {
    Item(usize),
    Lines(usize),
    Unknown,
}

impl Route {
    fn of(path: &str) -> Route {
        let number = |prefix| path.strip_prefix(prefix).and_then(|n: &str| n.parse::<usize>().ok());
        match (number(ITEM_PREFIX), number(LINES_PREFIX)) {
            (Some(id), _) => Route::Item(id),
            (_, Some(total)) => Route::Lines(total),
            _ => Route::Unknown,
        }
    }
}

/// Accepts exactly `connections` connections, serves each in its own task, and returns
/// once all of them are closed; any connection error fails the scenario.
pub async fn serve<R: Runtime>(
    listener: R::TcpListener,
    connections: usize,
    delay: Duration,
    in_flight: Arc<InFlight>,
) -> Result<(), ScenarioError> {
    let mut builder = http1::Builder::new();
    builder.timer(RtTimer::<R>::default());
    let mut handles = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (stream, _peer) = listener.accept().await?;
        let in_flight = Arc::clone(&in_flight);
        let service =
            service_fn(move |request| respond::<R>(request, delay, Arc::clone(&in_flight)));
        handles.push(R::spawn(builder.serve_connection(HyperIo::new(stream.into_poll_io()), service)));
    }
    for handle in handles {
        handle.await?.map_err(http_error)?;
    }
    Ok(())
}

/// Answers one request.
async fn respond<R: Runtime>(
    request: Request<Incoming>,
    delay: Duration,
    in_flight: Arc<InFlight>,
) -> Result<Response<Either<Full<Bytes>, StreamBody<impl Stream<Item = Chunk> + Send>>>, Infallible>
{
    let route = Route::of(request.uri().path());
    drop(request);
    Ok(match route {
        Route::Item(id) => {
            let _in_flight = in_flight.enter();
            R::sleep(delay).await;
            Response::new(Either::Left(Full::from(item_body(id))))
        }
        Route::Lines(total) => Response::new(Either::Right(StreamBody::new(
            line_chunks::<R>(total),
        ))),
        Route::Unknown => {
            let mut response = Response::new(Either::Left(Full::default()));
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
    })
}

/// One frame of a streamed body.
type Chunk = Result<Frame<Bytes>, Infallible>;

/// The `total` numbered lines in [`CHUNK`]-byte frames, yielding to the runtime
/// between frames so they leave as separate HTTP chunks.
fn line_chunks<R: Runtime>(total: usize) -> impl Stream<Item = Chunk> + Send {
    let text: String = (1..=total).map(|number| line_text(number, total) + "\n").collect();
    let text = Bytes::from(text);
    stream::unfold(0, move |offset| {
        let text = text.clone();
        async move {
            if offset == text.len() {
                return None;
            }
            if offset > 0 {
                R::yield_now().await;
            }
            let end = (offset + CHUNK).min(text.len());
            Some((Ok(Frame::data(text.slice(offset..end))), end))
        }
    })
}
