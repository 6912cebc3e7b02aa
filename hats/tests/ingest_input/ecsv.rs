use super::*;

/// The shape of a Gaia DR3 bulk file header (comma delimiter, `null` tokens, array subtype).
const GAIA: &str = "\
# %ECSV 1.0
# ---
# delimiter: ','
# datatype:
# - name: source_id
#   datatype: int64
#   description: Unique source identifier (unique within a particular Data Release)
#   meta: {ucd: meta.id}
# - name: ra
#   datatype: float64
#   unit: deg
#   description: Right ascension
#   meta: {ucd: pos.eq.ra;meta.main, utype: stc:AstroCoords.Position3D.Value3.C1}
# - name: dec
#   datatype: float64
#   unit: deg
#   description: Declination
#   meta: {ucd: pos.eq.dec;meta.main}
# - name: radial_velocity
#   datatype: float32
#   unit: km.s**-1
#   description: Radial velocity
# - name: has_xp_continuous
#   datatype: bool
# - name: bp_coefficients
#   datatype: string
#   subtype: float64[3]
# - name: libname_gspphot
#   datatype: string
# meta: !!omap
# - {name: GAIADR3.GAIA_SOURCE}
# - {description: Gaia DR3 source catalog}
# schema: astropy-2.0
source_id,ra,dec,radial_velocity,has_xp_continuous,bp_coefficients,libname_gspphot
4295806720,44.99615537864534,0.005615226341865997,null,False,null,MARCS
34361129088,45.00432028915398,0.021047763781174733,-12.25,True,\"[1.5,-2.25e-3,null]\",\"A,B\"
";

#[test]
fn gaia_style_values_arrays_nulls_and_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "GaiaSource_000000-003111.csv.gz", &gzip(GAIA.as_bytes()));
    let mut reader = open_input(&path, &InputOptions::default()).expect("open");
    let schema = reader.schema();
    let ra = schema.field_with_name("ra").expect("ra");
    assert_eq!(ra.metadata().get("unit").map(String::as_str), Some("deg"));
    assert_eq!(ra.metadata().get("ucd").map(String::as_str), Some("pos.eq.ra;meta.main"));
    assert_eq!(ra.metadata().get("utype").map(String::as_str), Some("stc:AstroCoords.Position3D.Value3.C1"));
    assert_eq!(ra.metadata().get("description").map(String::as_str), Some("Right ascension"));
    assert_eq!(schema.metadata().get("name").map(String::as_str), Some("GAIADR3.GAIA_SOURCE"));
    assert_eq!(schema.field_with_name("radial_velocity").expect("rv").data_type(), &DataType::Float32);
    assert!(matches!(schema.field_with_name("bp_coefficients").expect("bp").data_type(), DataType::List(_)));
    let batch = reader.next().expect("batch").expect("ok");
    assert_eq!(i64s(col(&batch, "source_id")), vec![Some(4295806720), Some(34361129088)]);
    assert_eq!(f64s(col(&batch, "ra")), vec![Some(44.99615537864534), Some(45.00432028915398)]);
    assert_eq!(f64s(col(&batch, "dec")), vec![Some(0.005615226341865997), Some(0.021047763781174733)]);
    let rv: Vec<Option<f32>> =
        col(&batch, "radial_velocity").as_any().downcast_ref::<Float32Array>().expect("f32").iter().collect();
    assert_eq!(rv, vec![None, Some(-12.25)]);
    assert_eq!(bools(col(&batch, "has_xp_continuous")), vec![Some(false), Some(true)]);
    assert_eq!(list_f64(col(&batch, "bp_coefficients")), vec![None, Some(vec![Some(1.5), Some(-2.25e-3), None])]);
    assert_eq!(strs(col(&batch, "libname_gspphot")), vec![Some("MARCS".into()), Some("A,B".into())]);
}

#[test]
fn bad_yaml_header_names_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "# %ECSV 1.0\n# ---\n# datatype:\n# - {name: ra, datatype: float64\n# - {name: dec, datatype: float64}\nra dec\n1 2\n";
    let path = write(dir.path(), "bad.ecsv", text.as_bytes());
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert!(msg.starts_with(&format!("{}:5: bad ECSV header: YAML", path.display())), "{msg}");
}

#[test]
fn names_line_must_match_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "# %ECSV 1.0\n# ---\n# datatype:\n# - {name: ra, datatype: float64}\n# - {name: dec, datatype: float64}\n# schema: astropy-2.0\nra decl\n1 2\n";
    let path = write(dir.path(), "names.ecsv", text.as_bytes());
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert!(msg.starts_with(&format!("{}:7: bad ECSV header: column names line [ra, decl]", path.display())), "{msg}");
    let text = "# %ECSV 1.0\n# datatype: []\nx\n";
    let path = write(dir.path(), "nodash.ecsv", text.as_bytes());
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert!(msg.starts_with(&format!("{}:2: bad ECSV header: missing '# ---'", path.display())), "{msg}");
}

#[test]
fn bad_value_in_declared_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "# %ECSV 1.0\n# ---\n# datatype:\n# - {name: ra, datatype: float64}\n# - {name: dec, datatype: float64}\n# - {name: n, datatype: int16}\nra dec n\n1 2 3\n1 2 70000\n";
    let path = write(dir.path(), "v.ecsv", text.as_bytes());
    let msg = err_text(read_all(&path, &InputOptions::default()));
    assert_eq!(msg, format!("{}:9: column 3 'n': cannot read \"70000\" as int16", path.display()));
}
