#!/usr/bin/env bash
# The demo: the platform on an embedded SQLite file with the seeded demo
# store, serving the ad creative and a publisher page that frames it, and
# the shopper simulator in the background (placements on the learning
# policy, one product that converts far better), so the feedback loop is
# seen moving. KIOSK_SIMULATE=0 leaves the simulator out. Installs what is
# missing first. Ctrl-C stops it.
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

step "creating a secret key for the admin page and the simulator"
# Made before serving: one process at a time writes the SQLite file.
secret=$("$platform" --db "$DB" keys create --merchant m_northwind --kind secret)

step "starting the platform on port $PORT"
"$platform" --db "$DB" serve --addr "127.0.0.1:$PORT" \
    --creative-dir "$KIOSK_ROOT/dist" --site-dir "$KIOSK_ROOT/www" \
    --admin-dir "$KIOSK_ROOT/admin/dist" &
server=$!
trap 'kill "$server" ${simulator:+"$simulator"} 2>/dev/null || true' EXIT INT TERM

if [ "${KIOSK_SIMULATE:-1}" != 0 ]; then
    SIMULATE_LOG="$KIOSK_CACHE/simulate.log"
    step "simulated shoppers in the background (log: $SIMULATE_LOG)"
    # Two shoppers a second, until the demo stops; it waits for the server.
    "$platform" simulate --base "http://127.0.0.1:$PORT" --sessions 0 --pause-ms 500 \
        --seed "${KIOSK_SIMULATE_SEED:-1}" --best prd_camp-mug --policy thompson \
        --secret-key "$secret" >"$SIMULATE_LOG" 2>&1 &
    simulator=$!
fi

cat <<URLS

    Publisher page (the ad is framed from another origin):
        http://127.0.0.1:$PORT/
    The creative alone:
        http://localhost:$PORT/ad/?placement=pl_sidebar
    Platform API, e.g. a placement's products:
        http://localhost:$PORT/v1/placements/pl_sidebar/products
    The merchant's admin page (log in with this secret key):
        http://127.0.0.1:$PORT/admin/
        $secret
    The merchant's live feed with running totals, for integrations:
        curl -N -H "Authorization: Bearer $secret" \\
            "http://127.0.0.1:$PORT/v1/merchant/feed?totals=true"

URLS
wait "$server"
