//! CSV (RFC 4180, `text/csv;header=present`) and TSV (IANA `text/tab-separated-values`).
//!
//! Choices, since neither format has a standard for them:
//! - null is an empty field; booleans are `true`/`false`; floats use VOTable's `NaN`/`+Inf`/`-Inf`;
//! - arrays (geometry, spectra) are one field of space-separated values, as DALI 1.1 §3.2
//!   serialises point/circle/polygon, so a CSV `POINT` reads back as `"10.5 -3.25"`;
//! - MAXREC truncation cannot be signalled in-band and is not (the HTTP layer may log it);
//! - an error after the header was sent aborts the transfer: a trailing "error" line would be
//!   indistinguishable from a data row, while a broken transfer is seen by every client.

use datafusion::arrow::record_batch::RecordBatch;

use super::columns::{prepare, views, Plan};
use super::driver::BodyEncoder;
use super::meta::ResultMeta;
use super::text::{write_value, Quoting, TextBuffers};
use super::votable_doc::Ending;
use super::OutputError;

pub(crate) struct DelimitedEncoder {
    names: Vec<String>,
    plans: Vec<Plan>,
    quoting: Quoting,
    separator: u8,
    line_end: &'static [u8],
    bufs: TextBuffers,
}

impl DelimitedEncoder {
    pub(crate) fn csv(meta: &ResultMeta, plans: Vec<Plan>) -> Self {
        Self::new(meta, plans, Quoting::Csv, b',', b"\r\n")
    }

    pub(crate) fn tsv(meta: &ResultMeta, plans: Vec<Plan>) -> Self {
        Self::new(meta, plans, Quoting::Tsv, b'\t', b"\n")
    }

    fn new(meta: &ResultMeta, plans: Vec<Plan>, quoting: Quoting, separator: u8, line_end: &'static [u8]) -> Self {
        DelimitedEncoder {
            names: meta.fields.iter().map(|f| f.name.clone()).collect(),
            plans,
            quoting,
            separator,
            line_end,
            bufs: TextBuffers::default(),
        }
    }
}

impl BodyEncoder for DelimitedEncoder {
    fn begin(&mut self, out: &mut Vec<u8>) -> Result<(), OutputError> {
        for (k, name) in self.names.iter().enumerate() {
            if k > 0 {
                out.push(self.separator);
            }
            super::text::write_str(out, name, self.quoting);
        }
        out.extend_from_slice(self.line_end);
        Ok(())
    }

    fn rows(&mut self, batch: &RecordBatch, out: &mut Vec<u8>) -> Result<(), OutputError> {
        let prepared = prepare(batch, &self.plans)?;
        let cols = views(&prepared)?;
        for i in 0..batch.num_rows() {
            for (k, c) in cols.iter().enumerate() {
                if k > 0 {
                    out.push(self.separator);
                }
                if !c.is_null(i) {
                    write_value(out, &c.kind, i, &mut self.bufs, self.quoting, (b"true", b"false"));
                }
            }
            out.extend_from_slice(self.line_end);
        }
        Ok(())
    }

    fn end(&mut self, _ending: &Ending, _out: &mut Vec<u8>) -> Result<(), OutputError> {
        Ok(())
    }

    fn reports_errors_in_band(&self) -> bool {
        false
    }
}
