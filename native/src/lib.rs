//! rtbench's native twins, and the engine that compares them with the contract.
//!
//! rtbench promises that a column shows the runtime, not the adapter. To hold it to
//! that, each overhead [`Workload`] (five scenarios of the catalogue) is written again
//! for every flavour, directly against that runtime's own API, the way its own
//! documentation and benches write it: its spawn and its handle, its yield, its
//! `block_on`, its own TCP listener and stream with their idiomatic read and write
//! (`tcp`), and the root where rtbench puts it (in a spawned task on N-thread
//! flavours, as `Runtime::run` does). A twin spawns the scenario's own task bodies and
//! passes the scenario's own check (each scenario module exports them), so it cannot be
//! faster by doing less; and it runs on the adapter's own runtime instance (each
//! adapter's `native()`), so both sides share threads, queues and allocator state.
//! [`pairs`] runs the two sides interleaved and reports how much the contract costs;
//! `rtbench overhead` runs it in several processes a cell (and `cargo bench --bench
//! overhead` runs that command after criterion's lines of each side).
//!
//! A crate of its own because the twins need the adapters (the runtime instances) and
//! the catalogue (bodies and checks), and the bench and the command line need the
//! twins, while the adapters crate must not depend on the catalogue. One module per
//! runtime, behind the feature of the same name as the adapters'. The flavours come from
//! the adapters' one list, [`rtbench_adapters::for_each_flavour!`]; a flavour without
//! twins yet (a runtime just added to the list) still compiles, and [`visit`] says it
//! has none, so its overhead row reads `n/a` with where to write them.

use rtbench_adapters::AdapterError;
use rtbench_core::{Outcome, Params, Runtime, RuntimeConfig, ScenarioError};

/// The `Twins` impl of a flavour whose roots are written once over its spawner (smol,
/// async-global-executor, `futures`): `run` drives a root given the spawner, `hop` is the chain's link, and
/// `spawn_many`, `ping_pong`, `tcp_round_trip`, `yield_many` the roots; `yield_many:
/// none(reason)` for a flavour with no native yield; optionally `catching_panics: root`
/// (`spawn_many` with each task's panic caught, as the adapter spawns it) and
/// `joinable_chain: name => link` (the chain with a join handle on each spawn, detached,
/// the line named `name`), each a [`Semantic`]. The five flavours differ only in those, but
/// Rust cannot be generic over whether a root is `Send`, so a macro writes them.
#[cfg(any(feature = "smol", feature = "async-global-executor", feature = "futures"))]
macro_rules! spawner_twins {
    (@yield none($reason:expr), $run:path) => {
        return Err($reason)
    };
    (@yield $root:path, $run:path) => {
        |runtime, params| {
            let (tasks, yields) = (params.get("tasks"), params.get("yields"));
            let (tallies, elapsed) = $run(runtime, |spawner| timed($root(spawner, tasks, yields)));
            yield_many::outcome(Self::INFO.class, yields, &tallies, elapsed)
        }
    };
    ($flavour:ty {
        run: $run:path,
        hop: $hop:path,
        spawn_many: $spawn_many:path,
        ping_pong: $ping_pong:path,
        tcp_round_trip: $tcp:path,
        $(catching_panics: $caught:path,)?
        $(joinable_chain: $joinable_name:expr => $joinable_hop:path,)?
        yield_many: $($yield:tt)+
    }) => {
        impl $crate::Twins for $flavour {
            const SEMANTICS: &'static [$crate::Semantic<Self>] = &[
                $($crate::Semantic {
                    name: "catching panics",
                    workload: $crate::Workload::SpawnMany,
                    twin: |runtime, params| {
                        let spawned = Spawned::new(params);
                        let bodies = spawned.bodies();
                        let (index_sum, elapsed) =
                            $run(runtime, |spawner| timed($caught(spawner, bodies)));
                        spawned.outcome(index_sum?, elapsed)
                    },
                },)?
                $($crate::Semantic {
                    name: $joinable_name,
                    workload: $crate::Workload::ChainedSpawn,
                    twin: |runtime, params| {
                        let depth = params.get("depth");
                        let (reached, elapsed) = $run(runtime, |spawner| {
                            timed(async move {
                                let (first, reached) = chained_spawn::chain(depth);
                                $joinable_hop(spawner, first);
                                reached.recv().await
                            })
                        });
                        chained_spawn::outcome(depth, reached, elapsed)
                    },
                },)?
            ];

            fn twin(workload: $crate::Workload) -> Result<$crate::Twin<Self>, &'static str> {
                Ok(match workload {
                    $crate::Workload::SpawnMany => |runtime, params| {
                        let spawned = Spawned::new(params);
                        let bodies = spawned.bodies();
                        let (index_sum, elapsed) =
                            $run(runtime, |spawner| timed($spawn_many(spawner, bodies)));
                        spawned.outcome(index_sum, elapsed)
                    },
                    $crate::Workload::YieldMany => spawner_twins!(@yield $($yield)+, $run),
                    $crate::Workload::PingPong => |runtime, params| {
                        let rounds = params.get("rounds");
                        let (finals, elapsed) =
                            $run(runtime, |spawner| timed($ping_pong(spawner, rounds)));
                        ping_pong::outcome(rounds, finals, elapsed)
                    },
                    $crate::Workload::ChainedSpawn => |runtime, params| {
                        let depth = params.get("depth");
                        let (reached, elapsed) = $run(runtime, |spawner| {
                            timed(async move {
                                let (first, reached) = chained_spawn::chain(depth);
                                $hop(spawner, first);
                                reached.recv().await
                            })
                        });
                        chained_spawn::outcome(depth, reached, elapsed)
                    },
                    $crate::Workload::TcpRoundTrip => |runtime, params| {
                        let (rounds, size) = (params.get("rounds"), params.count("size"));
                        let (echoed, elapsed) =
                            $run(runtime, |spawner| timed($tcp(spawner, rounds, size)));
                        tcp_round_trip::outcome(rounds, size, echoed, elapsed)
                    },
                })
            }
        }
    };
}

pub mod allocator;
pub mod pairs;
#[cfg(any(
    feature = "async-std",
    feature = "smol",
    feature = "glommio",
    feature = "futures",
    feature = "reference",
    feature = "async-global-executor",
    feature = "monoio",
    feature = "compio"
))]
mod tcp;
mod workload;

#[cfg(feature = "async-global-executor")]
mod async_global_executor;
#[cfg(feature = "async-std")]
mod async_std;
#[cfg(all(feature = "compio", target_os = "linux"))]
mod compio;
#[cfg(feature = "futures")]
mod futures;
#[cfg(all(feature = "glommio", target_os = "linux"))]
mod glommio;
#[cfg(all(any(feature = "glommio", feature = "monoio", feature = "compio"), target_os = "linux"))]
mod local;
#[cfg(all(feature = "monoio", target_os = "linux"))]
mod monoio;

#[cfg(feature = "reference")]
mod reference;
#[cfg(feature = "smol")]
mod smol;
#[cfg(any(feature = "smol", feature = "async-global-executor"))]
mod spawner;
#[cfg(feature = "tokio")]
mod tokio;

pub use workload::Workload;

/// A native twin: runs its workload with `params` on the runtime underneath the adapter,
/// and checks it with the scenario's own check.
pub type Twin<R> = fn(&R, &Params) -> Result<Outcome, ScenarioError>;

/// A flavour whose workloads have native twins.
pub trait Twins: Runtime {
    /// Native twins with one of the contract's normalised semantics added, where the
    /// runtime's own API does without it and the contract's adapter pays for it.
    const SEMANTICS: &'static [Semantic<Self>] = &[];

    /// The twin of `workload`, or why this runtime has none that does the same thing
    /// (shown as `n/a: <reason>`).
    fn twin(workload: Workload) -> Result<Twin<Self>, &'static str>;
}

/// Per-core flavours have no twins: the overhead workloads do not shard (they would be
/// `n/a` through the contract too), and what the contract costs on each executor is
/// what it costs on the single-thread flavour the per-core one is made of.
#[cfg(any(
    feature = "tokio",
    feature = "smol",
    all(any(feature = "glommio", feature = "monoio", feature = "compio"), target_os = "linux")
))]
impl<R: rtbench_adapters::support::per_core::PerCoreInfo> Twins
    for rtbench_adapters::support::per_core::PerCore<R>
{
    fn twin(_: Workload) -> Result<Twin<Self>, &'static str> {
        Err("per-core: measured on the single-thread flavour it runs N of (the overhead \
             workloads do not shard)")
    }
}

/// A normalised semantic, measured apart: the native twin of `workload` with that one
/// semantic added the way the adapter adds it, and nothing else. Measured in the same
/// rounds as the plain twin and the contract ([`pairs::Sides::measure`]), it says what
/// the semantic itself costs on this runtime, and what the contract costs beyond it, so
/// a ratio above 1.03 in the overhead table is explained by figures of its own rather
/// than by a sentence.
pub struct Semantic<R> {
    /// What the variant adds, e.g. `catching panics`.
    pub name: &'static str,
    /// The workload it is measured on.
    pub workload: Workload,
    /// The native twin with the semantic added.
    pub twin: Twin<R>,
}

/// Something to do with a flavour chosen by name, with its twins: like
/// [`rtbench_core::RuntimeVisitor`], monomorphised per flavour.
pub trait TwinsVisitor {
    /// What the visit produces.
    type Output;

    /// Called with the built runtime.
    fn visit<R: Twins>(self, runtime: &R) -> Self::Output;
}

/// How [`visit`] hands a flavour to a [`TwinsVisitor`] whether or not it has twins yet,
/// by autoref specialisation over the list's concrete types: `(&Dispatch::<R>).dispatch`
/// finds [`dispatch::WithTwins`] first, implemented for `Dispatch<R>` where `R: Twins`,
/// and only where that impl does not exist goes on to [`dispatch::WithoutTwins`], on
/// `&Dispatch<R>` for any runtime. Adding a runtime to the list thus needs no twins to
/// compile: until `native/src/<runtime>.rs` exists, `visit` says there are none.
#[doc(hidden)]
pub mod dispatch {
    use std::marker::PhantomData;

    use rtbench_adapters::AdapterError;
    use rtbench_core::{Runtime, RuntimeConfig, Unavailable};

    use crate::{Twins, TwinsVisitor};

    /// A flavour of the list, by type.
    pub struct Dispatch<R>(pub PhantomData<R>);

    /// A flavour with twins: built and visited.
    pub trait WithTwins {
        /// Builds the flavour with `config` and hands it to `visitor`.
        fn dispatch<V: TwinsVisitor>(
            &self,
            config: &RuntimeConfig,
            visitor: V,
        ) -> Result<V::Output, AdapterError>;
    }

    impl<R: Twins> WithTwins for Dispatch<R> {
        fn dispatch<V: TwinsVisitor>(
            &self,
            config: &RuntimeConfig,
            visitor: V,
        ) -> Result<V::Output, AdapterError> {
            let runtime = R::new(config).map_err(AdapterError::Unavailable)?;
            Ok(visitor.visit(&runtime))
        }
    }

    /// A flavour without twins yet: not built, and why.
    pub trait WithoutTwins {
        /// Says that the flavour has no twins and where they go.
        fn dispatch<V: TwinsVisitor>(
            &self,
            config: &RuntimeConfig,
            visitor: V,
        ) -> Result<V::Output, AdapterError>;
    }

    impl<R: Runtime> WithoutTwins for &Dispatch<R> {
        fn dispatch<V: TwinsVisitor>(
            &self,
            _: &RuntimeConfig,
            _: V,
        ) -> Result<V::Output, AdapterError> {
            Err(AdapterError::Unavailable(Unavailable(no_twins(R::INFO.name))))
        }
    }

    /// Why a flavour has no overhead figures: nobody wrote its twins yet.
    pub fn no_twins(flavour: &str) -> String {
        format!(
            "no native twins yet: {flavour}'s five workloads on its own API go in \
             native/src/ (README, \"Adding a runtime\", step 4)"
        )
    }
}

macro_rules! twins_registry {
    ($( #[cfg($cfg:meta)] $flavour:ident: $runtime:ty $(, probed by $probe:path)?; )*) => {
        /// Builds the flavour called `name` with `config` and hands it to `visitor`, as
        /// [`rtbench_adapters::visit`] does; `AdapterError::Unavailable` for a flavour
        /// without twins yet (see [`dispatch`]).
        pub fn visit<V: TwinsVisitor>(
            name: &str,
            config: &RuntimeConfig,
            visitor: V,
        ) -> Result<V::Output, AdapterError> {
            #[allow(unused_imports)]
            use dispatch::{Dispatch, WithTwins, WithoutTwins};
            $(
                #[cfg($cfg)]
                if name == <$runtime as Runtime>::INFO.name {
                    return (&Dispatch::<$runtime>(std::marker::PhantomData)).dispatch(config, visitor);
                }
            )*
            let _ = (config, visitor);
            Err(AdapterError::Unknown { name: name.to_owned(), valid: rtbench_adapters::names() })
        }
    };
}

rtbench_adapters::for_each_flavour!(twins_registry);
