"""pyvo's asynchronous TAP API against astrotap: run_async, submit_job + wait + fetch_result,
abort and delete, with values checked against the Parquet files of the served catalog.

Needs ASTROTAP_TAP_URL, ASTROTAP_DEMO_ROOT and ASTROTAP_LONG_QUERY (a query that runs for
minutes); `tests/async_jobs` (cargo test) starts a server and runs this file. Prints `ok <check>`
for each check that passed.
"""
import glob
import os
import time

import numpy as np
import pyarrow.parquet as pq
import pyvo
import requests

TAP_URL = os.environ["ASTROTAP_TAP_URL"]
DEMO_ROOT = os.environ["ASTROTAP_DEMO_ROOT"]
LONG_QUERY = os.environ["ASTROTAP_LONG_QUERY"]

QUERY = ("SELECT source_id, ra, dec, phot_g_mean_mag FROM gaiadr3.gaia_source "
         "WHERE phot_g_mean_mag < 12 ORDER BY source_id")


def reference():
    files = glob.glob(os.path.join(DEMO_ROOT, "gaia_source", "dataset", "**", "*.parquet"), recursive=True)
    t = pq.ParquetDataset(files).read(columns=["source_id", "ra", "dec", "phot_g_mean_mag"]).to_pandas()
    t = t[t.phot_g_mean_mag < 12].sort_values("source_id")
    return t


def check_against_reference(table, ref, what):
    assert len(table) == len(ref), (what, len(table), len(ref))
    assert len(table) > 0, what
    np.testing.assert_array_equal(np.asarray(table["source_id"]), ref.source_id.to_numpy())
    np.testing.assert_array_equal(np.asarray(table["ra"]), ref.ra.to_numpy())
    np.testing.assert_allclose(np.asarray(table["phot_g_mean_mag"]), ref.phot_g_mean_mag.to_numpy(), rtol=0, atol=0)


def main():
    service = pyvo.dal.TAPService(TAP_URL)
    ref = reference()

    result = service.run_async(QUERY, maxrec=100000)
    check_against_reference(result.to_table(), ref, "run_async")
    print("ok run_async", flush=True)

    job = service.submit_job(QUERY, maxrec=100000, runid="pyvo-e2e")
    assert job.phase == "PENDING", job.phase
    job.run()
    job.wait(phases=["COMPLETED", "ERROR", "ABORTED"], timeout=120)
    assert job.phase == "COMPLETED", (job.phase, job.errorsummary)
    assert "<uws:runId>pyvo-e2e</uws:runId>" in requests.get(job.url, timeout=30).text
    check_against_reference(job.fetch_result().to_table(), ref, "fetch_result")
    print("ok submit_wait_fetch", flush=True)

    long_job = service.submit_job(LONG_QUERY)
    long_job.run()
    # Not job.wait(phases=["EXECUTING"]): pyvo blocks with WAIT=-1, which (UWS 1.1 §2.2.1.2)
    # returns only when an active job *changes* phase, i.e. at the server's WAIT cap here.
    deadline = time.time() + 60
    while long_job.phase != "EXECUTING" and time.time() < deadline:
        time.sleep(0.05)
    assert long_job.phase == "EXECUTING", long_job.phase
    long_job.abort()
    assert long_job.phase == "ABORTED", long_job.phase
    print("ok abort", flush=True)

    url = job.url
    job.delete()
    assert requests.get(url, timeout=30).status_code == 404
    long_job.delete()
    print("ok delete", flush=True)

    try:
        service.run_async("SELECT nosuch FROM gaiadr3.gaia_source")
    except pyvo.dal.DALQueryError as e:
        assert "nosuch" in str(e) and "1:8" in str(e), str(e)
        print("ok error", flush=True)
    else:
        raise AssertionError("a bad query must raise DALQueryError")


if __name__ == "__main__":
    main()
