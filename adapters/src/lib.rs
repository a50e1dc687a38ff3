//! One adapter per async runtime, each behind the cargo feature of the same name, and
//! the registry that picks one by name.
//!
//! The flavours, their features and modules are the entries of [`for_each_flavour!`]:
//! `rtbench list` prints them with their crates, versions and classes, and each module's
//! docs say what it adapts and how.
//!
//! The `-tpc` flavours are thread-per-core: N executors of the single-thread flavour,
//! one per thread ([`support::per_core`]), compared with the work-stealing N-thread
//! flavours at the same N.
//!
//! What several adapters share (join handles over an async native `cancel`, the
//! "current executor" thread-local, smol's I/O and timer crates…) is in [`support`].
//! The native-semantics probes, which use the runtimes' own APIs and none of this crate's
//! adapters, are a crate of their own (`rtbench-probes`).
//!
//! The registry ([`infos`], [`visit`]) is generated from one list,
//! [`for_each_flavour!`], so adding a runtime is one module, one feature and one line
//! there. Its native twins (`rtbench-native`) and native-semantics probes
//! (`rtbench-probes`, the `probed by` of its entry) can follow: until its twins are
//! written, its row of `rtbench overhead` says they are missing.

use rtbench_core::{RuntimeConfig, RuntimeInfo, RuntimeVisitor, Unavailable};

#[cfg(feature = "async-global-executor")]
pub mod async_global_executor;
#[cfg(feature = "async-std")]
pub mod async_std;
#[cfg(all(feature = "compio", target_os = "linux"))]
pub mod compio;
#[cfg(feature = "futures")]
pub mod futures;
#[cfg(all(feature = "glommio", target_os = "linux"))]
pub mod glommio;
#[cfg(all(feature = "monoio", target_os = "linux"))]
pub mod monoio;
#[cfg(feature = "reference")]
pub mod reference;
#[cfg(feature = "smol")]
pub mod smol;
#[cfg(feature = "tokio")]
pub mod tokio;

pub mod support;
pub mod versions;

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

/// Calls `$callback! { … }` with every runtime flavour, in table order: **the one list
/// of runtimes**. The registry below ([`infos`], [`visit`]) is generated from it, and so
/// is everything else that enumerates runtimes: the contract and scenario tests, the
/// native-semantics probes (`rtbench_probes::observe_all`), and the native twins' registry of
/// `rtbench-native` (so a flavour without twins does not compile).
///
/// Each entry reads `#[cfg(…)] ident: Type` and, where the runtime's native semantics
/// are probed, `, probed by module::function` (a module and function of the
/// `rtbench-probes` crate, which calls it), then `;`. The identifier is the flavour's
/// name as a Rust identifier (`-` becomes `_`; a test checks it), for generated test
/// names. The `cfg`s name this crate's features and are evaluated where the callback
/// expands: a crate that uses this macro forwards each feature under the same name (the
/// `rtbench` package does; its tests fail if a compiled flavour is missing).
#[macro_export]
macro_rules! for_each_flavour {
    ($callback:ident) => {
        $callback! {
            #[cfg(feature = "tokio")] tokio_ct: $crate::tokio::TokioCurrentThread, probed by tokio::observe;
            #[cfg(feature = "tokio")] tokio_mt: $crate::tokio::TokioMultiThread;
            #[cfg(feature = "tokio")] tokio_ct_tpc: $crate::tokio::TokioPerCore;
            #[cfg(feature = "async-std")] async_std: $crate::async_std::AsyncStd, probed by async_std::observe;
            #[cfg(feature = "async-global-executor")] async_global_executor: $crate::async_global_executor::AsyncGlobalExecutor, probed by async_global_executor::observe;
            #[cfg(feature = "smol")] smol_1: $crate::smol::SmolSingleThread, probed by smol::observe;
            #[cfg(feature = "smol")] smol_mt: $crate::smol::SmolMultiThread;
            #[cfg(feature = "smol")] smol_1_tpc: $crate::smol::SmolPerCore;
            #[cfg(feature = "futures")] futures_local: $crate::futures::FuturesLocal, probed by futures::observe;
            #[cfg(feature = "futures")] futures_pool: $crate::futures::FuturesPool, probed by futures::observe_thread_pool;
            #[cfg(all(feature = "glommio", target_os = "linux"))] glommio: $crate::glommio::Glommio, probed by glommio::observe;
            #[cfg(all(feature = "glommio", target_os = "linux"))] glommio_tpc: $crate::glommio::GlommioPerCore;
            #[cfg(feature = "reference")] reference: $crate::reference::Reference;
            #[cfg(all(feature = "monoio", target_os = "linux"))] monoio: $crate::monoio::Monoio, probed by monoio::observe;
            #[cfg(all(feature = "monoio", target_os = "linux"))] monoio_tpc: $crate::monoio::MonoioPerCore;
            #[cfg(all(feature = "compio", target_os = "linux"))] compio: $crate::compio::Compio, probed by compio::observe;
            #[cfg(all(feature = "compio", target_os = "linux"))] compio_tpc: $crate::compio::CompioPerCore;
        }
    };
}

/// Generates [`infos`] and [`visit`] from [`for_each_flavour!`].
macro_rules! registry {
    ($( #[cfg($cfg:meta)] $flavour:ident: $runtime:ty $(, probed by $probe:path)?; )*) => {
        /// Every runtime flavour compiled into this build, in table order.
        pub fn infos() -> Vec<RuntimeInfo> {
            vec![$( #[cfg($cfg)] <$runtime as rtbench_core::Runtime>::INFO, )*]
        }

        /// Builds the runtime called `name` with `config` and hands it to `visitor`.
        pub fn visit<V: RuntimeVisitor>(
            name: &str,
            config: &RuntimeConfig,
            visitor: V,
        ) -> Result<V::Output, AdapterError> {
            $(
                #[cfg($cfg)]
                if name == <$runtime as rtbench_core::Runtime>::INFO.name {
                    let runtime = <$runtime as rtbench_core::Runtime>::new(config).map_err(AdapterError::Unavailable)?;
                    return Ok(visitor.visit(&runtime));
                }
            )*
            let _ = (config, visitor);
            Err(AdapterError::Unknown { name: name.to_owned(), valid: names() })
        }
    };
}

for_each_flavour!(registry);

/// The names of every runtime flavour in this build.
pub fn names() -> Vec<&'static str> {
    infos().iter().map(|info| info.name).collect()
}

#[cfg(test)]
mod tests {
    /// The compiled entries: identifier and flavour name.
    macro_rules! compiled {
        ($( #[cfg($cfg:meta)] $flavour:ident: $runtime:ty $(, probed by $probe:path)?; )*) => {
            vec![$( #[cfg($cfg)] (stringify!($flavour), <$runtime as rtbench_core::Runtime>::INFO.name), )*]
        };
    }

    #[test]
    fn each_identifier_is_its_flavours_name() {
        let compiled: Vec<(&str, &str)> = for_each_flavour!(compiled);
        for (ident, name) in compiled {
            assert_eq!(ident.replace('_', "-"), name);
        }
    }
}
