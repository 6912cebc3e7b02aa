//! Result writers checked by independent readers: astropy (VOTable TABLEDATA/BINARY2, VOParquet),
//! pyarrow (Parquet), Python's csv module (CSV/TSV); plus MAXREC, mid-stream errors, gzip, a
//! 5-million-row constant-memory run and an ignored throughput benchmark.
//!
//! The Python checks need the project venv: `ASTROTAP_PYTHON=/path/to/python`, or
//! `scripts/setup-python.sh` is run to find it.

mod alloc;
mod fixture;
mod limits;
mod memory;
mod round_trip;
mod support;
