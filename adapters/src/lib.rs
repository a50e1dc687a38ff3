//! One adapter per async runtime, each behind the cargo feature of the same name, and
//! the registry that picks one by name.
//!
//! | feature | flavours | module |
//! |---|---|---|
//! | `tokio` | `tokio-ct`, `tokio-mt` | [`tokio`](mod@crate::tokio) |
//! | `async-std` | `async-std` (legacy) | [`async_std`](mod@crate::async_std) |
//! | `smol` | `smol-1`, `smol-mt` | [`smol`](mod@crate::smol) |
//! | `futures` | `futures-local`, `futures-pool` | [`futures`](mod@crate::futures) |
//! | `glommio` (Linux only) | `glommio` | [`glommio`](mod@crate::glommio) |
//!
//! Shared by several adapters: [`cancel_on_abort`] (join handles over an async native
//! `cancel`), [`smol_stack`] (smol's I/O, timer and blocking crates),
//! [`async_process_child`], and the private modules `current` (the "current executor"
//! thread-local), `local_spawn` (`spawn`/`spawn_local` items written once) and
//! `nodelay_listener` (the TCP listener over async-io based listeners).
//!
//! The registry ([`infos`], [`visit`]) is generated from one list,
//! [`for_each_flavour!`], so adding a runtime is one module, one feature and one line
//! there (and, since `rtbench-native` derives its list from it, one twin module).

use rtbench_core::{Runtime, RuntimeConfig, RuntimeInfo, RuntimeVisitor, Unavailable};

#[cfg(feature = "tokio")]
pub mod tokio;

#[cfg(feature = "async-std")]
pub mod async_std;
#[cfg(feature = "futures")]
pub mod futures;
#[cfg(all(feature = "glommio", target_os = "linux"))]
pub mod glommio;
#[cfg(feature = "smol")]
pub mod smol;

#[cfg(any(feature = "async-std", feature = "smol", feature = "futures"))]
pub mod async_process_child;
#[cfg(any(feature = "async-std", feature = "smol"))]
pub mod cancel_on_abort;
#[cfg(any(feature = "smol", feature = "futures"))]
mod current;
#[cfg(any(feature = "smol", feature = "futures", all(feature = "glommio", target_os = "linux")))]
mod local_spawn;
#[cfg(any(feature = "async-std", feature = "smol", feature = "futures"))]
mod nodelay_listener;
pub mod probes;
#[cfg(any(feature = "smol", feature = "futures"))]
pub mod smol_stack;

/// Why [`visit`] could not run the visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdapterError {
    /// No compiled-in runtime has this name.
    Unknown {
        /// The name asked for.
        name: String,
        /// The names that exist in this build.
        valid: Vec<&'static str>,
    },
    /// The runtime exists but cannot run on this machine.
    Unavailable(Unavailable),
}

impl std::fmt::Display for AdapterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdapterError::Unknown { name, valid } => {
                write!(f, "unknown runtime `{name}`; valid: {}", valid.join(", "))
            }
            AdapterError::Unavailable(reason) => write!(f, "unavailable: {reason}"),
        }
    }
}

impl std::error::Error for AdapterError {}

macro_rules! registry {
    ($( $(#[$cfg:meta])* $runtime:ty ),* $(,)?) => {
        /// Every runtime flavour compiled into this build, in table order.
        pub fn infos() -> Vec<RuntimeInfo> {
            vec![$( $(#[$cfg])* <$runtime as Runtime>::INFO, )*]
        }

        /// Builds the runtime called `name` with `config` and hands it to `visitor`.
        pub fn visit<V: RuntimeVisitor>(
            name: &str,
            config: &RuntimeConfig,
            visitor: V,
        ) -> Result<V::Output, AdapterError> {
            $(
                $(#[$cfg])*
                if name == <$runtime as Runtime>::INFO.name {
                    let runtime = <$runtime as Runtime>::new(config).map_err(AdapterError::Unavailable)?;
                    return Ok(visitor.visit(&runtime));
                }
            )*
            let _ = (config, visitor);
            Err(AdapterError::Unknown { name: name.to_owned(), valid: names() })
        }
    };
}

/// Calls `$callback! { … }` with every runtime flavour of this build, in table order,
/// each as `#[cfg(…)] path::Type`: the one list of runtimes. The registry below is
/// generated from it, and so is anything above the adapters that needs each flavour's
/// concrete type (the native twins of `rtbench-native`), so nothing else repeats the
/// list. The `cfg`s name this crate's features and are evaluated where the callback
/// expands: a crate that uses this forwards each feature under the same name.
#[macro_export]
macro_rules! for_each_flavour {
    ($callback:ident) => {
        $callback! {
            #[cfg(feature = "tokio")] $crate::tokio::TokioCurrentThread,
            #[cfg(feature = "tokio")] $crate::tokio::TokioMultiThread,
            #[cfg(feature = "async-std")] $crate::async_std::AsyncStd,
            #[cfg(feature = "smol")] $crate::smol::SmolSingleThread,
            #[cfg(feature = "smol")] $crate::smol::SmolMultiThread,
            #[cfg(feature = "futures")] $crate::futures::FuturesLocal,
            #[cfg(feature = "futures")] $crate::futures::FuturesPool,
            #[cfg(all(feature = "glommio", target_os = "linux"))] $crate::glommio::Glommio,
        }
    };
}

for_each_flavour!(registry);

/// The names of every runtime flavour in this build.
pub fn names() -> Vec<&'static str> {
    infos().iter().map(|info| info.name).collect()
}
