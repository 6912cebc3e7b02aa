//! VOTable TABLEDATA rows (VOTable 1.4 §5.1): one `<TR>` per row, `<TD/>` for nulls.

use datafusion::arrow::record_batch::RecordBatch;

use super::columns::{prepare, views, Plan};
use super::driver::BodyEncoder;
use super::meta::ResultMeta;
use super::text::{write_value, Quoting, TextBuffers};
use super::votable_doc::{header, trailer, DataKind, Ending};
use super::OutputError;

pub(crate) struct TableDataEncoder {
    meta: ResultMeta,
    plans: Vec<Plan>,
    bufs: TextBuffers,
}

impl TableDataEncoder {
    pub(crate) fn new(meta: ResultMeta, plans: Vec<Plan>) -> Self {
        TableDataEncoder { meta, plans, bufs: TextBuffers::default() }
    }
}

impl BodyEncoder for TableDataEncoder {
    fn begin(&mut self, out: &mut Vec<u8>) -> Result<(), OutputError> {
        out.extend_from_slice(header(&self.meta, DataKind::TableData).as_bytes());
        Ok(())
    }

    fn rows(&mut self, batch: &RecordBatch, out: &mut Vec<u8>) -> Result<(), OutputError> {
        let prepared = prepare(batch, &self.plans)?;
        let cols = views(&prepared)?;
        for i in 0..batch.num_rows() {
            out.extend_from_slice(b"<TR>");
            for c in &cols {
                if c.is_null(i) {
                    out.extend_from_slice(b"<TD/>");
                } else {
                    out.extend_from_slice(b"<TD>");
                    write_value(out, &c.kind, i, &mut self.bufs, Quoting::Xml, (b"T", b"F"));
                    out.extend_from_slice(b"</TD>");
                }
            }
            out.extend_from_slice(b"</TR>\n");
        }
        Ok(())
    }

    fn end(&mut self, ending: &Ending, out: &mut Vec<u8>) -> Result<(), OutputError> {
        out.extend_from_slice(trailer(DataKind::TableData, ending).as_bytes());
        Ok(())
    }

    fn reports_errors_in_band(&self) -> bool {
        true
    }
}
