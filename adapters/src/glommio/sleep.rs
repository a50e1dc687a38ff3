//! `sleep` on glommio's timers, with its deadline fixed when the sleep is created.
//!
//! glommio's own `timer::sleep` is an `async fn`: its `Timer` — and so its deadline —
//! only exists from the first poll. tokio, async-io and futures-timer fix the deadline
//! when the sleep is created. The contract's `sleep` does the same everywhere, so that
//! timer lateness measured from creation means one thing on every runtime: the deadline
//! is taken at creation (no executor needed yet), and the first poll arms a glommio
//! `Timer` for what remains of it. Like glommio's, it never completes early.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use glommio::timer::Timer;

/// A sleep whose deadline was fixed at creation; the first poll arms a glommio `Timer`
/// for what remains of it.
#[derive(Debug)]
pub struct GlommioSleep {
    deadline: Instant,
    timer: Option<Timer>,
}

impl GlommioSleep {
    pub(super) fn new(duration: Duration) -> Self {
        GlommioSleep { deadline: Instant::now() + duration, timer: None }
    }
}

impl Future for GlommioSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = self.deadline;
        let timer = self
            .timer
            .get_or_insert_with(|| Timer::new(deadline.saturating_duration_since(Instant::now())));
        Pin::new(timer).poll(cx).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtbench_core::{Runtime, RuntimeConfig};

    #[test]
    fn the_deadline_counts_from_creation_not_from_the_first_poll() {
        let runtime = super::super::Glommio::new(&RuntimeConfig::default()).unwrap();
        let (before_first_poll, total) = runtime.block_on(async {
            let start = Instant::now();
            let sleep = GlommioSleep::new(Duration::from_millis(30));
            Timer::new(Duration::from_millis(30)).await;
            let before_first_poll = start.elapsed();
            sleep.await;
            (before_first_poll, start.elapsed())
        });
        assert!(before_first_poll >= Duration::from_millis(30));
        // Generous: the sleep was already due, so it must not wait another 30 ms.
        assert!(
            total < before_first_poll + Duration::from_millis(25),
            "{total:?} after {before_first_poll:?}"
        );
    }
}
