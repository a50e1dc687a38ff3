//! The two answers adapters give to the contract's `spawn_local`, each written once as a
//! macro expanded inside an `impl Runtime` block (like
//! [`smol_stack_items!`](crate::support::smol_stack)).
//!
//! - `spawn_all_local!(path)`: on a single-thread executor (`smol-1`, `futures-local`,
//!   `glommio`) every task already runs on the calling thread, `Send` or not, so `spawn`
//!   and `spawn_local` are the same operation: both call `path(future)`. One executor,
//!   one queue — no second executor nested for `!Send` tasks.
//! - `no_spawn_local!()`: flavours whose one executor is shared by worker threads
//!   (`smol-mt`, `futures-pool`) cannot run `!Send` tasks; `spawn_local` panics with the
//!   capability's reason, as the contract says (scenarios check the capability first).

/// Expands to `spawn` and `spawn_local`, both calling `$spawn(future)`: a function
/// generic over the future, returning the flavour's join handle. Attributes before the
/// path (e.g. `#[inline]`) go on both.
#[macro_export]
#[doc(hidden)]
macro_rules! spawn_all_local {
    ($(#[$attr:meta])* $spawn:path) => {
        $(#[$attr])*
        fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
        where
            F: ::std::future::Future + Send + 'static,
            F::Output: Send + 'static,
        {
            $spawn(future)
        }

        $(#[$attr])*
        fn spawn_local<F>(future: F) -> Self::LocalJoinHandle<F::Output>
        where
            F: ::std::future::Future + 'static,
            F::Output: 'static,
        {
            $spawn(future)
        }
    };
}

/// Expands to a `spawn_local` that panics with the flavour's `local_spawn` capability.
#[macro_export]
#[doc(hidden)]
macro_rules! no_spawn_local {
    () => {
        fn spawn_local<F>(_: F) -> Self::LocalJoinHandle<F::Output>
        where
            F: ::std::future::Future + 'static,
            F::Output: 'static,
        {
            panic!("spawn_local: {}", Self::INFO.capabilities.local_spawn.detail())
        }
    };
}
