#!/usr/bin/env bash
# Every test Kiosk has: lints, native tests (platform over HTTP on a real
# SQLite file, WebDriver end-to-end in headless Chrome), the platform's
# tests again on a local PostgreSQL server, and the browser crates'
# wasm-bindgen tests (the ad and widget, the admin page) in headless Chrome.
# Installs what is missing first. Prints each suite's counts and a total at
# the end.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KIOSK_ROOT"

"$KIOSK_ROOT/scripts/setup.sh"
"$KIOSK_ROOT/scripts/lint.sh"
"$KIOSK_ROOT/scripts/build.sh"

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

step "tests: native (wire, platform over HTTP + SQLite, WebDriver end-to-end)"
(native_env && KIOSK_CREATIVE_DIR="$KIOSK_ROOT/dist" KIOSK_ADMIN_DIR="$KIOSK_ROOT/admin/dist" \
    cargo test --locked --workspace --exclude kiosk --exclude kiosk-admin 2>&1) | tee "$logs/native.log"

# The platform's suite again, on PostgreSQL: a private server from Debian's
# package (scripts/postgres.sh), a fresh database per test, plus the tests
# only PostgreSQL has (two instances on one database).
step "tests: platform over HTTP + PostgreSQL"
pg_url="$("$KIOSK_ROOT/scripts/postgres.sh")"
(native_env && KIOSK_TEST_DATABASE_URL="$pg_url" \
    cargo test --locked -p kiosk-platform --features postgres-tests 2>&1) | tee "$logs/postgres.log"

step "tests: browser crate in headless Chrome (wasm-pack test --headless --chrome)"
(wasm_env && wasm-pack test --headless --chrome --chromedriver "$CHROMEDRIVER" --mode no-install 2>&1) \
    | tee "$logs/wasm.log"
step "tests: admin page crate in headless Chrome (wasm-pack test in admin/)"
(wasm_env && cd admin && wasm-pack test --headless --chrome --chromedriver "$CHROMEDRIVER" --mode no-install 2>&1) \
    | tee -a "$logs/wasm.log"

step "summary"
total_passed=0
total_failed=0
for suite in native wasm postgres; do
    read -r passed failed < <(awk '/test result:/ {
            for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i }
        } END { print p + 0, f + 0 }' "$logs/$suite.log")
    note "$suite: $passed passed, $failed failed"
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
done
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
