"""Independent readers for astrotap result documents (run by tap/tests/output.rs).

usage: check_output.py FORMAT DOCUMENT EXPECTED.json

FORMAT is votable | parquet | csv | tsv. EXPECTED describes the columns (name, kind, values with
null as None, and the VOTable attributes the FIELD must carry) and the expected QUERY_STATUS
sequence. Exit status 0 and "OK" on success; any mismatch raises.
"""
import csv
import datetime
import io
import json
import math
import sys
import warnings

import numpy as np


def fail(msg):
    raise AssertionError(msg)


def ts_text(us):
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=us)


def same_attr(attr, got, want):
    """FIELD attribute equality; astropy parses `unit` into a Unit, compare it as a unit."""
    if got is None or want is None:
        return got is None and want is None
    if attr == "unit":
        from astropy import units as u

        return u.Unit(want, format="vounit") == got
    return str(got) == want


def same_scalar(kind, got, want, where):
    if want is None:
        return
    if kind == "float":
        if not (float(got) == float(want)):
            fail(f"{where}: {got!r} != {want!r}")
    elif kind == "int":
        if int(got) != int(want):
            fail(f"{where}: {got!r} != {want!r}")
    elif kind == "bool":
        if bool(got) != bool(want):
            fail(f"{where}: {got!r} != {want!r}")
    elif kind == "str":
        if str(got) != want:
            fail(f"{where}: {got!r} != {want!r}")
    elif kind == "timestamp":
        if datetime.datetime.fromisoformat(str(got)) != ts_text(want):
            fail(f"{where}: {got!r} != {ts_text(want)}")
    else:
        fail(f"unknown kind {kind}")


def same_array(got, want, where, fixed, single=False):
    """Array equality; `single` compares in float32, since a `float` array cell is written with
    the shortest text that round-trips in single precision and a reader may widen that text
    straight to double (astropy does for variable-length TABLEDATA arrays)."""
    got = [float(x) for x in np.ma.filled(np.ma.asarray(got, dtype=float), np.nan)] if got is not None else []
    if single:
        got = [float(np.float32(x)) for x in got]
        want = None if want is None else [None if w is None else float(np.float32(w)) for w in want]
    if want is None:
        # null array: empty for variable arrays, all-NaN for fixed ones
        if fixed:
            if not (len(got) == fixed and all(math.isnan(x) for x in got)):
                fail(f"{where}: null fixed array read as {got}")
        elif len(got) != 0:
            fail(f"{where}: null array read as {got}")
        return
    if len(got) != len(want):
        fail(f"{where}: length {len(got)} != {len(want)} ({got} vs {want})")
    for g, w in zip(got, want):
        if w is None:
            if not math.isnan(g):
                fail(f"{where}: null element read as {g}")
        elif g != float(w):
            fail(f"{where}: {got} != {want}")


# VOTable 1.4 §5.5 (Null values): "In TABLEDATA array-valued columns, a null value and a
# zero-length array are not distinguished. Since strings are represented as arrays of characters,
# this also means that empty and null strings are not distinguished." astropy follows that and,
# since astropy PR 9057 (issue 8995), also ignores the BINARY2 null flag of char/unicodeChar cells:
# a null string reads back as ''. So readers may see a null string as null or as ''; the BINARY2
# null flags themselves are checked separately (binary2_null_flags).
STRING_DATATYPES = ("char", "unicodeChar")


def binary2_null_flags(path, table):
    """The null flags of every BINARY2 row, read independently of astropy's row parser.

    Walks the decoded STREAM row by row: ceil(N/8) flag bytes, most significant bit first
    (VOTable 1.4 §5.4), then each cell through astropy's per-datatype binary converter, which only
    consumes the cell's bytes. Returns None when the document has no BINARY2 stream.
    """
    import base64
    import re

    text = open(path, "rb").read().decode("utf-8")
    m = re.search(r"<BINARY2>\s*<STREAM encoding=\"base64\">(.*?)</STREAM>", text, re.S)
    if not m:
        return None
    raw = base64.b64decode("".join(m.group(1).split()))
    pos = 0

    def read(n):
        nonlocal pos
        if pos + n > len(raw):
            raise EOFError
        chunk = raw[pos : pos + n]
        pos += n
        return chunk

    fields = table.fields
    nbytes = (len(fields) + 7) // 8
    rows = []
    while pos < len(raw):
        bits = read(nbytes)
        flags = [bool(bits[i // 8] & (0x80 >> (i % 8))) for i in range(len(fields))]
        for f in fields:
            f.converter.binparse(read)
        rows.append(flags)
    return rows


def check_votable(path, exp):
    from astropy.io import votable

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vot = votable.parse(path, verify="warn")
    allowed = set(exp.get("allowed_warnings", []))
    bad = [str(w.message) for w in caught if not any(a in str(w.message) for a in allowed)]
    if bad:
        fail(f"astropy warnings: {bad}")
    res = vot.resources[0]
    if res.type != "results":
        fail(f"RESOURCE type {res.type}")
    statuses = [i.value for i in res.infos if i.name == "QUERY_STATUS"]
    if statuses != exp["statuses"]:
        fail(f"QUERY_STATUS sequence {statuses} != {exp['statuses']}")
    if exp.get("error_contains"):
        msgs = [i.content or "" for i in res.infos if i.name == "QUERY_STATUS" and i.value == "ERROR"]
        if not any(exp["error_contains"] in m for m in msgs):
            fail(f"error message {msgs} lacks {exp['error_contains']!r}")
    for name, value in exp.get("infos", {}).items():
        got = [i.value for i in res.infos if i.name == name]
        if got != [value]:
            fail(f"INFO {name}: {got} != {[value]}")
    if exp.get("no_table"):
        if res.tables:
            fail("error document has a TABLE")
        print("OK")
        return
    table = res.tables[0]
    fields = {f.name: f for f in table.fields}
    data = table.array
    if len(data) != exp["rows"]:
        fail(f"{len(data)} rows != {exp['rows']}")
    flags = binary2_null_flags(path, table)
    if flags is not None:
        if len(flags) != exp["rows"]:
            fail(f"BINARY2 stream has {len(flags)} rows != {exp['rows']}")
        index = {f.name: i for i, f in enumerate(table.fields)}
        for col in exp["columns"]:
            for r, want in enumerate(col["values"][: exp["rows"]]):
                if flags[r][index[col["name"]]] != (want is None):
                    fail(f"BINARY2 null flag of {col['name']}[{r}] is {flags[r][index[col['name']]]}, value {want!r}")
    for col in exp["columns"]:
        f = fields[col["name"]]
        for attr in ("datatype", "arraysize", "unit", "ucd", "xtype", "utype"):
            want = col.get(attr)
            got = getattr(f, attr)
            if not same_attr(attr, got, want):
                fail(f"FIELD {col['name']} {attr}: {got!r} != {want!r}")
        if col.get("description") and f.description != col["description"]:
            fail(f"FIELD {col['name']} description {f.description!r}")
        values = data[col["name"]]
        mask = np.ma.getmaskarray(values)
        for r, want in enumerate(col["values"][: exp["rows"]]):
            where = f"{col['name']}[{r}]"
            if col["kind"] == "array":
                v = values[r]
                if v is np.ma.masked:
                    v = None
                same_array(v, want, where, int(f.arraysize) if f.arraysize.isdigit() else None, f.datatype == "float")
                continue
            if want is None:
                masked = mask.ndim == 1 and mask[r]
                if not masked and not (f.datatype in STRING_DATATYPES and str(values[r]) == ""):
                    fail(f"{where}: expected null, got {values[r]!r}")
                continue
            if mask.ndim == 1 and mask[r]:
                fail(f"{where}: unexpected null, want {want!r}")
            same_scalar(col["kind"], values[r], want, where)
    print("OK")


def votlint_clean(document):
    """STILTS votlint (schema and content checks) must print nothing for the VOParquet metadata
    document. Skipped when STILTS is not installed. (`stilts parqlint`, which also compares it with
    the Parquet schema, is newer than Debian's STILTS 3.4.7; check_parquet does that comparison.)"""
    import shutil
    import subprocess
    import tempfile

    stilts = shutil.which("stilts")
    if stilts is None:
        return
    with tempfile.NamedTemporaryFile(suffix=".vot") as fh:
        fh.write(document)
        fh.flush()
        out = subprocess.run([stilts, "votlint", f"votable={fh.name}"], capture_output=True, text=True, timeout=120)
    report = (out.stdout + out.stderr).strip()
    if out.returncode != 0 or report:
        fail(f"votlint on the VOParquet metadata VOTable: {report}")


def check_parquet(path, exp):
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    kv = pf.metadata.metadata or {}
    if kv.get(b"IVOA.VOTable-Parquet.version") != b"1.0":
        fail(f"VOParquet version key: {kv.get(b'IVOA.VOTable-Parquet.version')}")
    content = kv.get(b"IVOA.VOTable-Parquet.content")
    from astropy.io import votable

    vot = votable.parse(io.BytesIO(content), verify="exception")
    votlint_clean(content)
    vt = vot.resources[0].tables[0]
    if [f.name for f in vt.fields] != pf.schema_arrow.names:
        fail(f"VOTable FIELDs {[f.name for f in vt.fields]} != parquet columns {pf.schema_arrow.names}")
    statuses = [i.value for i in vot.resources[0].infos if i.name == "QUERY_STATUS"]
    if statuses != exp.get("parquet_statuses", []):
        fail(f"embedded QUERY_STATUS {statuses} != {exp.get('parquet_statuses', [])}")
    fields = {f.name: f for f in vt.fields}
    t = pq.read_table(path)
    if t.num_rows != exp["rows"]:
        fail(f"{t.num_rows} rows != {exp['rows']}")
    for col in exp["columns"]:
        f = fields[col["name"]]
        for attr in ("unit", "ucd", "xtype", "datatype", "arraysize"):
            got = getattr(f, attr)
            if not same_attr(attr, got, col.get(attr)):
                fail(f"embedded FIELD {col['name']} {attr}: {got!r} != {col.get(attr)!r}")
        values = t.column(col["name"]).to_pylist()
        for r, want in enumerate(col["values"][: exp["rows"]]):
            where = f"{col['name']}[{r}]"
            got = values[r]
            if col["kind"] == "array":
                if want is None:
                    if got is not None:
                        fail(f"{where}: expected null array, got {got}")
                    continue
                if [None if g is None else float(g) for g in got] != [None if w is None else float(w) for w in want]:
                    fail(f"{where}: {got} != {want}")
                continue
            if want is None:
                if got is not None:
                    fail(f"{where}: expected null, got {got!r}")
                continue
            if col["kind"] == "timestamp":
                if got != ts_text(want):
                    fail(f"{where}: {got!r} != {ts_text(want)}")
                continue
            if col["kind"] == "float" and col.get("decimal"):
                got = float(got)
            same_scalar(col["kind"], got, want, where)
    # astropy's VOParquet reader: units come back from the embedded VOTable.
    if exp.get("astropy_units"):
        from astropy.table import Table

        at = Table.read(path, format="parquet.votable")
        for name, unit in exp["astropy_units"].items():
            if str(at[name].unit) != unit:
                fail(f"astropy parquet.votable unit of {name}: {at[name].unit!r} != {unit!r}")
        if len(at) != exp["rows"]:
            fail(f"astropy parquet.votable rows {len(at)}")
    print("OK")


def check_delimited(path, exp, delimiter):
    with open(path, newline="", encoding="utf-8") as fh:
        if delimiter == ",":
            rows = list(csv.reader(fh))
        else:
            rows = [line.rstrip("\n").split("\t") for line in fh]
    header, body = rows[0], rows[1:]
    if header != [c["name"] for c in exp["all_names"]]:
        fail(f"header {header}")
    if len(body) != exp["rows"]:
        fail(f"{len(body)} rows != {exp['rows']}")
    idx = {n["name"]: i for i, n in enumerate(exp["all_names"])}
    for col in exp["columns"]:
        k = idx[col["name"]]
        for r, want in enumerate(col["values"][: exp["rows"]]):
            where = f"{col['name']}[{r}]"
            got = body[r][k]
            if want is None:
                if col["kind"] == "array" and got == "":
                    continue
                if got != "":
                    fail(f"{where}: expected empty field, got {got!r}")
                continue
            # float (32-bit) columns are written with the shortest text that round-trips
            # in single precision: compare in single precision.
            single = col["datatype"] == "float"
            if col["kind"] == "array":
                parts = got.split(" ") if got else []
                conv = (lambda p: float(np.float32(p))) if single else float
                same_array([conv(p) for p in parts], want, where, None)
            elif single:
                if np.float32(got) != np.float32(want):
                    fail(f"{where}: {got!r} != {want!r} (float32)")
            elif col["kind"] == "bool":
                if got not in ("true", "false") or (got == "true") != want:
                    fail(f"{where}: {got!r} != {want!r}")
            elif col["kind"] == "str" and delimiter == "\t":
                if got != want.replace("\t", " ").replace("\n", " ").replace("\r", " "):
                    fail(f"{where}: {got!r} != {want!r}")
            else:
                same_scalar(col["kind"], got, want, where)
    print("OK")


def main():
    fmt, path, exp_path = sys.argv[1:4]
    with open(exp_path, encoding="utf-8") as fh:
        exp = json.load(fh)
    if fmt == "votable":
        check_votable(path, exp)
    elif fmt == "parquet":
        check_parquet(path, exp)
    elif fmt == "csv":
        check_delimited(path, exp, ",")
    elif fmt == "tsv":
        check_delimited(path, exp, "\t")
    else:
        fail(f"unknown format {fmt}")


if __name__ == "__main__":
    main()
