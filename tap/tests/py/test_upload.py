"""TAP_UPLOAD with the standard clients on real data: Hipparcos-2 (117,955 stars) uploaded and
crossmatched with Gaia DR3 bright stars (482,176) served by astrotap, through pyvo (sync and
async), astroquery and STILTS tapquery. The reference pairs come from astropy's
`search_around_sky` on the catalogues' own Parquet files; at 1" and 5" they are the 76,757 and
107,418 pairs GAVO DaCHS (PostgreSQL + q3c) finds on the same data.

Environment (set by tap/tests/service/interop.rs, which starts the server):
  ASTROTAP_TAP_URL   the service
  ASTROTAP_GAIA_HATS the HATS directory of the served Gaia catalogue (gaiadr3.gaia_source)
  ASTROTAP_HIP_HATS  the HATS directory of Hipparcos (its rows are what gets uploaded)
"""
import glob
import os
import subprocess
import tempfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyvo
import astropy.units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

TAP_URL = os.environ.get("ASTROTAP_TAP_URL", "http://127.0.0.1:8080/tap")
GAIA = os.environ.get("ASTROTAP_GAIA_HATS", "")
HIP = os.environ.get("ASTROTAP_HIP_HATS", "")
DACHS_COUNTS = {1: 76_757, 5: 107_418}

_cache = {}


def read_hats(root, columns):
    files = sorted(glob.glob(os.path.join(root, "dataset", "**", "*.parquet"), recursive=True))
    assert files, f"no Parquet files under {root}"
    return pa.concat_tables([pq.read_table(f, columns=columns) for f in files])


def hip():
    if "hip" not in _cache:
        t = read_hats(HIP, ["hip", "ra", "dec"]).sort_by("hip")
        _cache["hip"] = Table({"hip": t["hip"].to_numpy(), "ra": t["ra"].to_numpy(), "dec": t["dec"].to_numpy()})
        _cache["hip"]["ra"].unit = u.deg
        _cache["hip"]["dec"].unit = u.deg
    return _cache["hip"]


def gaia():
    if "gaia" not in _cache:
        _cache["gaia"] = read_hats(GAIA, ["source_id", "ra", "dec"])
    return _cache["gaia"]


def reference(arcsec, rows=None):
    """Set of (hip, source_id) within `arcsec`, for the first `rows` Hipparcos rows."""
    key = (arcsec, rows)
    if key not in _cache:
        h = hip() if rows is None else hip()[:rows]
        g = gaia()
        hc = SkyCoord(np.asarray(h["ra"]) * u.deg, np.asarray(h["dec"]) * u.deg)
        gc = SkyCoord(g["ra"].to_numpy() * u.deg, g["dec"].to_numpy() * u.deg)
        # SkyCoord.search_around_sky returns indices into its argument first, then into self.
        ig, ih, _, _ = hc.search_around_sky(gc, arcsec * u.arcsec)
        hip_ids = np.asarray(h["hip"])[ih]
        sids = g["source_id"].to_numpy()[ig]
        _cache[key] = set(zip(hip_ids.tolist(), sids.tolist()))
    return _cache[key]


def service():
    return pyvo.dal.TAPService(TAP_URL)


def pairs(table):
    return set(zip([int(x) for x in table["hip"]], [int(x) for x in table["source_id"]]))


def xmatch(arcsec, spelling="contains", join="join", kind="INNER", select="t.hip, g.source_id"):
    r = f"{arcsec}/3600.0"
    cond = {
        "contains": f"1 = CONTAINS(POINT('ICRS', g.ra, g.dec), CIRCLE('ICRS', t.ra, t.dec, {r}))",
        "distance": f"DISTANCE(POINT(t.ra, t.dec), POINT(g.ra, g.dec)) <= {r}",
    }[spelling]
    if join == "comma":
        return f"SELECT {select} FROM TAP_UPLOAD.t AS t, gaiadr3.gaia_source AS g WHERE {cond}"
    return f"SELECT {select} FROM TAP_UPLOAD.t AS t {kind} JOIN gaiadr3.gaia_source AS g ON {cond}"


def test_reference_agrees_with_dachs():
    for arcsec, n in DACHS_COUNTS.items():
        assert len(reference(arcsec)) == n, (arcsec, len(reference(arcsec)))


def test_pyvo_sync_upload_pairs_equal_the_reference():
    svc = service()
    for arcsec in (1, 5, 30):
        ref = reference(arcsec)
        for spelling, join in (("contains", "join"), ("distance", "comma")):
            q = xmatch(arcsec, spelling, join)
            got = svc.run_sync(q, uploads={"t": hip()}, maxrec=1_000_000).to_table()
            assert pairs(got) == ref, (arcsec, spelling, join, len(got), len(ref))
            assert len(got) == len(ref), "no duplicate pairs"


def test_pyvo_sync_left_outer_keeps_every_upload_row():
    ref = reference(5)
    q = xmatch(5, kind="LEFT OUTER")
    got = service().run_sync(q, uploads={"t": hip()}, maxrec=1_000_000).to_table()
    matched = {h for h, _ in ref}
    sid = got["source_id"]
    unmatched = {int(h) for h, m in zip(got["hip"], np.ma.getmaskarray(sid)) if m}
    assert unmatched == set(int(h) for h in hip()["hip"]) - matched
    assert len(got) == len(ref) + len(unmatched)


def test_pyvo_async_with_100000_uploaded_positions():
    positions = hip()[:100_000]
    job = service().submit_job(xmatch(1), uploads={"t": positions}, maxrec=1_000_000)
    job.run()
    job.wait(phases=["COMPLETED", "ERROR", "ABORTED"], timeout=600)
    assert job.phase == "COMPLETED", job.phase
    got = job.fetch_result().to_table()
    job.delete()
    assert pairs(got) == reference(1, rows=100_000)


def test_astroquery_upload():
    from astroquery.utils.tap.core import TapPlus

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "hip.xml")
        # astroquery sends no MAXREC: stay under the service's default (1,000 rows in the tests).
        hip()[:1_500].write(path, format="votable")
        tap = TapPlus(url=TAP_URL, verbose=False)
        q = xmatch(1).replace("TAP_UPLOAD.t", "tap_upload.t")
        job = tap.launch_job(q, upload_resource=path, upload_table_name="t", verbose=False)
        got = job.get_results()
    ref = reference(1, rows=1_500)
    assert 0 < len(ref) < 1000
    assert pairs(got) == ref, (got.colnames, len(got), len(ref))


def test_stilts_tapquery_upload():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "hip.csv")
        hip().write(path, format="ascii.csv")
        q = xmatch(5, select="COUNT(*) AS n")
        out = subprocess.run(
            ["stilts", "tapquery", f"tapurl={TAP_URL}", f"adql={q}", "nupload=1", f"upload1={path}", "ufmt1=csv",
             "upname1=t", "sync=true", "ofmt=csv", "omode=out"],
            capture_output=True, text=True, timeout=600,
        )
    assert out.returncode == 0, (out.stdout, out.stderr)
    lines = [l for l in out.stdout.splitlines() if l.strip()]
    assert lines[-1].strip() == str(len(reference(5))), out.stdout


if __name__ == "__main__":
    import suite

    suite.run(globals())
