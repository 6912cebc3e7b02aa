"""Interoperability of the astrotap TAP service with the standard Python clients (pyvo, astropy,
pyarrow). Values are checked against the Parquet files of the served HATS catalog.

Needs a running service and the catalog it serves:
  ASTROTAP_TAP_URL   e.g. http://127.0.0.1:8080/tap
  ASTROTAP_DEMO_ROOT directory holding the gaiadr3 HATS catalogs (gaia_source/, ...)
`tap/tests/service.rs` (test `python_client_suite`) starts a server and runs this file; it also runs
under pytest (`pytest tap/tests/py/test_tap.py`) or as a plain script.
"""
import csv
import glob
import io
import math
import os
import re
import warnings

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyvo
from astropy.io.votable import parse as parse_votable

TAP_URL = os.environ.get("ASTROTAP_TAP_URL", "http://127.0.0.1:8080/tap")
DEMO_ROOT = os.environ.get("ASTROTAP_DEMO_ROOT", "data/catalogs/gaiadr3")

_reference = None


def reference():
    """gaia_source read straight from the HATS Parquet files, sorted by source_id."""
    global _reference
    if _reference is None:
        files = sorted(glob.glob(os.path.join(DEMO_ROOT, "gaia_source", "dataset", "**", "Npix=*.parquet"), recursive=True))
        files += sorted(glob.glob(os.path.join(DEMO_ROOT, "gaia_source", "dataset", "**", "Npix=*", "*.parquet"), recursive=True))
        assert files, f"no Parquet files under {DEMO_ROOT}/gaia_source"
        table = pa.concat_tables([pq.read_table(f) for f in files])
        _reference = table.sort_by("source_id")
    return _reference


def service():
    return pyvo.dal.TAPService(TAP_URL)


FIRST10 = "SELECT TOP 10 source_id, ra, dec, phot_g_mean_mag FROM gaiadr3.gaia_source ORDER BY source_id"


def check_first10(source_id, ra, dec, g):
    ref = reference().slice(0, 10)
    assert [int(x) for x in source_id] == ref["source_id"].to_pylist()
    np.testing.assert_array_equal(np.asarray(ra, dtype=float), ref["ra"].to_numpy())
    np.testing.assert_array_equal(np.asarray(dec, dtype=float), ref["dec"].to_numpy())
    ref_g = ref["phot_g_mean_mag"].to_numpy(zero_copy_only=False).astype(float)
    np.testing.assert_allclose(np.asarray(g, dtype=float), ref_g, rtol=1e-6)


def test_pyvo_search_values_match_parquet():
    result = service().search(FIRST10)
    table = result.to_table()
    check_first10(table["source_id"], table["ra"], table["dec"], table["phot_g_mean_mag"])
    assert str(table["ra"].unit) == "deg"


def test_run_sync_in_each_votable_serialization():
    """pyvo's run_sync parses VOTable only: both serializations, named by RESPONSEFORMAT."""
    for fmt, marker in [("votable/td", b"<TABLEDATA>"), ("votable/b2", b"<BINARY2>")]:
        query = service().create_query(FIRST10, responseformat=fmt)
        raw = query.execute_stream().read()
        assert marker in raw, (fmt, raw[:2000])
        table = service().run_sync(FIRST10, responseformat=fmt).to_table()
        check_first10(table["source_id"], table["ra"], table["dec"], table["phot_g_mean_mag"])


def test_every_format_through_pyvo_against_parquet():
    """Each output format through pyvo's sync query (its HTTP session asks for gzip, as
    requests does by default): media type, compression and values."""
    types = {
        "votable": "application/x-votable+xml",
        "votable/b2": "application/x-votable+xml;serialization=BINARY2",
        "csv": "text/csv;header=present",
        "tsv": "text/tab-separated-values",
        "parquet": "application/vnd.apache.parquet",
    }
    for fmt, mime in types.items():
        query = service().create_query(FIRST10, responseformat=fmt)
        response = query.submit()
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == mime, (fmt, response.headers["Content-Type"])
        assert response.headers.get("Content-Encoding") == "gzip", (fmt, dict(response.headers))
        content = response.content
        if fmt.startswith("votable"):
            t = parse_votable(io.BytesIO(content)).get_first_table().to_table()
            cols = [t[c] for c in ("source_id", "ra", "dec", "phot_g_mean_mag")]
        elif fmt in ("csv", "tsv"):
            text = content.decode("utf-8")
            rows = list(csv.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
            assert rows[0] == ["source_id", "ra", "dec", "phot_g_mean_mag"], rows[0]
            cols = list(zip(*rows[1:]))
            # Text formats must round-trip doubles exactly (shortest round-trip representation).
            cols = [cols[0], [float(x) for x in cols[1]], [float(x) for x in cols[2]], [float(x) for x in cols[3]]]
        else:
            t = pq.read_table(io.BytesIO(content))
            cols = [t[c].to_pylist() for c in ("source_id", "ra", "dec", "phot_g_mean_mag")]
        check_first10(*cols)


def test_tables_metadata_matches_parquet_field_metadata():
    tables = service().tables
    names = [t.name for t in tables]
    assert "gaiadr3.gaia_source" in names, names
    gaia = tables["gaiadr3.gaia_source"]
    schema = reference().schema
    by_name = {c.name: c for c in gaia.columns}
    # TAP 1.1 §4.3: names that are no ADQL regular identifier are listed in delimited form.
    assert '"_healpix_29"' in by_name and "_healpix_29" not in by_name, sorted(by_name)
    for field in schema:
        regular = re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", field.name)
        col = by_name[field.name if regular else f'"{field.name}"']
        md = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
        if "unit" in md:
            assert str(col.unit) == md["unit"], (field.name, col.unit, md["unit"])
        if "ucd" in md:
            assert col.ucd == md["ucd"], field.name
    assert by_name["ra"].datatype.content == "double"
    assert by_name["source_id"].datatype.content == "long"


def test_capabilities():
    caps = service().capabilities
    tap = [c for c in caps if c.standardid and c.standardid.startswith("ivo://ivoa.net/std/TAP")]
    assert tap, [c.standardid for c in caps]
    langs = tap[0].languages
    versions = [v.ivo_id for lang in langs for v in lang.versions]
    assert "ivo://ivoa.net/std/ADQL#v2.1" in versions and "ivo://ivoa.net/std/ADQL#v2.0" in versions
    mimes = [f.mime for f in tap[0].outputformats]
    for m in ["application/x-votable+xml", "text/csv;header=present", "application/vnd.apache.parquet"]:
        assert m in mimes, mimes


def vincenty(ra1, dec1, ra2, dec2):
    l1, b1, l2, b2 = map(np.radians, (ra1, dec1, ra2, dec2))
    dl = l2 - l1
    num = np.hypot(np.cos(b2) * np.sin(dl), np.cos(b1) * np.sin(b2) - np.sin(b1) * np.cos(b2) * np.cos(dl))
    den = np.sin(b1) * np.sin(b2) + np.cos(b1) * np.cos(b2) * np.cos(dl)
    return np.degrees(np.arctan2(num, den))


def test_cone_search_matches_brute_force():
    ra0, dec0, r = 266.4, -28.9, 5.0
    result = service().search(
        f"SELECT source_id FROM gaiadr3.gaia_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', {ra0}, {dec0}, {r}))",
        maxrec=100000,
    )
    got = set(int(x) for x in result.to_table()["source_id"])
    ref = reference()
    d = vincenty(ref["ra"].to_numpy(), ref["dec"].to_numpy(), ra0, dec0)
    ids = ref["source_id"].to_numpy()
    edge = np.abs(d - r) < 1e-9
    expected = set(int(x) for x in ids[(d < r) & ~edge])
    assert len(expected) > 10
    assert got - set(int(x) for x in ids[edge]) == expected


def test_maxrec_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = service().run_sync("SELECT source_id FROM gaiadr3.gaia_source", maxrec=5)
    assert len(result) == 5
    assert result.query_status == "OVERFLOW"


def test_bad_adql_raises_with_position():
    try:
        service().run_sync("SELECT nosuchcolumn FROM gaiadr3.gaia_source")
    except pyvo.dal.DALQueryError as e:
        assert "nosuchcolumn" in str(e), str(e)
    else:
        raise AssertionError("bad ADQL accepted")


def test_examples_parse_and_run():
    examples = service().examples
    assert len(examples) >= 10
    for ex in examples:
        query = ex["QUERY"] if hasattr(ex, "__getitem__") else str(ex)
        if "TAP_UPLOAD.mylist" in query:
            # The upload example: pyvo sends a few catalogue stars as the table it names.
            from astropy.table import Table
            ref = reference().slice(0, 5)
            mylist = Table({"ra": ref["ra"].to_numpy(), "dec": ref["dec"].to_numpy()})
            result = service().run_sync(query, uploads={"mylist": mylist})
        else:
            result = ex.execute()
        assert len(result) > 0, query


def readme_queries():
    """The ADQL queries of the README's "Querying the service" section: every indented block whose
    first line starts with SELECT (the same rule as tap/tests/service/interop.rs)."""
    readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "README.md"), encoding="utf-8").read()
    section = readme.split("\n## Querying the service\n")[1].split("\n## ")[0]
    queries, current = [], None
    for line in section.split("\n"):
        body = line[4:] if line.startswith("    ") else None
        if current is None and body is not None and body.startswith("SELECT"):
            current = [body]
        elif current is not None and body is not None:
            current.append(body)
        elif current is not None:
            queries.append("\n".join(current))
            current = None
    if current is not None:
        queries.append("\n".join(current))
    return queries


def test_readme_queries_through_pyvo():
    queries = readme_queries()
    assert len(queries) >= 3, queries
    for query in queries:
        table = service().search(query).to_table()
        assert len(table) > 0, query


if __name__ == "__main__":
    import suite

    suite.run(globals())
