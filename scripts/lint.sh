#!/usr/bin/env bash
# Formatting and clippy (warnings are errors) for the native and wasm crates.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KIOSK_ROOT"

step "lint: cargo fmt --check"
cargo fmt --all --check

step "lint: clippy, native crates"
(native_env && cargo clippy --locked --workspace --exclude kiosk --exclude kiosk-admin --all-targets -- -D warnings)

step "lint: clippy, browser crates: the ad and widget, the admin page (wasm32)"
(wasm_env && cargo clippy --locked -p kiosk -p kiosk-admin --target wasm32-unknown-unknown --all-targets -- -D warnings)
