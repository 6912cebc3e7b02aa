"""Runs a test file's `test_*` functions as a plain script (no pytest needed): prints PASS/FAIL per
test, reports every failure, and exits non-zero if any failed. The Rust tests that start the
server count the PASS lines."""
import sys


def run(namespace):
    failed = 0
    for name, fn in sorted(namespace.items()):
        if name.startswith("test_") and callable(fn):
            try:
                fn()
                print(f"PASS {name}")
            except Exception as e:  # report every failure, then exit non-zero
                failed += 1
                print(f"FAIL {name}: {type(e).__name__}: {e}")
    sys.exit(1 if failed else 0)
