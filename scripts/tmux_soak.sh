#!/bin/sh
# Runs the tmux end-to-end tests N times in a row (default 10) while two CPU-bound loops keep both cores busy,
# as issue 12 asks; prints one line a run and the dashboard timings the tests measured. Needs a debug build with
# tests (`swift build --build-tests`); builds nothing itself. Usage: scripts/tmux_soak.sh [RUNS]
set -u
cd "$(dirname "$0")/.."
runs=${1:-10}
logs=$(mktemp -d)
sh -c 'while :; do :; done' & busy1=$!
sh -c 'while :; do :; done' & busy2=$!
trap 'kill $busy1 $busy2 2>/dev/null' EXIT INT TERM
failed=0
i=1
while [ "$i" -le "$runs" ]; do
    start=$(date +%s)
    if timeout 900 swift test --skip-build --disable-xctest --no-parallel \
        --filter "DashboardE2ESerialTests|ServeDashboardE2ESerialTests" > "$logs/run-$i.log" 2>&1; then
        result=passed
    else
        result=FAILED
        failed=$((failed + 1))
    fi
    echo "run $i $result in $(( $(date +%s) - start )) s"
    grep -E '✘' "$logs/run-$i.log" | head -3
    i=$((i + 1))
done
echo "dashboard timings (s):"
grep -h "dashboard timing" "$logs"/run-*.log | sed 's/.*dashboard timing: //' | sort | uniq -c
echo "$failed of $runs runs failed; logs in $logs"
[ "$failed" -eq 0 ]
