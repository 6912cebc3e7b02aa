//! Integration tests of the HATS layer: layout round trips, interoperability with the reference
//! Python implementation (hats / hats-import), pruning through DataFusion, ingest failure modes,
//! and real Gaia DR3 / Hipparcos data.

mod support;

mod interop;
mod ordering;
mod pruning;
mod realdata;
mod roundtrip;
