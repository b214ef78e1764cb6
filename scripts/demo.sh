#!/usr/bin/env bash
# The demo: the platform on an embedded SQLite file with the seeded demo
# store, serving the ad creative and a publisher page that frames it.
# Installs what is missing first. Ctrl-C stops it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KIOSK_ROOT"

PORT="${KIOSK_PORT:-8080}"
DB="${KIOSK_DB:-$KIOSK_CACHE/demo.db}"

"$KIOSK_ROOT/scripts/setup.sh"
"$KIOSK_ROOT/scripts/build.sh"

step "building the platform"
(native_env && cargo build --locked -p kiosk-platform)
platform="$KIOSK_NATIVE_TARGET/debug/kiosk-platform"

step "seeding the demo store into $DB"
"$platform" --db "$DB" seed

step "creating a secret key for the admin page"
admin_key="$("$platform" --db "$DB" keys create --merchant m_northwind --kind secret)"

step "starting the platform on port $PORT"
cat <<URLS

    Publisher page (the ad is framed from another origin):
        http://127.0.0.1:$PORT/
    The creative alone:
        http://localhost:$PORT/ad/?placement=pl_sidebar
    Platform API, e.g. a placement's products:
        http://localhost:$PORT/v1/placements/pl_sidebar/products
    The merchant's admin page (log in with the secret key below):
        http://127.0.0.1:$PORT/admin/
        $admin_key

URLS
exec "$platform" --db "$DB" serve --addr "127.0.0.1:$PORT" \
    --creative-dir "$KIOSK_ROOT/dist" --site-dir "$KIOSK_ROOT/www" --admin-dir "$KIOSK_ROOT/admin/dist"
