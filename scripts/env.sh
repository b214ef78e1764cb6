# shellcheck shell=bash
# Shared settings for Kiosk's scripts; source it, do not run it.
#
# Two toolchains build Kiosk and each keeps its own target dir, outside the
# clone, so a fresh clone (CI) reuses warm builds and native and wasm builds
# never invalidate each other:
#   - native crates (wire, platform, e2e): rustup's stable cargo;
#   - the browser crate (wasm32): rustup's wasm32 target where installed, else
#     Debian's rustc-web with -Zbuild-std (see ../shared/TOOLCHAIN.md).
# Build outputs are a cache: deleting $KIOSK_CACHE only makes the next run cold.

KIOSK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KIOSK_CACHE="${KIOSK_CACHE:-$HOME/.cache/kiosk}"
KIOSK_NATIVE_TARGET="$KIOSK_CACHE/target-native"
KIOSK_WASM_TARGET="$KIOSK_CACHE/target-wasm"
# A linked git worktree (its .git is a file) builds in target dirs of its
# own: cargo names a workspace crate's artifacts by its path inside the
# workspace, so two checkouts sharing a target dir would use each other's
# builds of `wire` or `platform`. Clones (CI) share, and stay warm.
if [ -f "$KIOSK_ROOT/.git" ]; then
    KIOSK_NATIVE_TARGET="$KIOSK_NATIVE_TARGET-$(basename "$KIOSK_ROOT")"
    KIOSK_WASM_TARGET="$KIOSK_WASM_TARGET-$(basename "$KIOSK_ROOT")"
fi
# npm-installed tools (binaryen's wasm-opt) live here.
KIOSK_TOOLS="$KIOSK_CACHE/tools"
export KIOSK_ROOT KIOSK_CACHE

# Pinned tool versions. wasm-bindgen-cli must equal the wasm-bindgen crate in
# Cargo.lock, so it is read from there, never written twice.
TRUNK_VERSION="0.21.14"
WASM_PACK_VERSION="0.13.1"
BINARYEN_VERSION="132.0.0"
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$KIOSK_ROOT/Cargo.lock")"

export PATH="$HOME/.cargo/bin:$KIOSK_TOOLS/node_modules/.bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export CHROME="${CHROME:-/usr/bin/chromium}"

# Progress lines every script prints.
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }

# True when rustup itself can build for wasm32 (a normal developer machine).
rustup_has_wasm32() {
    command -v rustup >/dev/null 2>&1 &&
        rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown
}

# Environment for native cargo commands.
native_env() {
    export CARGO_TARGET_DIR="$KIOSK_NATIVE_TARGET"
}

# Environment for wasm32 cargo, Trunk and wasm-pack commands.
wasm_env() {
    export CARGO_TARGET_DIR="$KIOSK_WASM_TARGET"
    if ! rustup_has_wasm32; then
        # Debian's 1.96 knows wasm32 and builds std from rust-web-src.
        # RUSTC_BOOTSTRAP must be set the same way on every wasm build, or
        # cargo rebuilds std and every dependency.
        export PATH="/usr/bin:$PATH"
        export RUSTC_BOOTSTRAP=1
        export CARGO_UNSTABLE_BUILD_STD="std,panic_abort"
    fi
    export TRUNK_TOOLS_WASM_BINDGEN="$WASM_BINDGEN_VERSION"
    export TRUNK_TOOLS_WASM_OPT="version_${BINARYEN_VERSION%%.*}"
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="wasm-bindgen-test-runner"
}
