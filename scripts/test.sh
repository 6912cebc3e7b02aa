#!/usr/bin/env bash
# The whole test suite: installs what the tests need beyond cargo (idempotently), then runs every
# test of the workspace. This is the README's test command, and what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/astrotap-target}"
export ASTROTAP_VENV="$(bash scripts/setup-python.sh)"
export ASTROTAP_REALDATA_DIR="$(bash scripts/fetch-real-data.sh)"
if [ -f scripts/setup-stilts.sh ]; then bash scripts/setup-stilts.sh >&2; fi
# Where the IVOA conformance queries live (../shared beside the clone); tests skip them if absent.
export ASTROTAP_CONFORMANCE_DIR="${ASTROTAP_CONFORMANCE_DIR:-$(cd .. && pwd)/shared/conformance}"
# Two cores: one test binary at a time, its tests in parallel.
cargo test --workspace --no-fail-fast -- --test-threads 2
