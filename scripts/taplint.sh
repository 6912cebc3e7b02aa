#!/usr/bin/env bash
# Validates a TAP service with STILTS taplint and fails on any error (E-) line; validator
# failures (F-) are listed but, being taplint's own inability to test, do not fail the run.
# Usage: scripts/taplint.sh http://127.0.0.1:8080/tap [report-file]
set -euo pipefail
URL="${1:?usage: taplint.sh TAP_URL [REPORT]}"
REPORT="${2:-$(mktemp -t taplint.XXXXXX)}"
command -v stilts >/dev/null 2>&1 || bash "$(dirname "$0")/setup-stilts.sh"
# QAS/UWS/UPL/OBS/LOC are left out: async jobs, uploads, ObsCore and ObsLocTAP are other issues.
WANTED="TMV TME TMS TMC UUC CPV CAP AVV QGE QPO MDQ EXA"
# Older taplint releases (Debian's STILTS 3.4.7) lack some stages (UUC): run those it knows.
KNOWN=$(stilts taplint help=stages 2>&1 || true)
STAGES=""
for s in $WANTED; do
  if grep -q "\* $s:" <<<"$KNOWN"; then STAGES="$STAGES $s"; else echo "taplint: stage $s not supported by this STILTS, skipped" >&2; fi
done
stilts taplint tapurl="$URL" \
  stages="${STAGES# }" \
  report=EWSF maxrepeat=4 >"$REPORT" 2>&1 || true
cat "$REPORT"
failures=$(grep -E '^F-' "$REPORT" || true)
[ -z "$failures" ] || echo "taplint: $(echo "$failures" | wc -l) validator failure lines (F-)" >&2
errors=$(grep -E '^E-' "$REPORT" || true)
if [ -n "$errors" ]; then
  echo "taplint: $(echo "$errors" | wc -l) error lines (E-)" >&2
  exit 1
fi
grep -q 'Totals' "$REPORT" || { echo "taplint did not finish" >&2; exit 1; }
echo "taplint: no errors" >&2
