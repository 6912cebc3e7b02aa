//! One uploaded table from its bytes to Arrow record batches, with the limits applied while
//! reading (a table over the row limit is refused at the first batch past it, not after).
//!
//! The format is found from the content alone ([`hats::ingest::input::open_bytes`]): Parquet
//! (VOParquet included), VOTable (TABLEDATA, BINARY, BINARY2), ECSV, else CSV with a header.
//! Column metadata (unit, UCD, description) travels in the Arrow field metadata, so the result
//! of a query on the upload describes its columns as the uploaded file did. The position
//! columns are found as ingest finds them (UCDs `pos.eq.ra`/`pos.eq.dec`, else the usual names:
//! `ra`/`dec`, `RAJ2000`/`DEJ2000`, `RA_ICRS`/`DE_ICRS`, ...) and given the main-position UCDs
//! when the file gave them none (a CSV never does), so clients such as TOPCAT see the result's
//! positions. A crossmatch itself uses whichever columns the query's POINTs name.

use std::sync::Arc;

use bytes::Bytes;
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use hats::ingest::input::{open_bytes, InputOptions};

use super::UploadError;

/// An uploaded table, read.
#[derive(Debug, Clone)]
pub struct UploadTable {
    /// The (lower-cased) name the query uses after `TAP_UPLOAD.`.
    pub name: String,
    /// Column names folded as the planner folds identifiers (see [`column_name`]).
    pub schema: SchemaRef,
    /// The rows.
    pub batches: Vec<RecordBatch>,
    /// The (right ascension, declination) columns, when found.
    pub position: Option<(String, String)>,
}

impl UploadTable {
    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// The name a column is known by in ADQL: a regular identifier is case-insensitive and the
/// planner folds it to lower case, so `RA` in a VOTable is `ra` (or `RA`, or `Ra`) in a query.
/// A name that needs quoting anyway (`"RA (deg)"`) keeps its spelling.
fn column_name(name: &str) -> String {
    let mut chars = name.chars();
    let regular = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if regular {
        name.to_ascii_lowercase()
    } else {
        name.to_string()
    }
}

fn folded_schema(table: &str, schema: &Schema) -> Result<SchemaRef, UploadError> {
    let mut fields: Vec<Field> = Vec::with_capacity(schema.fields().len());
    for f in schema.fields() {
        let name = column_name(f.name());
        if fields.iter().any(|g| *g.name() == name) {
            return Err(UploadError::table(table, format!("two columns are both named '{name}' (names are case-insensitive)")));
        }
        fields.push(f.as_ref().clone().with_name(name));
    }
    if fields.is_empty() {
        return Err(UploadError::table(table, "the table has no columns"));
    }
    Ok(Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())))
}

/// Reads `data` as table `name`. `rows_left` is what the request may still upload; it is
/// decreased by this table's rows.
pub fn read_table(name: &str, data: Bytes, rows_left: &mut usize, max_rows: usize) -> Result<UploadTable, UploadError> {
    let opts = InputOptions { require_position: false, batch_size: 65_536, ..InputOptions::default() };
    let reader = open_bytes(name, data, &opts).map_err(|e| UploadError::table(name, e.to_string()))?;
    let mut schema = folded_schema(name, &reader.schema())?;
    let position = reader.position_columns().map(|p| (p.ra_index, p.dec_index));
    if let Some((ra, dec)) = position {
        schema = with_position_ucds(&schema, ra, dec);
    }
    let position = position.map(|(ra, dec)| (schema.field(ra).name().clone(), schema.field(dec).name().clone()));
    let mut batches = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| UploadError::table(name, e.to_string()))?;
        if batch.num_rows() > *rows_left {
            return Err(UploadError::TooManyRows { table: name.to_string(), limit: max_rows });
        }
        *rows_left -= batch.num_rows();
        let batch = RecordBatch::try_new(Arc::clone(&schema), batch.columns().to_vec())
            .map_err(|e| UploadError::table(name, e.to_string()))?;
        batches.push(batch);
    }
    let table = UploadTable { name: name.to_string(), schema, batches, position };
    tracing::debug!(table = name, rows = table.num_rows(), position = ?table.position, "upload read");
    Ok(table)
}

/// `schema` with the main-position UCDs on columns `ra` and `dec` where they have no UCD.
fn with_position_ucds(schema: &SchemaRef, ra: usize, dec: usize) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let ucd = if f.metadata().contains_key("ucd") {
                None
            } else if i == ra {
                Some("pos.eq.ra;meta.main")
            } else if i == dec {
                Some("pos.eq.dec;meta.main")
            } else {
                None
            };
            let mut field = f.as_ref().clone();
            if let Some(ucd) = ucd {
                let mut metadata = field.metadata().clone();
                metadata.insert("ucd".to_string(), ucd.to_string());
                field = field.with_metadata(metadata);
            }
            field
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, max_rows: usize) -> Result<UploadTable, UploadError> {
        let mut left = max_rows;
        read_table("t", Bytes::copy_from_slice(text.as_bytes()), &mut left, max_rows)
    }

    #[test]
    fn csv_by_content_with_folded_names() {
        let t = match read("ID,RA,Dec,\"mag (G)\"\n1,10.5,-3.25,12.0\n2,11,4,\n", 10) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        let names: Vec<&str> = t.schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["id", "ra", "dec", "mag (G)"]);
        assert_eq!(t.num_rows(), 2);
        assert_eq!(t.position, Some(("ra".to_string(), "dec".to_string())));
        let ucd = |i: usize| t.schema.field(i).metadata().get("ucd").cloned();
        assert_eq!((ucd(1).as_deref(), ucd(2).as_deref(), ucd(0)), (Some("pos.eq.ra;meta.main"), Some("pos.eq.dec;meta.main"), None));
        let t = match read("x,y\n1,2\n", 10) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(t.position, None, "no position column: none is made up");
    }

    #[test]
    fn votable_tabledata_keeps_units_and_ucds() {
        let doc = r#"<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">
<RESOURCE><TABLE><FIELD name="RAJ2000" datatype="double" unit="deg" ucd="pos.eq.ra;meta.main"/>
<FIELD name="DEJ2000" datatype="double" unit="deg" ucd="pos.eq.dec;meta.main"/>
<DATA><TABLEDATA><TR><TD>1.5</TD><TD>-2</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>"#;
        let t = match read(doc, 10) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        let ra = t.schema.field(0);
        assert_eq!(ra.name(), "raj2000");
        assert_eq!(ra.metadata().get("unit").map(String::as_str), Some("deg"));
        assert_eq!(ra.metadata().get("ucd").map(String::as_str), Some("pos.eq.ra;meta.main"));
        assert_eq!(t.num_rows(), 1);
        assert_eq!(t.position, Some(("raj2000".to_string(), "dej2000".to_string())));
    }

    #[test]
    fn limits_and_bad_tables_are_clear_errors() {
        match read("a\n1\n2\n3\n", 2) {
            Err(UploadError::TooManyRows { limit: 2, .. }) => {}
            other => panic!("{other:?}"),
        }
        match read("a,A\n1,2\n", 10) {
            Err(e) => assert!(e.to_string().contains("both named 'a'"), "{e}"),
            Ok(_) => panic!("duplicate names accepted"),
        }
        // A CSV that mentions XML is still a CSV; an XML document that is broken is an error.
        assert!(read("note\n<b>\n", 10).is_ok());
        assert!(read("<VOTABLE><RESOURCE><TABLE><FIELD name=\"a\" datatype=\"int\"/><DATA><TABLEDATA><TR><TD>x</TD>", 10).is_err());
    }
}
