//! One adapter per async runtime, each behind the cargo feature of the same name, and
//! the registry that picks one by name.
//!
//! | feature | flavours | module |
//! |---|---|---|
//! | `tokio` | `tokio-ct`, `tokio-mt` | [`tokio`](mod@crate::tokio) |
//!
//! The registry ([`infos`], [`visit`]) is generated from one list, so adding a runtime
//! is one module, one feature and one line here.

use rtbench_core::{Runtime, RuntimeConfig, RuntimeInfo, RuntimeVisitor, Unavailable};

#[cfg(feature = "tokio")]
pub mod tokio;

pub mod probes;

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

registry! {
    #[cfg(feature = "tokio")] tokio::TokioCurrentThread,
    #[cfg(feature = "tokio")] tokio::TokioMultiThread,
}

/// The names of every runtime flavour in this build.
pub fn names() -> Vec<&'static str> {
    infos().iter().map(|info| info.name).collect()
}
