//! `producer_consumer` (W8-S8, the course's first queue example): a producer puts items
//! into a queue of size 1 and a consumer takes them; the consumer has no idea of the
//! tempo and simply follows the producer. With one slot, every item is a hand-off
//! between two tasks, so the figure is the runtime's cost of waking the other side.
//!
//! The consumer keeps a tempo of its own: it yields to the loop every few items.
//! Checked: the consumer receives exactly the items produced, in order (FIFO), none
//! lost and none duplicated, and sees the queue closed after the last one.

use std::time::Instant;

use rtbench_core::{
    Metric, Outcome, ParamSpec, Params, Runtime, Scenario, ScenarioError, ScenarioInfo,
};

/// A producer and a consumer around an `async_channel::bounded(1)` queue.
pub struct ProducerConsumer;

impl Scenario for ProducerConsumer {
    const INFO: ScenarioInfo = ScenarioInfo {
        name: "producer_consumer",
        lesson: "W8-S8",
        summary: "a producer puts N items in a queue of size 1; the consumer gets them in order",
        params: &[
            ParamSpec {
                name: "items",
                help: "items put through the queue",
                default: 100_000,
                quick: 10_000,
                test: 1_000,
                min: 1,
            },
            ParamSpec {
                name: "yield_every",
                help: "the consumer yields to the loop after this many items (0: never)",
                default: 10,
                quick: 10,
                test: 10,
                min: 0,
            },
        ],
        requires: &[],
        elements: |params| params.get("items"),
    };

    fn run<R: Runtime>(runtime: &R, params: &Params) -> Result<Outcome, ScenarioError> {
        let items = params.get("items");
        let yield_every = params.get("yield_every");
        let (elapsed, received) = runtime.run(async move {
            let (queue_in, queue_out) = async_channel::bounded::<u64>(1);
            let start = Instant::now();
            let producer = R::spawn(async move {
                for item in 0..items {
                    queue_in.send(item).await.map_err(|_| "the consumer closed the queue")?;
                }
                Ok::<_, &str>(())
            });
            let consumer = R::spawn(async move {
                let mut expected = 0;
                while let Ok(item) = queue_out.recv().await {
                    if item != expected {
                        return Err(format!("received item {item} where {expected} was due"));
                    }
                    expected += 1;
                    if yield_every > 0 && expected % yield_every == 0 {
                        R::yield_now().await;
                    }
                }
                Ok(expected)
            });
            // The consumer first: if it stopped on a wrong item, that is the error to
            // report, not the producer's closed queue that follows from it.
            let received = consumer.await?.map_err(ScenarioError::Check)?;
            producer.await?.map_err(|e| ScenarioError::Check(e.to_owned()))?;
            Ok::<_, ScenarioError>((start.elapsed(), received))
        })?;
        ScenarioError::ensure(received == items, || {
            format!("{received} items came out in order before the queue closed; {items} were put")
        })?;
        Ok(Outcome::checked(format!(
            "{items} items went through a bounded(1) queue in FIFO order, none lost or duplicated"
        ))
        .metric(Metric::higher("items/s", items as f64 / elapsed.as_secs_f64().max(f64::EPSILON)))
        .metric(Metric::nanos_per("ns/item", elapsed, items)))
    }
}
