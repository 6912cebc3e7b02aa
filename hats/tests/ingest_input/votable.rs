use super::*;

const TABLEDATA: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">
 <RESOURCE type="results">
  <TABLE name="stars">
   <DESCRIPTION>A few stars</DESCRIPTION>
   <FIELD name="id" datatype="long" ucd="meta.id;meta.main">
    <DESCRIPTION>  Source
       identifier </DESCRIPTION>
    <VALUES null="-1"/>
   </FIELD>
   <FIELD name="RAJ2000" datatype="double" unit="deg" ucd="pos.eq.ra;meta.main" utype="stc:x"/>
   <FIELD name="DEJ2000" datatype="double" unit="deg" ucd="pos.eq.dec;meta.main"/>
   <FIELD name="pos" datatype="double" arraysize="2" xtype="point" unit="deg"/>
   <FIELD name="fluxes" datatype="float" arraysize="*"/>
   <FIELD name="name" datatype="char" arraysize="*"/>
   <FIELD name="ok" datatype="boolean"/>
   <DATA>
    <TABLEDATA>
     <TR><TD>10</TD><TD>1.25</TD><TD>-3.5</TD><TD>1.25 -3.5</TD><TD>1 2.5 3</TD><TD>a &amp; b &#x3C;c&gt;</TD><TD>T</TD></TR>
     <TR><TD>-1</TD><TD>NaN</TD><TD/><TD></TD><TD/><TD/><TD>?</TD></TR>
     <TR>
      <TD>12</TD><TD>359.5</TD><TD>89.25</TD><TD>359.5 89.25</TD><TD></TD><TD>x</TD><TD>false</TD>
     </TR>
    </TABLEDATA>
   </DATA>
  </TABLE>
 </RESOURCE>
</VOTABLE>
"#;

#[test]
fn tabledata_values_nulls_arrays_and_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "t.vot", TABLEDATA.as_bytes());
    let mut reader = open_input(&path, &InputOptions::default()).expect("open");
    let schema = reader.schema();
    let id = schema.field_with_name("id").expect("id");
    assert_eq!(id.metadata().get("description").map(String::as_str), Some("Source identifier"));
    assert_eq!(id.metadata().get("ucd").map(String::as_str), Some("meta.id;meta.main"));
    assert_eq!(id.metadata().get("datatype").map(String::as_str), Some("long"));
    let ra = schema.field_with_name("RAJ2000").expect("ra");
    assert_eq!(ra.metadata().get("unit").map(String::as_str), Some("deg"));
    assert_eq!(ra.metadata().get("utype").map(String::as_str), Some("stc:x"));
    let pos = schema.field_with_name("pos").expect("pos");
    assert_eq!(pos.metadata().get("xtype").map(String::as_str), Some("point"));
    assert!(matches!(pos.data_type(), DataType::FixedSizeList(_, 2)));
    assert_eq!(schema.metadata().get("description").map(String::as_str), Some("A few stars"));
    let batch = reader.next().expect("batch").expect("ok");
    assert_eq!(i64s(col(&batch, "id")), vec![Some(10), None, Some(12)]);
    assert_eq!(f64s(col(&batch, "RAJ2000")), vec![Some(1.25), None, Some(359.5)]);
    assert_eq!(f64s(col(&batch, "DEJ2000")), vec![Some(-3.5), None, Some(89.25)]);
    let points = col(&batch, "pos").as_any().downcast_ref::<FixedSizeListArray>().expect("fsl");
    assert!(points.is_null(1));
    assert_eq!(f64s(&points.value(2)), vec![Some(359.5), Some(89.25)]);
    let fluxes = col(&batch, "fluxes").as_any().downcast_ref::<ListArray>().expect("list");
    let f0: Vec<Option<f32>> =
        fluxes.value(0).as_any().downcast_ref::<Float32Array>().expect("f32").iter().collect();
    assert_eq!(f0, vec![Some(1.0), Some(2.5), Some(3.0)]);
    assert!(fluxes.is_null(1) && fluxes.is_null(2));
    assert_eq!(strs(col(&batch, "name")), vec![Some("a & b <c>".into()), None, Some("x".into())]);
    assert_eq!(bools(col(&batch, "ok")), vec![Some(true), None, Some(false)]);
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (k, chunk) in bytes.chunks(3).enumerate() {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
        if k % 19 == 18 {
            out.push('\n');
        }
    }
    out
}

/// BINARY2 bytes built by hand from VOTable 1.4 §5.5, for rows (id, ra, dec, mag?, name).
fn binary2_doc(rows: &[(i32, f64, f64, Option<f32>, &str)]) -> String {
    let mut bytes = Vec::new();
    for (id, ra, dec, mag, name) in rows {
        bytes.push(if mag.is_none() { 0b0001_0000 } else { 0 });
        bytes.extend_from_slice(&id.to_be_bytes());
        bytes.extend_from_slice(&ra.to_be_bytes());
        bytes.extend_from_slice(&dec.to_be_bytes());
        bytes.extend_from_slice(&mag.unwrap_or(0.0).to_be_bytes());
        bytes.extend_from_slice(&(name.len() as u32).to_be_bytes());
        bytes.extend_from_slice(name.as_bytes());
    }
    format!(
        r#"<?xml version="1.0"?>
<VOTABLE version="1.4"><RESOURCE><TABLE>
<FIELD name="id" datatype="int"/>
<FIELD name="ra" datatype="double" unit="deg"/>
<FIELD name="dec" datatype="double" unit="deg"/>
<FIELD name="mag" datatype="float" unit="mag"/>
<FIELD name="name" datatype="char" arraysize="*"/>
<DATA><BINARY2><STREAM encoding="base64">
{}
</STREAM></BINARY2></DATA></TABLE></RESOURCE></VOTABLE>
"#,
        base64(&bytes)
    )
}

#[test]
fn binary2_values_and_null_bitmap() {
    let rows: Vec<(i32, f64, f64, Option<f32>, String)> = (0..1000)
        .map(|i| {
            let mag = if i % 3 == 0 { None } else { Some(10.0 + i as f32 / 8.0) };
            (i, i as f64 * 0.36, -89.0 + i as f64 * 0.178, mag, format!("star {i}"))
        })
        .collect();
    let borrowed: Vec<(i32, f64, f64, Option<f32>, &str)> =
        rows.iter().map(|r| (r.0, r.1, r.2, r.3, r.4.as_str())).collect();
    let doc = binary2_doc(&borrowed);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "b2.xml", doc.as_bytes());
    let opts = InputOptions { batch_size: 300, ..InputOptions::default() };
    let batches = read_all(&path, &opts).expect("read");
    assert_eq!(batches.iter().map(|b| b.num_rows()).collect::<Vec<_>>(), vec![300, 300, 300, 100]);
    let all = concat(&batches);
    let ids: Vec<Option<i32>> =
        col(&all, "id").as_any().downcast_ref::<Int32Array>().expect("i32").iter().collect();
    assert_eq!(ids, rows.iter().map(|r| Some(r.0)).collect::<Vec<_>>());
    assert_eq!(f64s(col(&all, "ra")), rows.iter().map(|r| Some(r.1)).collect::<Vec<_>>());
    assert_eq!(f64s(col(&all, "dec")), rows.iter().map(|r| Some(r.2)).collect::<Vec<_>>());
    let mags: Vec<Option<f32>> =
        col(&all, "mag").as_any().downcast_ref::<Float32Array>().expect("f32").iter().collect();
    assert_eq!(mags, rows.iter().map(|r| r.3).collect::<Vec<_>>());
    assert_eq!(strs(col(&all, "name")), rows.iter().map(|r| Some(r.4.clone())).collect::<Vec<_>>());
}

#[test]
fn truncated_binary2_stream_is_an_error() {
    let doc = binary2_doc(&[(1, 2.0, 3.0, Some(4.0), "abc")]);
    // Drop the last 8 base64 characters of the stream (6 bytes of the row).
    let end = doc.find("\n</STREAM>").expect("stream end");
    let cut = format!("{}{}", &doc[..end - 8], &doc[end..]);
    let result: Result<Vec<RecordBatch>, InputError> =
        open_stream("cut.vot", std::io::Cursor::new(cut.into_bytes()), None, &InputOptions::default())
            .expect("header")
            .collect();
    let msg = err_text(result);
    assert!(msg.starts_with("cut.vot:8: column 5 'name': malformed VOTable: STREAM ends inside a row"), "{msg}");
}

#[test]
fn malformed_xml_names_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = TABLEDATA.replace("<TD>12</TD>", "<TD>12</TX>");
    let path = write(dir.path(), "bad.vot", doc.as_bytes());
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert_eq!(
        msg,
        format!(
            "{}:22: malformed VOTable: ill-formed document: expected `</TD>`, but `</TX>` was found",
            path.display()
        )
    );
    // A row with too few cells names the row and the first missing column.
    let doc = TABLEDATA.replace("<TD>T</TD></TR>", "</TR>");
    let path = write(dir.path(), "short.vot", doc.as_bytes());
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert_eq!(
        msg,
        format!("{}:19: column 7 'ok': malformed row: expected 7 TD cells, found 6", path.display())
    );
    // A non-numeric value names its cell.
    let doc = TABLEDATA.replace("<TD>359.5</TD>", "<TD>west</TD>");
    let path = write(dir.path(), "val.vot", doc.as_bytes());
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert_eq!(msg, format!("{}:22: column 2 'RAJ2000': cannot read \"west\" as double", path.display()));
    // HTML is not a VOTable.
    let path = write(dir.path(), "page.xml", b"<html><body>nope</body></html>");
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert!(msg.contains(":1: malformed VOTable: root element is <html>"), "{msg}");
}
