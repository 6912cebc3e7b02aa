//! Integration tests of the `uws` crate (no HTTP): store, runner, recovery, WAIT, documents.
//! One test binary with modules, to keep link time down.

mod common;
mod documents;
mod lifecycle;
mod recovery;
mod store;
mod timing;
mod uploads;
