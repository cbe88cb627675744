#!/usr/bin/env bash
# The fleet test (issue 28): PostgreSQL and Redis started on loopback for it and stopped after, whatever happens;
# three abtop serve replicas behind nginx; see fleet_test.py for what it checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/abtop-fleet.XXXXXX)
cleanup() {
    "$root/scripts/fleet-services.sh" stop "$dir" || true
    if [ "${KEEP_FLEET_DIR:-}" = "" ]; then rm -rf "$dir"; else echo "fleet test files kept in $dir"; fi
}
trap cleanup EXIT
"$root/scripts/fleet-services.sh" start "$dir"
set -a
# shellcheck disable=SC1091
. "$dir/env"
set +a
ABTOP="$root/.build/debug/abtop" FLEET_DIR="$dir" python3 "$root/Tests/Fleet/fleet_test.py" || {
    status=$?
    for f in "$dir"/r[0-9].log "$dir"/nginx-error.log; do [ -f "$f" ] && { echo "== $f"; tail -8 "$f"; }; done
    exit $status
}
