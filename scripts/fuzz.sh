#!/usr/bin/env bash
# Runs the libFuzzer targets (Tests/Fuzz) for a fixed time each, starting from the committed corpus.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]     default: 40 s each for json, config, sse, journal, secrets,
#   fleet
# New inputs go to a scratch copy (the committed corpus stays as it is); a crash is written to
# .build-fuzz/crashes/ and the script fails. Add the crash file to Tests/Fuzz/Corpus/<target>/ and a test for it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-40}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(json config sse journal secrets fleet)

swift build --scratch-path .build-fuzz --product ABFuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld -Xlinker --export-dynamic-symbol=LLVMFuzzerRunDriver 2>&1 | grep -v "Cannot export local symbol" || true
binary=.build-fuzz/debug/ABFuzz
[ -x "$binary" ] || { echo "fuzz: the fuzz build failed"; exit 1; }
mkdir -p .build-fuzz/crashes
for target in "${targets[@]}"; do
    work=$(mktemp -d)
    echo "fuzz: $target for ${seconds}s"
    if ! ABTOP_FUZZ_TARGET=$target "$binary" "$work" "Tests/Fuzz/Corpus/$target" \
            -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
            -artifact_prefix=".build-fuzz/crashes/$target-" -print_final_stats=1 > ".build-fuzz/$target.log" 2>&1; then
        tail -40 ".build-fuzz/$target.log"
        echo "fuzz: $target FAILED (inputs in .build-fuzz/crashes/)"
        rm -rf "$work"
        exit 1
    fi
    grep -E "stat::number_of_executed_units|cov:" ".build-fuzz/$target.log" | tail -2
    rm -rf "$work"
done
echo "fuzz: no crash"
