#!/usr/bin/env bash
# Benchmarks (figures, never pass/fail): the creative's bundle size against
# the 100 KB gzip budget of DESIGN.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KIOSK_ROOT"

"$KIOSK_ROOT/scripts/build.sh" >/dev/null

step "ad creative bundle (release, wasm-opt -Oz), bytes"
printf '    %-34s %10s %10s\n' file raw gzip
total_raw=0
total_gz=0
for file in dist/index.html dist/*.js dist/*.wasm; do
    raw=$(stat -c %s "$file")
    gz=$(gzip -9 -c "$file" | wc -c)
    total_raw=$((total_raw + raw))
    total_gz=$((total_gz + gz))
    printf '    %-34s %10d %10d\n' "$(basename "$file")" "$raw" "$gz"
done
printf '    %-34s %10d %10d\n' "total (html + js + wasm)" "$total_raw" "$total_gz"
budget=$((100 * 1024))
awk -v gz="$total_gz" -v b="$budget" 'BEGIN { printf "    gzip total / budget (100 KB): %.2f\n", gz / b }'
