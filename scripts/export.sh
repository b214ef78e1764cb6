#!/usr/bin/env bash
# Packages the built creative for ad servers into exports/: one HTML5 zip
# per ad size (checked against Google Ad Manager's rules) and third-party
# iframe tags. KIOSK_PLATFORM_URL and KIOSK_LANDING_URL set what they carry.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KIOSK_ROOT"
step "packaging the creative into exports/"
(native_env && cargo run --locked --quiet -p kiosk-export -- \
    --dist dist --out exports \
    --platform "${KIOSK_PLATFORM_URL:-http://localhost:8080}" --key "${KIOSK_PUBLISHABLE_KEY:-}" \
    --landing "${KIOSK_LANDING_URL:-https://shop.example/}")
