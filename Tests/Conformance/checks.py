"""One line per check, a tally at the end: what every conformance script prints."""
import sys

_counts = {"passed": 0, "failed": 0}


def check(name, fn):
    """Runs fn; prints 'ok' or 'FAIL' with the reason, and goes on either way."""
    try:
        fn()
        _counts["passed"] += 1
        print(f"ok    {name}", flush=True)
    except Exception as e:  # noqa: BLE001 - report every failure and go on
        _counts["failed"] += 1
        print(f"FAIL  {name}: {type(e).__name__}: {e}", flush=True)


def finish():
    """Prints 'N passed, N failed' and exits 1 on any failure."""
    print(f"{_counts['passed']} passed, {_counts['failed']} failed")
    sys.exit(1 if _counts["failed"] else 0)
