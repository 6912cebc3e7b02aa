//! Demo and test data, kept out of the storage crate: the seeded synthetic Gaia DR3-like
//! generator, loaders for the real catalogs the tests use, and the builder of the embedded demo
//! set, all written through `hats`' partitioning writer.

pub mod demo;
pub mod generator;
pub mod progress;
pub mod realdata;
