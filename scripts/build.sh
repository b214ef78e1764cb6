#!/usr/bin/env bash
# Builds the release browser bundles with Trunk (wasm-bindgen + wasm-opt):
# the ad creative into dist/ and the cart widget into dist/widget/ (stable
# names, so the loader www/kiosk.js can find them). The ad goes first:
# Trunk replaces its whole dist directory. The merchant's admin page is a
# bundle of its own (admin/, served at /admin/), built into admin/dist/ so
# nothing of it ships with the creative.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KIOSK_ROOT"
wasm_env
# Where std is built from source (Debian's toolchain), release bundles abort
# on a panic with a bare trap instead of formatting a message: the bytes of
# panic formatting are a tenth of the creative. Tests (debug builds, their
# own profile dir) keep their messages. Set the same way on every release
# build, or cargo rebuilds std and every dependency.
if [ -n "${CARGO_UNSTABLE_BUILD_STD:-}" ]; then
    export RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort"
fi
step "building the ad creative (trunk build --release) into dist/"
trunk build --release
step "building the cart widget (trunk build --release widget.html) into dist/widget/"
trunk build widget.html --release true --dist dist/widget --filehash false
step "building the admin page (trunk build --release in admin/) into admin/dist/"
(cd admin && trunk build --release)
note "built: $(cd dist && find . -type f | sort | tr '\n' ' ')"
note "admin: $(cd admin/dist && find . -type f | sort | tr '\n' ' ')"
