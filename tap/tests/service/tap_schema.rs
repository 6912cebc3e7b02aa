//! TAP_SCHEMA (TAP 1.1 §4) queried through /sync.

use super::*;

#[test]
fn columns_come_from_the_catalog_metadata() {
    let rows = csv_rows(&adql(
        "SELECT column_name, datatype, unit, ucd, indexed, principal, std, column_index \
         FROM TAP_SCHEMA.columns WHERE table_name = 'gaiadr3.gaia_source' ORDER BY column_index",
        "csv",
    ));
    assert_eq!(rows[0], ["column_name", "datatype", "unit", "ucd", "indexed", "principal", "std", "column_index"]);
    let reference = astrotap_demo::generator::gaia_source::schema();
    for field in reference.fields() {
        let row = rows.iter().find(|r| r[0] == *field.name()).unwrap_or_else(|| panic!("{} missing", field.name()));
        let md = field.metadata();
        assert_eq!(row[2], md.get("unit").cloned().unwrap_or_default(), "unit of {}", field.name());
        assert_eq!(row[3], md.get("ucd").cloned().unwrap_or_default(), "ucd of {}", field.name());
        let expected_type = match field.data_type() {
            datafusion::arrow::datatypes::DataType::Float64 => "double",
            datafusion::arrow::datatypes::DataType::Float32 => "float",
            datafusion::arrow::datatypes::DataType::Int64 => "long",
            other => panic!("unexpected type {other}"),
        };
        assert_eq!(row[1], expected_type, "datatype of {}", field.name());
        assert_eq!(row[6], "0");
    }
    let hpx = rows.iter().find(|r| r[0] == "_healpix_29").expect("_healpix_29 listed");
    assert_eq!((hpx[4].as_str(), hpx[5].as_str()), ("1", "0"), "indexed, not principal");
    // A leading `_` is no ADQL regular identifier: TAP 1.1 §4.3 wants the delimited form in
    // column_name (CSV-quoted here as """_healpix_29"""), and queries must accept it.
    let raw = adql("SELECT column_name FROM TAP_SCHEMA.columns WHERE column_name = '\"_healpix_29\"'", "csv");
    assert_eq!(raw.text().lines().filter(|l| l.trim() == "\"\"\"_healpix_29\"\"\"").count(), 3, "{}", raw.text());
    let by_name = csv_rows(&adql(
        "SELECT TOP 3 g.\"_healpix_29\" FROM gaiadr3.gaia_source AS g WHERE \"_healpix_29\" >= 0 ORDER BY \"_healpix_29\"",
        "csv",
    ));
    assert_eq!(by_name[0], ["_healpix_29"]);
    assert_eq!(by_name.len(), 4);
    let indices: Vec<i64> = rows[1..].iter().map(|r| r[7].parse().expect("column_index")).collect();
    assert_eq!(indices, (1..=indices.len() as i64).collect::<Vec<_>>());
}

#[test]
fn tap_schema_describes_itself_and_its_keys() {
    let tables = csv_rows(&adql("SELECT table_name FROM TAP_SCHEMA.tables ORDER BY table_index", "csv"));
    let names: Vec<&str> = tables[1..].iter().map(|r| r[0].as_str()).collect();
    for t in ["TAP_SCHEMA.schemas", "TAP_SCHEMA.tables", "TAP_SCHEMA.columns", "TAP_SCHEMA.keys", "TAP_SCHEMA.key_columns", "gaiadr3.gaia_source"] {
        assert!(names.contains(&t), "{t} not in TAP_SCHEMA.tables: {names:?}");
    }
    let cols = csv_rows(&adql(
        "SELECT column_name, std FROM TAP_SCHEMA.columns WHERE table_name = 'TAP_SCHEMA.columns'",
        "csv",
    ));
    let names: BTreeSet<&str> = cols[1..].iter().map(|r| r[0].as_str()).collect();
    for c in ["table_name", "column_name", "datatype", "arraysize", "xtype", "size", "description", "utype", "unit", "ucd", "indexed", "principal", "std", "column_index"] {
        assert!(names.contains(c), "TAP_SCHEMA.columns lacks {c}: {names:?}");
    }
    assert!(cols[1..].iter().all(|r| r[1] == "1"));
    // TAP 1.1 §4.3: `size` is an ADQL reserved word, so its column_name is the delimited form
    // (CSV-quoted as """size"""), and the column answers to that name.
    let size = adql("SELECT column_name FROM TAP_SCHEMA.columns WHERE column_name = '\"size\"'", "csv");
    assert_eq!(size.text().lines().map(str::trim).collect::<Vec<_>>(), ["column_name", "\"\"\"size\"\"\""]);
    let sized = csv_rows(&adql("SELECT \"size\", arraysize FROM TAP_SCHEMA.columns WHERE \"size\" IS NOT NULL", "csv"));
    assert_eq!(sized[0], ["size", "arraysize"]);
    // Only fixed-length arrays have a size (the demo has none; TAP_SCHEMA's own columns neither).
    assert!(sized[1..].iter().all(|r| r[0] == r[1]), "size agrees with arraysize: {sized:?}");
    let keys = csv_rows(&adql(
        "SELECT k.from_table, k.target_table, c.from_column, c.target_column FROM TAP_SCHEMA.keys AS k \
         JOIN TAP_SCHEMA.key_columns AS c ON k.key_id = c.key_id WHERE k.from_table = 'gaiadr3.epoch_photometry'",
        "csv",
    ));
    assert_eq!(keys[1], ["gaiadr3.epoch_photometry", "gaiadr3.gaia_source", "source_id", "source_id"]);
}
