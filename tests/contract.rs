//! The contract's semantics, checked on every runtime flavour of this build: the same
//! test body, instantiated for every flavour of the adapters' one runtime list
//! (`for_each_flavour!`) by `contract_tests!`.
//!
//! Beyond the common paths, the join-handle normalisations the adapters add are checked
//! here too: an aborted handle that is dropped instead of awaited, repeated or late
//! aborts, and the panic of a detached task (the smol and `futures` adapters detach
//! explicitly, and must not lose that panic).
//!
//! TCP in owned buffers ([`rtbench_core::io`]): a read gives back the buffer holding
//! the bytes (never more than its capacity), `Ok(0)` is end of file, `write_all` writes
//! everything and gives back the very buffer it took, the buffer comes back on error
//! too, and the poll-based bridge carries bytes.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtbench_core::io::{TcpListener, TcpStream};
use rtbench_core::task::unretrieved_panics;
use rtbench_core::{Abort, Capability, Class, JoinError, Runtime, RuntimeConfig};

/// The runtime under test, or `None` — with an `n/a: reason` line, not a failure —
/// where it cannot run on this machine (glommio under a low `RLIMIT_MEMLOCK`, say).
fn runtime<R: Runtime>() -> Option<R> {
    match R::new(&RuntimeConfig { threads: 2 }) {
        Ok(runtime) => Some(runtime),
        Err(reason) => {
            eprintln!("{}: n/a: {reason}", R::INFO.name);
            None
        }
    }
}

/// Sets its flag when dropped: proves a cancelled task's future was dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Polls `condition` every millisecond for up to ten seconds (generous: CI is loaded).
async fn eventually<R: Runtime>(mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        R::sleep(Duration::from_millis(1)).await;
    }
    condition()
}

/// A task that only ends by being cancelled; `dropped` is set when its future is dropped.
fn sleeper<R: Runtime>(dropped: &Arc<AtomicBool>) -> impl Future<Output = ()> + Send + 'static {
    let flag = DropFlag(Arc::clone(dropped));
    async move {
        let _flag = flag;
        R::sleep(Duration::from_secs(60)).await;
    }
}

pub fn await_gives_the_value<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let value = rt.run(async { R::spawn(async { 6 * 7 }).await });
    assert_eq!(value, Ok(42));
    assert_eq!(
        rt.block_on(async { R::spawn(async { "from block_on" }).await }),
        Ok("from block_on")
    );
}

pub fn abort_cancels_and_drops_the_future<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = DropFlag(Arc::clone(&dropped));
    let result = rt.run(async move {
        let handle = R::spawn(async move {
            let _flag = flag;
            R::sleep(Duration::from_secs(60)).await;
            "finished"
        });
        R::sleep(Duration::from_millis(5)).await;
        handle.abort();
        handle.await
    });
    assert_eq!(result, Err(JoinError::Cancelled));
    assert!(dropped.load(Ordering::SeqCst), "the aborted task's future was not dropped");
}

pub fn panic_is_returned_and_runtime_survives<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let (panicked, after) = rt.run(async {
        let panicked = R::spawn(async {
            if true {
                panic!("contract-boom");
            }
        })
        .await;
        let after = R::spawn(async { 1 }).await;
        (panicked, after)
    });
    assert_eq!(panicked, Err(JoinError::Panicked("contract-boom".into())));
    assert_eq!(after, Ok(1));
    assert_eq!(rt.run(async { R::spawn(async { 2 }).await }), Ok(2));
}

pub fn dropped_handle_detaches<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let received = rt.run(async {
        let (tx, rx) = async_channel::bounded(1);
        drop(R::spawn(async move {
            R::sleep(Duration::from_millis(5)).await;
            tx.send("still ran").await.unwrap();
        }));
        R::timeout(Duration::from_secs(10), rx.recv()).await
    });
    assert_eq!(received, Ok(Ok("still ran")));
}

pub fn timeout_fires_and_passes_values<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let (fired, passed) = rt.run(async {
        let fired = R::timeout(Duration::from_millis(10), R::sleep(Duration::from_secs(60))).await;
        let passed = R::timeout(Duration::from_secs(60), async { 5 }).await;
        (fired, passed)
    });
    assert!(fired.is_err());
    assert_eq!(passed, Ok(5));
}

pub fn sleep_never_wakes_early<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let slept = rt.run(async {
        let start = Instant::now();
        R::sleep(Duration::from_millis(20)).await;
        start.elapsed()
    });
    assert!(slept >= Duration::from_millis(20), "woke after {slept:?}");
}

pub fn yield_now_lets_others_run<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let flag = Arc::new(AtomicBool::new(false));
    let seen = rt.run({
        let flag = Arc::clone(&flag);
        async move {
            let _other = R::spawn({
                let flag = Arc::clone(&flag);
                async move { flag.store(true, Ordering::SeqCst) }
            });
            // Bounded by time, not by a count of yields: on a loaded machine a
            // multi-thread runtime's other worker may take a while to pick the task up.
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if flag.load(Ordering::SeqCst) {
                    return true;
                }
                R::yield_now().await;
            }
            false
        }
    });
    assert!(seen, "a spawned task never ran while the root kept yielding");
}

pub fn spawn_blocking_does_not_block_the_executor<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let outcome = rt.run(async {
        let (tx, rx) = std::sync::mpsc::channel();
        // The closure waits for a message that only an async task can send: if it ran
        // on the executor's thread, that task could never run and this would time out.
        let blocking = R::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(10)).is_ok());
        R::spawn(async move {
            R::sleep(Duration::from_millis(1)).await;
            tx.send(()).unwrap();
        })
        .await
        .unwrap();
        let panicked = R::spawn_blocking(|| panic!("blocking-boom")).await;
        (blocking.await, panicked)
    });
    assert_eq!(outcome.0, Ok(true));
    assert_eq!(outcome.1, Err::<(), _>(JoinError::Panicked("blocking-boom".into())));
}

pub fn spawn_local_runs_non_send_futures<R: Runtime>() {
    if !R::INFO.capabilities.get(Capability::LocalSpawn).is_available() {
        return;
    }
    let Some(rt) = runtime::<R>() else { return };
    let value = rt.block_on(async {
        let not_send = std::rc::Rc::new(21);
        R::spawn_local(async move {
            R::yield_now().await;
            *not_send * 2
        })
        .await
    });
    assert_eq!(value, Ok(42));
}

pub fn abort_then_drop_still_cancels<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let dropped = Arc::new(AtomicBool::new(false));
    let task = sleeper::<R>(&dropped);
    let flag = Arc::clone(&dropped);
    let cancelled = rt.run(async move {
        let handle = R::spawn(task);
        handle.abort();
        drop(handle);
        eventually::<R>(|| flag.load(Ordering::SeqCst)).await
    });
    assert!(cancelled, "aborting, then dropping the handle left the task running");
}

pub fn repeated_and_late_aborts_are_harmless<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let dropped = Arc::new(AtomicBool::new(false));
    let task = sleeper::<R>(&dropped);
    let (twice, late) = rt.run(async move {
        let handle = R::spawn(task);
        handle.abort();
        handle.abort();
        let twice = handle.await;
        let mut finished = R::spawn(async { 5 });
        let late = (&mut finished).await;
        finished.abort();
        (twice, late)
    });
    assert_eq!(twice, Err(JoinError::Cancelled));
    assert_eq!(late, Ok(5));
    assert!(dropped.load(Ordering::SeqCst));
}

pub fn detached_panic_is_recorded<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    let token = format!("detached-panic-on-{}", R::INFO.name);
    let message = token.clone();
    let recorded = rt.run(async move {
        drop(R::spawn(async move { panic!("{message}") }));
        eventually::<R>(|| !unretrieved_panics::take_matching(&token).is_empty()).await
    });
    assert!(recorded, "the panic of a detached task was lost");
}

/// `run_sharded` runs each shard's root once, in shard order. A per-core flavour runs
/// as many shards as it has executors (2 here), each on a thread of its own, and a task
/// spawned in a shard runs on that shard's thread; every other flavour runs one shard.
pub fn run_sharded_gives_each_executor_its_shard<R: Runtime>() {
    let Some(runtime) = runtime::<R>() else { return };
    let outputs = runtime.run_sharded(|shard| async move {
        let root = std::thread::current().id();
        let task = R::spawn(async { std::thread::current().id() }).await;
        (shard, root, task)
    });
    let per_core = R::INFO.class == Class::PerCore;
    let count = if per_core { 2 } else { 1 };
    assert_eq!((outputs.len(), runtime.threads() == 2 || !per_core), (count, true));
    for (index, (shard, _, _)) in outputs.iter().enumerate() {
        assert_eq!((shard.index, shard.count), (index, count), "{shard:?}");
    }
    if per_core {
        let (first, second) = (&outputs[0], &outputs[1]);
        assert_ne!(first.1, second.1, "two shards ran on one thread");
        for (shard, root, task) in &outputs {
            assert_eq!(task.as_ref(), Ok(root), "shard {}'s task left its thread", shard.index);
        }
    }
}

/// A panic in one shard is resumed on the caller once the shards have ended, and the
/// runtime runs shards again afterwards.
pub fn a_panicking_shard_is_resumed_and_the_runtime_survives<R: Runtime>() {
    let Some(runtime) = runtime::<R>() else { return };
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.run_sharded(|shard| async move {
            if shard.index + 1 == shard.count {
                panic!("shard-boom");
            }
        })
    }));
    let payload = panicked.expect_err("the shard's panic was lost");
    // `run` resumes it as it is on single-thread flavours, wrapped as the root task's
    // failure on multi-thread ones.
    let message = rtbench_core::task::payload_message(&*payload);
    assert!(message.contains("shard-boom"), "{message}");
    let again = runtime.run_sharded(|shard| async move { shard.index });
    assert_eq!(again, (0..again.len()).collect::<Vec<_>>());
}

/// Runs `body` with both ends of a fresh loopback connection (the accepted end first),
/// under a deadline: a stalled read fails the test instead of hanging it.
fn with_connection<R, F, T>(
    rt: &R,
    body: impl FnOnce(R::TcpStream, R::TcpStream) -> F + Send + 'static,
) -> T
where
    R: Runtime,
    F: Future<Output = T> + Send,
    T: Send + 'static,
{
    let connected = async move {
        let listener = R::tcp_bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
        // The kernel completes the handshake before `accept`: connecting first is fine.
        let client = R::tcp_connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        body(server, client).await
    };
    rt.run(async move {
        let limit = Duration::from_secs(30);
        R::timeout(limit, connected).await.expect("the TCP exchange stalled")
    })
}

/// Reads until end of file with a buffer of `capacity`, checking each read's buffer;
/// returns everything read and the buffer.
async fn read_to_end<S: TcpStream>(stream: &mut S, capacity: usize) -> (Vec<u8>, Vec<u8>) {
    let (mut all, mut buf) = (Vec::new(), Vec::with_capacity(capacity));
    let capacity = buf.capacity();
    loop {
        let (read, filled) = stream.read(buf).await;
        let read = read.unwrap();
        assert_eq!(filled.len(), read, "the buffer's length is the count read");
        assert_eq!(filled.capacity(), capacity, "the buffer came back with its capacity");
        if read == 0 {
            return (all, filled);
        }
        all.extend_from_slice(&filled);
        buf = filled;
    }
}

/// A recognisable message of `len` bytes.
fn message(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

pub fn tcp_read_gives_back_the_buffer_with_the_bytes<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    with_connection(&rt, |mut server, mut client| async move {
        let (written, _) = client.write_all(message(100)).await;
        written.unwrap();
        // Stale contents are replaced, not appended to; a read never exceeds capacity.
        let mut stale = Vec::with_capacity(1_000);
        stale.extend_from_slice(b"stale");
        let (read, buf) = server.read(stale).await;
        let read = read.unwrap();
        assert!((1..=100).contains(&read), "read {read} bytes of 100");
        assert_eq!((buf.len(), buf.capacity()), (read, 1_000));
        assert_eq!(buf[..], message(100)[..read]);
        // The rest, in reads of at most 7 bytes.
        let mut rest = Vec::with_capacity(7);
        let mut received = buf;
        while received.len() < 100 {
            let (read, filled) = server.read(rest).await;
            assert!((1..=7).contains(&read.unwrap()), "{} bytes into capacity 7", filled.len());
            received.extend_from_slice(&filled);
            rest = filled;
        }
        assert_eq!(received, message(100));
        // A buffer with no room reads nothing, at once.
        let (read, buf) = server.read(Vec::new()).await;
        assert_eq!((read.unwrap(), buf.len()), (0, 0));
    });
}

pub fn tcp_zero_length_read_means_end_of_file<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    with_connection(&rt, |mut server, mut client| async move {
        let (written, _) = client.write_all(message(10)).await;
        written.unwrap();
        client.shutdown().await.unwrap();
        let (received, buf) = read_to_end(&mut server, 64).await;
        assert_eq!(received, message(10));
        assert!(buf.is_empty());
        // The other direction is still open (a half close): the reply gets through.
        let (written, _) = server.write_all(message(20)).await;
        written.unwrap();
        server.shutdown().await.unwrap();
        assert_eq!(read_to_end(&mut client, 64).await.0, message(20));
    });
}

pub fn tcp_write_all_writes_everything_and_gives_the_buffer_back<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    // Far more than the socket buffers hold: the write cannot complete in one go.
    const LEN: usize = 8 << 20;
    with_connection(&rt, |mut server, mut client| async move {
        let reader = R::spawn(async move { read_to_end(&mut server, 64 * 1024).await.0 });
        let sent = message(LEN);
        let address = sent.as_ptr() as usize;
        let (written, back) = client.write_all(sent).await;
        written.unwrap();
        assert_eq!(back.as_ptr() as usize, address, "write_all gave back another buffer");
        assert!(back == message(LEN), "write_all changed the buffer it gave back");
        client.shutdown().await.unwrap();
        let received = reader.await.unwrap();
        assert_eq!(received.len(), LEN);
        assert!(received == back, "the bytes read differ from the bytes written");
    });
}

pub fn tcp_buffer_comes_back_on_error<R: Runtime>() {
    let Some(rt) = runtime::<R>() else { return };
    with_connection(&rt, |mut server, mut client| async move {
        let (written, _) = client.write_all(message(100)).await;
        written.unwrap();
        let (read, _) = server.read(Vec::with_capacity(10)).await;
        assert!(read.unwrap() <= 10);
        // Closing with unread bytes resets the connection: the client's calls fail.
        drop(server);
        let (read, buf) = client.read(Vec::with_capacity(64)).await;
        let error = read.expect_err("a read from a reset connection succeeded");
        assert_eq!(error.kind(), io::ErrorKind::ConnectionReset, "{error}");
        assert_eq!(buf.capacity(), 64, "the read's buffer did not come back");
        let (written, back) = client.write_all(message(100)).await;
        written.expect_err("a write to a reset connection succeeded");
        assert_eq!(back, message(100), "the write's buffer did not come back intact");
    });
}

pub fn tcp_poll_io_bridge_carries_the_bytes<R: Runtime>() {
    use futures::io::{AsyncReadExt, AsyncWriteExt};
    let Some(rt) = runtime::<R>() else { return };
    let echoed = with_connection(&rt, |server, client| async move {
        let (mut server, mut client) = (server.into_poll_io(), client.into_poll_io());
        client.write_all(&message(300)).await.unwrap();
        client.flush().await.unwrap();
        // Dropped, not closed: the bridge's `close` is the runtime's own, and
        // async-std's only flushes (the owned-buffer `shutdown` shuts down everywhere).
        drop(client);
        let mut received = Vec::new();
        server.read_to_end(&mut received).await.unwrap();
        received
    });
    assert_eq!(echoed, message(300));
}

macro_rules! contract_tests {
    ($( #[cfg($cfg:meta)] $flavour:ident: $runtime:ty $(, probed by $probe:path)?; )*) => {$(
        #[cfg($cfg)]
        mod $flavour {
            type R = $runtime;
            #[test] fn await_gives_the_value() { super::await_gives_the_value::<R>() }
            #[test] fn abort_cancels_and_drops_the_future() { super::abort_cancels_and_drops_the_future::<R>() }
            #[test] fn panic_is_returned_and_runtime_survives() { super::panic_is_returned_and_runtime_survives::<R>() }
            #[test] fn dropped_handle_detaches() { super::dropped_handle_detaches::<R>() }
            #[test] fn timeout_fires_and_passes_values() { super::timeout_fires_and_passes_values::<R>() }
            #[test] fn sleep_never_wakes_early() { super::sleep_never_wakes_early::<R>() }
            #[test] fn yield_now_lets_others_run() { super::yield_now_lets_others_run::<R>() }
            #[test] fn spawn_blocking_does_not_block_the_executor() { super::spawn_blocking_does_not_block_the_executor::<R>() }
            #[test] fn spawn_local_runs_non_send_futures() { super::spawn_local_runs_non_send_futures::<R>() }
            #[test] fn abort_then_drop_still_cancels() { super::abort_then_drop_still_cancels::<R>() }
            #[test] fn repeated_and_late_aborts_are_harmless() { super::repeated_and_late_aborts_are_harmless::<R>() }
            #[test] fn detached_panic_is_recorded() { super::detached_panic_is_recorded::<R>() }
            #[test] fn run_sharded_gives_each_executor_its_shard() { super::run_sharded_gives_each_executor_its_shard::<R>() }
            #[test] fn a_panicking_shard_is_resumed_and_the_runtime_survives() { super::a_panicking_shard_is_resumed_and_the_runtime_survives::<R>() }
            #[test] fn tcp_read_gives_back_the_buffer_with_the_bytes() { super::tcp_read_gives_back_the_buffer_with_the_bytes::<R>() }
            #[test] fn tcp_zero_length_read_means_end_of_file() { super::tcp_zero_length_read_means_end_of_file::<R>() }
            #[test] fn tcp_write_all_writes_everything_and_gives_the_buffer_back() { super::tcp_write_all_writes_everything_and_gives_the_buffer_back::<R>() }
            #[test] fn tcp_buffer_comes_back_on_error() { super::tcp_buffer_comes_back_on_error::<R>() }
            #[test] fn tcp_poll_io_bridge_carries_the_bytes() { super::tcp_poll_io_bridge_carries_the_bytes::<R>() }
        }
    )*};
}

rtbench_adapters::for_each_flavour!(contract_tests);
