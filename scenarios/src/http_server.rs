//! `http_server` (W8-S1, W8-S4): a hyper HTTP/1.1 server with keep-alive on the runtime
//! under test, loaded by the fixed generator of `rtbench-loadgen` from outside (see
//! [`crate::under_load`]).
//!
//! `GET /{seq}` is answered `200` with the small body [`http_body`]`(seq)`, after
//! `delay_us` µs when that parameter is set (a handler that waits on something, e.g. a
//! database: then the runtime's timers are on every request's path). The generator
//! checks every status line, length and body. hyper runs through the generic glue of
//! `http_fetch` ([`HyperIo`], the one place its stream I/O is bridged). On a per-core
//! flavour each shard runs its own hyper server on its own port (see
//! [`crate::under_load`]).
//!
//! hyper's header-read timeout is left off (no timer is given to the connection
//! builder): it would arm a timer per request, a cost the delay variant measures on
//! purpose and the plain one should not carry.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use rtbench_core::io::{TcpListener, TcpStream};
use rtbench_core::{
    Capability, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo,
    Sharding,
};
use rtbench_loadgen::protocol::{http_body, http_seq};
use rtbench_loadgen::{Job, Protocol};

use crate::http_fetch::rt::HyperIo;
use crate::under_load::{self, Server, CONNECTIONS, OPEN_REQUESTS, REQUESTS};

/// A keep-alive HTTP server under closed- and open-loop load.
pub struct HttpServer;

/// The handler's wait before answering, µs (0: none).
const DELAY: ParamSpec = ParamSpec {
    name: "delay_us",
    help: "the handler sleeps this long before answering, µs (0: no sleep)",
    default: 0,
    quick: 0,
    test: 0,
    min: 0,
};

impl Scenario for HttpServer {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "http_server",
        lesson: "W8-S1",
        summary: "a hyper HTTP/1.1 keep-alive server on the runtime, loaded by a separate \
                  generator process: closed-loop req/s, open-loop latency at 25-90 % of it; \
                  every response checked",
        params: &[CONNECTIONS, REQUESTS, OPEN_REQUESTS, DELAY],
        requires: &[Capability::Tcp, Capability::PollIo],
        elements: under_load::elements,
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let outcome = under_load::run::<R, Self>(runtime, params)?;
        Ok(outcome.note(format!(
            "hyper reads and writes through the poll-based bridge: {}",
            R::INFO.capabilities.poll_io.detail()
        )))
    }

    const SHARDING: Sharding = Sharding::Sharded;
}

impl Server for HttpServer {
    const NAME: &'static str = Self::INFO.name;

    type Served = u64;

    fn job(params: &Params, addrs: Vec<SocketAddr>) -> Job {
        under_load::rated_job(params, Protocol::Http, addrs)
    }

    fn answered(served: &u64) -> u64 {
        *served
    }

    fn serve<R: Runtime>(
        listener: R::TcpListener,
        connections: usize,
        params: &Params,
    ) -> impl Future<Output = Result<u64, ScenarioError>> + Send + 'static {
        let delay = Duration::from_micros(params.get(DELAY.name));
        async move {
            let answered = Arc::new(AtomicU64::new(0));
            let builder = http1::Builder::new();
            let mut handles = Vec::with_capacity(connections);
            for _ in 0..connections {
                let (stream, _peer) = listener.accept().await?;
                let answered = Arc::clone(&answered);
                let service =
                    service_fn(move |request| respond::<R>(request, delay, Arc::clone(&answered)));
                handles.push(R::spawn(builder.serve_connection(HyperIo::new(stream.into_poll_io()), service)));
            }
            for handle in handles {
                handle.await?.map_err(crate::http_fetch::http_error)?;
            }
            Ok(answered.load(Ordering::SeqCst))
        }
    }
}

/// Answers `GET /{seq}` with its body (after `delay`, if any); anything else `404`.
async fn respond<R: Runtime>(
    request: Request<Incoming>,
    delay: Duration,
    answered: Arc<AtomicU64>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let seq = http_seq(request.uri().path());
    drop(request);
    if !delay.is_zero() {
        R::sleep(delay).await;
    }
    Ok(match seq {
        Some(seq) => {
            answered.fetch_add(1, Ordering::Relaxed);
            Response::new(Full::from(http_body(seq)))
        }
        None => {
            let mut response = Response::new(Full::default());
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
    })
}
