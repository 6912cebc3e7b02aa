//! The fixture: every column kind, nulls everywhere, markup and non-ASCII text, geometry xtypes.
//! Each column is built from the same literal values that go into the expectations.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Decimal128Array, FixedSizeListArray, Float32Array, Float64Array,
    Int16Array, Int32Array, Int64Array, Int8Array, ListArray, StringArray, StringViewArray,
    TimestampMicrosecondArray, UInt8Array,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use serde_json::{json, Value};

use tap::output::ResultMeta;

use crate::support::stream_of;

pub struct Fixture {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    pub columns: Vec<Value>,
    pub rows: usize,
}

fn md(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

pub fn fixture() -> Fixture {
    let source_id = vec![Some(4295806720i64), Some(-1), None, Some(i64::MAX), Some(0), Some(38655544960)];
    let ra = vec![Some(45.0f64), Some(359.99999999999994), None, Some(1e-300), Some(0.1), Some(266.4168166)];
    let mag = vec![Some(20.5f32), None, Some(1.0e-8), Some(17.123456), Some(-2.5), Some(3.4e38)];
    let flag = vec![Some(true), Some(false), None, Some(true), Some(false), Some(true)];
    let n16 = vec![Some(-32768i16), Some(32767), None, Some(0), Some(1), Some(-1)];
    let n32 = vec![Some(i32::MIN), Some(i32::MAX), Some(7), None, Some(0), Some(-42)];
    let n8 = vec![Some(-128i8), Some(127), None, Some(0), Some(5), Some(-5)];
    let u8v = vec![Some(0u8), Some(255), None, Some(1), Some(128), Some(7)];
    let name = vec![
        Some("plain"),
        Some("a<b & c>d \"q\" 'a'"),
        Some("comma, and \"quotes\""),
        None,
        Some("x"),
        Some("tab\there"),
    ];
    let uname = vec![Some("Ωmega"), Some("✓ ok"), Some("emoji 🚀 rocket"), None, Some("é"), Some("日本語")];
    let pos: Vec<Option<[f64; 2]>> =
        vec![Some([10.5, -3.25]), Some([0.0, 90.0]), None, Some([359.9, -89.9]), Some([1e-10, 0.0]), Some([180.0, 0.0])];
    let circ: Vec<Option<[f64; 3]>> = vec![
        Some([10.0, 20.0, 0.5]),
        None,
        Some([0.0, -90.0, 1.0]),
        Some([359.5, 45.25, 0.001]),
        Some([1.0, 2.0, 3.0]),
        Some([100.0, 0.0, 10.0]),
    ];
    let poly: Vec<Option<Vec<f64>>> = vec![
        Some(vec![0.0, 0.0, 1.0, 0.0, 1.0, 1.0]),
        Some(vec![10.0, 10.0, 11.0, 10.0, 10.5, 11.0, 9.5, 10.5]),
        None,
        Some(vec![359.0, -1.0, 1.0, -1.0, 0.0, 1.0]),
        Some(vec![5.0, 5.0, 6.0, 5.0, 6.0, 6.0]),
        Some(vec![1.0, 1.0, 2.0, 1.0, 2.0, 2.0]),
    ];
    let flux: Vec<Option<Vec<Option<f32>>>> = vec![
        Some(vec![Some(1.5), None, Some(2.5)]),
        Some(vec![Some(0.25)]),
        None,
        Some(vec![Some(-1.0), Some(3.0e-5), Some(7.0), Some(8.0)]),
        Some(vec![Some(1.0), Some(2.0)]),
        Some(vec![None]),
    ];
    let ts = vec![Some(0i64), Some(1_451_649_600_500_000), None, Some(1_700_000_000_123_456), Some(86_400_000_000), Some(-86_400_000_000)];
    // Decimal128(10, 3) mantissas and the doubles they stand for.
    let dec = vec![Some(12345i128), Some(-1), None, Some(1000), Some(999_999_999), Some(5)];
    let dec_f = json!([12.345, -0.001, null, 1.0, 999999.999, 0.005]);

    let f64_item = Arc::new(Field::new("item", DataType::Float64, true));
    let f32_item = Arc::new(Field::new("item", DataType::Float32, true));
    let fields = vec![
        Field::new("source_id", DataType::Int64, true)
            .with_metadata(md(&[("ucd", "meta.id;meta.main"), ("description", "Gaia <DR3> source id & more")])),
        Field::new("ra", DataType::Float64, true).with_metadata(md(&[("unit", "deg"), ("ucd", "pos.eq.ra;meta.main")])),
        Field::new("mag", DataType::Float32, true).with_metadata(md(&[("unit", "mag"), ("utype", "phot:mag")])),
        Field::new("flag", DataType::Boolean, true),
        Field::new("n16", DataType::Int16, true),
        Field::new("n32", DataType::Int32, true),
        Field::new("n8", DataType::Int8, true),
        Field::new("u8", DataType::UInt8, true),
        Field::new("name", DataType::Utf8, true),
        Field::new("uname", DataType::Utf8View, true).with_metadata(md(&[("datatype", "unicodeChar")])),
        Field::new("pos", DataType::FixedSizeList(f64_item.clone(), 2), true)
            .with_metadata(md(&[("xtype", "point"), ("unit", "deg")])),
        Field::new("circ", DataType::FixedSizeList(f64_item.clone(), 3), true)
            .with_metadata(md(&[("xtype", "circle"), ("unit", "deg")])),
        Field::new("poly", DataType::List(f64_item.clone()), true)
            .with_metadata(md(&[("xtype", "polygon"), ("unit", "deg")])),
        Field::new("flux", DataType::List(f32_item.clone()), true).with_metadata(md(&[("unit", "W.m**-2.nm**-1")])),
        Field::new("ts", DataType::Timestamp(TimeUnit::Microsecond, None), true),
        Field::new("dec", DataType::Decimal128(10, 3), true),
    ];
    let schema = Arc::new(Schema::new(fields));

    let fixed_list = |rows: &[Option<Vec<f64>>], n: i32| -> ArrayRef {
        let values: Vec<f64> = rows.iter().flat_map(|r| r.clone().unwrap_or(vec![0.0; n as usize])).collect();
        let nulls = rows.iter().map(|r| r.is_some()).collect::<Vec<_>>();
        Arc::new(FixedSizeListArray::new(
            f64_item.clone(),
            n,
            Arc::new(Float64Array::from(values)),
            Some(nulls.into()),
        ))
    };
    let pos_rows: Vec<Option<Vec<f64>>> = pos.iter().map(|p| p.map(|a| a.to_vec())).collect();
    let circ_rows: Vec<Option<Vec<f64>>> = circ.iter().map(|p| p.map(|a| a.to_vec())).collect();
    let poly_arr = {
        let lens = poly.iter().map(|p| p.as_ref().map_or(0, Vec::len));
        let values: Vec<f64> = poly.iter().flat_map(|p| p.clone().unwrap_or_default()).collect();
        let nulls = poly.iter().map(|p| p.is_some()).collect::<Vec<_>>();
        ListArray::new(
            f64_item.clone(),
            OffsetBuffer::from_lengths(lens),
            Arc::new(Float64Array::from(values)),
            Some(nulls.into()),
        )
    };
    let flux_arr = {
        let lens = flux.iter().map(|p| p.as_ref().map_or(0, Vec::len));
        let values: Vec<Option<f32>> = flux.iter().flat_map(|p| p.clone().unwrap_or_default()).collect();
        let nulls = flux.iter().map(|p| p.is_some()).collect::<Vec<_>>();
        ListArray::new(
            f32_item.clone(),
            OffsetBuffer::from_lengths(lens),
            Arc::new(Float32Array::from(values)),
            Some(nulls.into()),
        )
    };
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(source_id.clone())),
        Arc::new(Float64Array::from(ra.clone())),
        Arc::new(Float32Array::from(mag.clone())),
        Arc::new(BooleanArray::from(flag.clone())),
        Arc::new(Int16Array::from(n16.clone())),
        Arc::new(Int32Array::from(n32.clone())),
        Arc::new(Int8Array::from(n8.clone())),
        Arc::new(UInt8Array::from(u8v.clone())),
        Arc::new(StringArray::from(name.clone())),
        Arc::new(StringViewArray::from(uname.clone())),
        fixed_list(&pos_rows, 2),
        fixed_list(&circ_rows, 3),
        Arc::new(poly_arr),
        Arc::new(flux_arr),
        Arc::new(TimestampMicrosecondArray::from(ts.clone())),
        Arc::new(Decimal128Array::from(dec).with_precision_and_scale(10, 3).expect("decimal")),
    ];
    let full = RecordBatch::try_new(schema.clone(), columns).expect("batch");
    // Two batches, so row state across batch boundaries is exercised.
    let batches = vec![full.slice(0, 4), full.slice(4, 2)];

    let s = |x: &str| Value::from(x);
    let col = |name: &str, kind: &str, values: Value, datatype: &str, arraysize: Option<&str>| {
        json!({"name": name, "kind": kind, "values": values, "datatype": datatype, "arraysize": arraysize})
    };
    let with = |mut c: Value, k: &str, v: &str| {
        c[k] = s(v);
        c
    };
    let f32s = |v: &[Option<f32>]| json!(v.iter().map(|x| x.map(|y| y as f64)).collect::<Vec<_>>());
    let columns = vec![
        with(
            with(col("source_id", "int", json!(source_id), "long", None), "ucd", "meta.id;meta.main"),
            "description",
            "Gaia <DR3> source id & more",
        ),
        with(with(col("ra", "float", json!(ra), "double", None), "unit", "deg"), "ucd", "pos.eq.ra;meta.main"),
        with(with(col("mag", "float", f32s(&mag), "float", None), "unit", "mag"), "utype", "phot:mag"),
        col("flag", "bool", json!(flag), "boolean", None),
        col("n16", "int", json!(n16), "short", None),
        col("n32", "int", json!(n32), "int", None),
        col("n8", "int", json!(n8), "short", None),
        col("u8", "int", json!(u8v), "unsignedByte", None),
        col("name", "str", json!(name), "char", Some("*")),
        col("uname", "str", json!(uname), "unicodeChar", Some("*")),
        with(with(col("pos", "array", json!(pos), "double", Some("2")), "xtype", "point"), "unit", "deg"),
        with(with(col("circ", "array", json!(circ), "double", Some("3")), "xtype", "circle"), "unit", "deg"),
        with(with(col("poly", "array", json!(poly), "double", Some("*")), "xtype", "polygon"), "unit", "deg"),
        with(
            col(
                "flux",
                "array",
                json!(flux.iter().map(|r| r.as_ref().map(|v| v.iter().map(|x| x.map(|y| y as f64)).collect::<Vec<_>>())).collect::<Vec<_>>()),
                "float",
                Some("*"),
            ),
            "unit",
            "W.m**-2.nm**-1",
        ),
        with(col("ts", "timestamp", json!(ts), "char", Some("*")), "xtype", "timestamp"),
        with(col("dec", "float", dec_f, "double", None), "decimal", "1"),
    ];
    Fixture { schema, batches, columns, rows: 6 }
}

pub fn fixture_meta(f: &Fixture) -> ResultMeta {
    ResultMeta::from_schema(&f.schema)
        .with_query("SELECT * FROM t WHERE name = 'a<b'")
        .with_runid("run & id")
        .with_table_name("result")
}

pub fn ok_stream(f: &Fixture) -> SendableRecordBatchStream {
    stream_of(f.schema.clone(), f.batches.iter().cloned().map(Ok).collect())
}

pub fn votable_expectation(f: &Fixture, rows: usize, statuses: &[&str]) -> Value {
    json!({
        "rows": rows,
        "columns": f.columns,
        "statuses": statuses,
        "infos": {"QUERY": "SELECT * FROM t WHERE name = 'a<b'", "RUNID": "run & id"},
        // VOTable 1.4 §2.1 calls `char` ASCII; astropy warns about nothing else here.
        "allowed_warnings": [],
    })
}
