//! ECSV and VOTable (TABLEDATA, BINARY2) written by astropy, read back value for value against
//! the values astropy itself reports (dumped to JSON by the same script).
use super::*;
use datafusion::arrow::array::{Float32Array as F32, Int32Array as I32};
use serde_json::Value;
use std::process::Command;

const SCRIPT: &str = r#"
import sys, json, struct
import numpy as np
from astropy.table import Table, MaskedColumn, Column
import astropy.units as u
out = sys.argv[1]
n = 50
rng = np.random.default_rng(20261128)
t = Table(meta={'name': 'astropy_written', 'description': 'written by astropy'})
t['source_id'] = Column(rng.integers(0, 2**62, n, dtype=np.int64), description='Source identifier', meta={'ucd': 'meta.id;meta.main'})
t['ra'] = Column(rng.uniform(0, 360, n), unit=u.deg, description='Right ascension', meta={'ucd': 'pos.eq.ra;meta.main'})
t['dec'] = Column(np.degrees(np.arcsin(rng.uniform(-1, 1, n))), unit=u.deg, description='Declination', meta={'ucd': 'pos.eq.dec;meta.main'})
t['phot_g_mean_mag'] = MaskedColumn(rng.uniform(3, 21, n).astype(np.float32), mask=rng.uniform(size=n) < 0.3, unit=u.mag, description='G-band mean magnitude', meta={'ucd': 'phot.mag;em.opt'})
t['n_obs'] = MaskedColumn(rng.integers(-1000, 1000, n).astype(np.int32), mask=rng.uniform(size=n) < 0.2, description='Number of observations')
names = np.array(['star %d, "q"' % i if i % 5 else 'plain%d' % i for i in range(n)])
t['name'] = MaskedColumn(names, mask=rng.uniform(size=n) < 0.1, description='Name with comma and quotes')
t['flag'] = Column(rng.uniform(size=n) < 0.5, description='A flag')
t['coeffs'] = Column(rng.normal(size=(n, 3)), description='Three coefficients')
t.write(f'{out}/t.ecsv', format='ascii.ecsv', overwrite=True)
t.write(f'{out}/t_comma.ecsv.gz', format='ascii.ecsv', delimiter=',', overwrite=True)
t.write(f'{out}/t_td.vot', format='votable', overwrite=True)
t.write(f'{out}/t_b2.vot', format='votable', tabledata_format='binary2', overwrite=True)
# The reference is what astropy reads back from each file it wrote (e.g. astropy prints ECSV
# array elements with one digit fewer than a round trip needs, so the file, not the in-memory
# table, holds the values).
# Floats travel as their IEEE-754 bit patterns: exact whatever the JSON parsers do with decimals.
def bits(x):
    return struct.unpack('<Q', struct.pack('<d', float(x)))[0]
def col(t, c):
    m = np.ma.getmaskarray(t[c]) if hasattr(t[c], 'mask') else np.zeros(len(t), bool)
    vals = []
    for i in range(len(t)):
        if t[c].ndim == 1 and m[i]:
            vals.append(None)
            continue
        v = t[c][i]
        if isinstance(v, np.ndarray):
            vals.append([bits(x) for x in v])
        elif isinstance(v, np.floating):
            vals.append(bits(v))
        elif isinstance(v, np.bool_):
            vals.append(bool(v))
        elif isinstance(v, np.integer):
            vals.append(int(v))
        else:
            vals.append(str(v))
    return vals
expected = {}
for f in ['t.ecsv', 't_comma.ecsv.gz', 't_td.vot', 't_b2.vot']:
    r = Table.read(f'{out}/{f}', format='votable' if f.endswith('.vot') else 'ascii.ecsv')
    meta = {c: {'unit': str(r[c].unit) if r[c].unit else None, 'description': r[c].description,
                'ucd': (r[c].meta or {}).get('ucd')} for c in r.colnames}
    expected[f] = {'values': {c: col(r, c) for c in r.colnames}, 'meta': meta}
    if f.endswith('.vot'):
        # astropy's VOTable reader drops masks on strings (an empty TD reads as '', a BINARY2
        # null bit on a char field is ignored) although its writer records them: the written
        # table's masked values are the reference there.
        expected[f]['values']['name'] = col(t, 'name')
json.dump(expected, open(f'{out}/expected.json', 'w'))
"#;

fn python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new("bash")
        .arg(root.join("scripts/setup-python.sh"))
        .output()
        .expect("run scripts/setup-python.sh");
    assert!(out.status.success(), "setup-python.sh failed: {}", String::from_utf8_lossy(&out.stderr));
    let venv = String::from_utf8_lossy(&out.stdout).lines().last().expect("venv path").trim().to_string();
    PathBuf::from(venv).join("bin/python")
}

/// One Arrow cell as JSON, the way the Python side dumps it (floats as IEEE-754 bits).
fn cell(array: &ArrayRef, i: usize) -> Value {
    if array.is_null(i) {
        return Value::Null;
    }
    let any = array.as_any();
    if let Some(a) = any.downcast_ref::<Int64Array>() {
        Value::from(a.value(i))
    } else if let Some(a) = any.downcast_ref::<I32>() {
        Value::from(a.value(i))
    } else if let Some(a) = any.downcast_ref::<Float64Array>() {
        Value::from(a.value(i).to_bits())
    } else if let Some(a) = any.downcast_ref::<F32>() {
        Value::from((a.value(i) as f64).to_bits())
    } else if let Some(a) = any.downcast_ref::<BooleanArray>() {
        Value::from(a.value(i))
    } else if let Some(a) = any.downcast_ref::<StringArray>() {
        Value::from(a.value(i))
    } else if let Some(a) = any.downcast_ref::<ListArray>() {
        let v = a.value(i);
        Value::Array((0..v.len()).map(|k| cell(&v, k)).collect())
    } else if let Some(a) = any.downcast_ref::<FixedSizeListArray>() {
        let v = a.value(i);
        Value::Array((0..v.len()).map(|k| cell(&v, k)).collect())
    } else {
        panic!("unexpected type {}", array.data_type())
    }
}

fn check(path: &Path, expected: &Value) {
    let opts = InputOptions { batch_size: 16, ..InputOptions::default() };
    let reader = open_input(path, &opts).unwrap_or_else(|e| panic!("{e}"));
    let schema = reader.schema();
    let pos = reader.position_columns().expect("position").clone();
    assert_eq!((pos.ra.as_str(), pos.dec.as_str()), ("ra", "dec"), "{}", path.display());
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(batches.iter().map(|b| b.num_rows()).collect::<Vec<_>>(), vec![16, 16, 16, 2]);
    let all = concat(&batches);
    let values = expected["values"].as_object().expect("values");
    assert_eq!(all.num_columns(), values.len());
    for (name, want) in values {
        let array = col(&all, name);
        let got: Vec<Value> = (0..all.num_rows()).map(|i| cell(array, i)).collect();
        assert_eq!(&Value::Array(got), want, "{}: column {name}", path.display());
        let field = schema.field_with_name(name).expect("field");
        for key in ["unit", "description", "ucd"] {
            let want = expected["meta"][name][key].as_str();
            assert_eq!(
                field.metadata().get(key).map(String::as_str),
                want,
                "{}: {name} {key}",
                path.display()
            );
        }
    }
}

#[test]
fn astropy_written_ecsv_and_votable_read_back_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let status = Command::new(python()).arg("-c").arg(SCRIPT).arg(dir.path()).status().expect("python");
    assert!(status.success(), "astropy script failed");
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("expected.json")).expect("json")).expect("parse");
    // Some values are masked in each masked column, so null handling is exercised.
    for file in ["t.ecsv", "t_comma.ecsv.gz", "t_td.vot", "t_b2.vot"] {
        let expected = &expected[file];
        for c in ["phot_g_mean_mag", "n_obs", "name"] {
            let values = expected["values"][c].as_array().expect("col");
            assert!(values.iter().any(Value::is_null), "{file}: {c} has masked values");
        }
        check(&dir.path().join(file), expected);
    }
}
