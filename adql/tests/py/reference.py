"""Independent reference values for adql/tests/geometry_reference.rs, computed with astropy.

Reads a JSON object from stdin:
  {"sep":  [[lon1, lat1, lon2, lat2], ...],                      # degrees
   "prop": [[ra, dec, plx, pmra, pmdec, rv, t0, t1], ...],        # deg, mas, mas/yr, km/s, Julian yr
   "poly": [[[lon1, lat1, lon2, lat2, ...], [lon, lat, lon, lat, ...]], ...]}  # polygon, points
and writes {"sep": [deg, ...], "prop": [[ra, dec], ...], "poly": [[0 or 1, ...], ...]} to stdout.

Point-in-polygon is decided here by another method than the Rust code's: in the gnomonic
projection about the vertices' mean direction, great-circle edges are straight segments, so an
even-odd ray cast in the plane answers exactly (for polygons within a hemisphere).
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


def unit(lonlat):
    c = SkyCoord(lonlat[:, 0] * u.deg, lonlat[:, 1] * u.deg, frame="icrs").cartesian
    return np.stack([c.x.value, c.y.value, c.z.value], axis=1)


def inside_polygon(vertices, points):
    v = unit(np.array(vertices, dtype=float).reshape(-1, 2))
    p = unit(np.array(points, dtype=float).reshape(-1, 2))
    c = v.mean(axis=0)
    c /= np.linalg.norm(c)
    # Tangent-plane basis at c.
    e = np.cross([0.0, 0.0, 1.0], c) if abs(c[2]) < 0.9 else np.cross([1.0, 0.0, 0.0], c)
    e /= np.linalg.norm(e)
    n = np.cross(c, e)
    assert (v @ c > 0).all(), "polygon not within a hemisphere"
    vx, vy = (v @ e) / (v @ c), (v @ n) / (v @ c)
    z = p @ c
    with np.errstate(divide="ignore", invalid="ignore"):
        px, py = (p @ e) / z, (p @ n) / z
    inside = np.zeros(len(p), dtype=bool)
    for i in range(len(vx)):
        x1, y1, x2, y2 = vx[i], vy[i], vx[i - 1], vy[i - 1]
        crosses = (y1 > py) != (y2 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            xint = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (px < xint)
    return (inside & (z > 0)).astype(int).tolist()


out["poly"] = [inside_polygon(v, p) for v, p in req.get("poly", [])]

json.dump(out, sys.stdout)
