//! Checks every thread-per-core adapter (glommio, monoio, compio) must pass beyond the
//! contract suite, written once and instantiated in each adapter's tests: the
//! thread-affinity wrapper fires where it must, a panicking root leaves the runtime
//! usable, a task's panic reaches its handle awaited on another thread (monoio and
//! compio, whose handles share an abort key with their task), and TCP (owned buffers)
//! and files round-trip through the runtime's own I/O.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::{pin, Pin};
use std::process::Command;
use std::time::Duration;

use futures::future::Either;
use rtbench_core::io::{TcpListener, TcpStream};
use rtbench_core::{Runtime, RuntimeConfig};

/// Builds `R`, or panics with why not (these adapters' tests run where io_uring does).
pub fn runtime<R: Runtime>() -> R {
    R::new(&RuntimeConfig::default()).unwrap_or_else(|e| panic!("{}: {e}", R::INFO.name))
}

/// The thread-affinity check is what makes the `Send` wrappers sound: a native value
/// that reaches another thread must panic there — caught and reported as a task panic —
/// rather than touch the runtime's `Rc`s from the wrong thread.
pub fn moving_a_value_to_another_thread_panics_loudly<R: Runtime>() {
    let polled = runtime::<R>().block_on(async {
        let sleep = R::sleep(Duration::from_millis(1));
        R::spawn_blocking(move || futures::executor::block_on(sleep)).await
    });
    let polled = polled.unwrap_err();
    assert!(
        polled
            .panic_message()
            .is_some_and(|m| m.contains("polled a thread-bound value on a thread other")),
        "{polled:?}"
    );
}

/// A panic in `block_on`'s future comes back to the caller, and the runtime runs the
/// next `block_on`.
pub fn a_panicking_root_is_resumed_and_the_runtime_survives<R: Runtime>() {
    let runtime = runtime::<R>();
    let root = std::panic::catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(async {
            if true {
                panic!("root-boom");
            }
        })
    }));
    let payload = root.unwrap_err();
    assert_eq!(rtbench_core::task::payload_message(&*payload), "root-boom");
    assert_eq!(runtime.block_on(async { R::spawn(async { 2 }).await }), Ok(2));
}

/// A task's panic reaches its handle awaited on another thread (the contract's handles
/// are `Send`; the task stays on its own thread): that thread's first poll finds the
/// task running, so the task's end must wake it there — through the key's registry
/// where the runtime's own handle never sees the end (monoio), through the runtime's
/// own handle where it does (compio). A handle never woken fails after a minute
/// instead of hanging the suite.
pub fn a_panic_reaches_a_handle_awaited_on_another_thread<R: Runtime>() {
    let joined = runtime::<R>().block_on(async {
        let (go, wait_for_go) = futures::channel::oneshot::channel::<()>();
        let mut handle = R::spawn(async move {
            let _ = wait_for_go.await;
            if true {
                panic!("elsewhere-boom");
            }
        });
        let (polled, first_poll) = std::sync::mpsc::channel();
        let (joined_there, joined) = futures::channel::oneshot::channel();
        std::thread::spawn(move || {
            let mut polled = Some(polled);
            let result = futures::executor::block_on(std::future::poll_fn(|cx| {
                let poll = Pin::new(&mut handle).poll(cx);
                if let Some(polled) = polled.take() {
                    let _ = polled.send(poll.is_pending());
                }
                poll
            }));
            let _ = joined_there.send(result);
        });
        assert_eq!(first_poll.recv(), Ok(true), "the task ran before it was told to");
        go.send(()).unwrap();
        let deadline = pin!(R::sleep(Duration::from_secs(60)));
        match futures::future::select(joined, deadline).await {
            Either::Left((joined, _)) => joined.expect("the other thread sends its result"),
            Either::Right(_) => panic!("the handle awaited on another thread was never woken"),
        }
    });
    assert_eq!(joined.unwrap_err().panic_message(), Some("elsewhere-boom"));
}

/// A runtime without processes says so.
pub fn processes_are_reported_missing<R: Runtime>() {
    let error = R::spawn_process(Command::new("true")).err().unwrap();
    assert_eq!(error.kind(), std::io::ErrorKind::Unsupported);
    assert!(!R::INFO.capabilities.process.is_available());
}

/// Five bytes there and back over loopback in owned buffers, the client reading to the
/// end (so the server's shutdown is seen).
pub fn tcp_echoes_over_loopback<R: Runtime>() {
    let echoed = runtime::<R>().block_on(async {
        let listener = R::tcp_bind("127.0.0.1:0".parse().unwrap()).await?;
        let addr = listener.local_addr()?;
        let server = R::spawn(async move {
            let (mut stream, _) = listener.accept().await?;
            let (read, buf) = stream.read(Vec::with_capacity(64)).await;
            read?;
            let (written, _) = stream.write_all(buf).await;
            written?;
            stream.shutdown().await
        });
        let mut client = R::tcp_connect(addr).await?;
        let (written, _) = client.write_all(b"hello".to_vec()).await;
        written?;
        let (mut echoed, mut buf) = (Vec::new(), Vec::with_capacity(64));
        loop {
            let (read, filled) = client.read(buf).await;
            if read? == 0 {
                break;
            }
            echoed.extend_from_slice(&filled);
            buf = filled;
        }
        server.await.unwrap()?;
        std::io::Result::Ok(echoed)
    });
    assert_eq!(echoed.unwrap(), b"hello");
}

/// 200 kB written and read back through the runtime's file I/O.
pub fn files_round_trip<R: Runtime>() {
    let dir = std::env::temp_dir().join(format!("rtbench-{}-{}", R::INFO.name, std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("round-trip");
    let contents: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let read = runtime::<R>().block_on({
        let (path, contents) = (path.clone(), contents.clone());
        async move {
            R::write_file(path.clone(), contents).await?;
            R::read_file(path).await
        }
    });
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(read.unwrap(), contents);
}
