#!/usr/bin/env bash
# Creates (idempotently) the Python venv the interoperability tests use: hats / hats-import (the
# reference HATS implementation), pyvo and astropy (TAP clients), numpy. Prints the venv path.
set -euo pipefail
VENV="${ASTROTAP_VENV:-$HOME/.cache/astrotap-venv}"
STAMP="$VENV/.astrotap-reqs-v2"
if [ ! -f "$STAMP" ]; then
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet --upgrade pip >&2
  "$VENV/bin/pip" install --quiet "hats==0.11.1" "hats-import==0.11.1" pyvo astropy numpy pyarrow "astroquery==0.4.11" >&2
  touch "$STAMP"
fi
echo "$VENV"
