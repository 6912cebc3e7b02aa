//! End-to-end tests of `/async` (TAP 1.1 §2.2.2 over UWS 1.1) on the real `astrotap` binary:
//! real ADQL jobs, their results against `/sync`, abort and execution-duration cancellation,
//! restart recovery after SIGKILL, graceful shutdown on SIGTERM, and pyvo's async API; and that the binary's `adql check
//! --explain` shows the plan the service runs.

mod explain;
mod lifecycle;
mod pyvo;
mod restart;
mod shutdown;
mod support;
