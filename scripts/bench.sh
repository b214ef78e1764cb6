#!/usr/bin/env bash
# Benchmarks (figures, never pass/fail; budgets are in DESIGN.md): platform
# throughput and latency under wrk next to a bare axum handler, the
# creative's bytes, its time to first product paint in headless Chrome,
# live-change latency, and the feedback loop (event to feed, price change to
# ad, the simulator). `scripts/bench.sh platform|loop|creative` runs one part.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KIOSK_ROOT"

"$KIOSK_ROOT/scripts/build.sh" >/dev/null
step "building the benchmarks (release)"
(native_env && cargo build --locked --release -p kiosk-bench)
step "running"
KIOSK_CREATIVE_DIR="$KIOSK_ROOT/dist" "$KIOSK_NATIVE_TARGET/release/kiosk-bench" "${1:-all}"
