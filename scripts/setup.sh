#!/usr/bin/env bash
# Installs everything Kiosk's build, demo and tests need, and skips what is
# already there at the right version. Safe to run again and again.
#
# Needs: Debian (apt-get, as root or with sudo), rustup's stable toolchain,
# Node.js with npm, and access to Debian's, crates.io's and npm's registries.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KIOSK_ROOT"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# 1. Debian packages: the browser and its driver always; Debian's wasm-capable
#    Rust only where rustup has no wasm32 target.
packages=(chromium chromium-driver brotli wrk postgresql)
if ! rustup_has_wasm32; then
    packages+=(rustc-web cargo-web rust-web-src rust-web-clippy lld-22)
fi
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
step "[1/6] Debian packages: ${packages[*]}"
if [ ${#missing[@]} -eq 0 ]; then
    note "all installed"
else
    note "installing: ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

# 2. rustup components for lints.
step "[2/6] rustup components: rustfmt, clippy"
if cargo fmt --version >/dev/null 2>&1 && cargo clippy --version >/dev/null 2>&1; then
    note "present"
else
    rustup component add rustfmt clippy
fi

# Installs crate $1 at version $2 with cargo (rustup's stable) unless binary $3
# already reports that version. A lockfile that pins a crate the registry no
# longer serves is the known failure of --locked here, so retry without it.
cargo_tool() {
    local crate="$1" version="$2" binary="$3"
    if command -v "$binary" >/dev/null 2>&1 && "$binary" --version 2>/dev/null | grep -q " $version\b"; then
        note "$crate $version: present"
        return
    fi
    note "$crate $version: building from crates.io (a few minutes on 2 cores)"
    cargo install "$crate" --version "$version" --locked \
        || cargo install "$crate" --version "$version"
}

step "[3/6] wasm-bindgen-cli $WASM_BINDGEN_VERSION (the version Cargo.lock resolves)"
cargo_tool wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen

step "[4/6] Trunk $TRUNK_VERSION and wasm-pack $WASM_PACK_VERSION"
cargo_tool trunk "$TRUNK_VERSION" trunk
cargo_tool wasm-pack "$WASM_PACK_VERSION" wasm-pack

# 5. wasm-opt from npm's binaryen: Debian's binaryen is too old (its output
#    fails in Chrome).
step "[5/6] wasm-opt (binaryen $BINARYEN_VERSION from npm)"
if "$KIOSK_TOOLS/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
    note "present"
else
    mkdir -p "$KIOSK_TOOLS"
    npm install --prefix "$KIOSK_TOOLS" --no-save --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
fi

# 6. Crate sources, so the offline Trunk build finds everything: the
#    workspace's, and (with build-std) those of the wasm32 standard library.
step "[6/6] cargo fetch (native, and wasm32 with its std)"
cargo fetch
(wasm_env && cargo fetch --target wasm32-unknown-unknown)
note "setup complete"
