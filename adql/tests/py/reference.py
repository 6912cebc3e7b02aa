"""Independent reference values for adql/tests/geometry_reference.rs, computed with astropy.

Reads a JSON object from stdin:
  {"sep":  [[lon1, lat1, lon2, lat2], ...],                      # degrees
   "prop": [[ra, dec, plx, pmra, pmdec, rv, t0, t1], ...]}        # deg, mas, mas/yr, km/s, Julian yr
and writes {"sep": [deg, ...], "prop": [[ra, dec], ...]} to stdout.
"""
import json
import sys
import warnings

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord, Distance
from astropy.time import Time

warnings.simplefilter("ignore")

req = json.load(sys.stdin)
out = {}

sep = np.array(req.get("sep", []), dtype=float).reshape(-1, 4)
if len(sep):
    a = SkyCoord(sep[:, 0] * u.deg, sep[:, 1] * u.deg, frame="icrs")
    b = SkyCoord(sep[:, 2] * u.deg, sep[:, 3] * u.deg, frame="icrs")
    out["sep"] = a.separation(b).to_value(u.deg).tolist()

res = []
for ra, dec, plx, pmra, pmdec, rv, t0, t1 in req.get("prop", []):
    c = SkyCoord(
        ra=ra * u.deg,
        dec=dec * u.deg,
        distance=Distance(parallax=plx * u.mas),
        pm_ra_cosdec=pmra * u.mas / u.yr,
        pm_dec=pmdec * u.mas / u.yr,
        radial_velocity=rv * u.km / u.s,
        obstime=Time(t0, format="jyear", scale="tcb"),
        frame="icrs",
    )
    p = c.apply_space_motion(new_obstime=Time(t1, format="jyear", scale="tcb"))
    res.append([p.ra.to_value(u.deg), p.dec.to_value(u.deg)])
out["prop"] = res

json.dump(out, sys.stdout)
