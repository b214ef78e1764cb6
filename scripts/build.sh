#!/usr/bin/env bash
# Builds the release creative into dist/ with Trunk (wasm-bindgen + wasm-opt).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KIOSK_ROOT"
wasm_env
step "building the ad creative (trunk build --release) into dist/"
trunk build --release
note "built: $(ls dist | tr '\n' ' ')"
