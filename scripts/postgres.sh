#!/usr/bin/env bash
# Starts Kiosk's private PostgreSQL test server, if it is not running yet, and
# prints the URL of its test database on stdout (progress goes to stderr).
#
# The server is a cluster of its own, made with Debian's postgresql package
# (scripts/setup.sh installs it) and never the system's cluster: it listens on
# 127.0.0.1:$KIOSK_PG_PORT (55432) only, keeps its data in $KIOSK_PG_DIR, and
# has a role `kiosk` (password `kiosk`) that may create databases, so each
# test can make a database of its own. initdb refuses to run as root, so as
# root the cluster belongs to the `postgres` user and lives in its home
# (root's cache is not readable by it); otherwise it is under $KIOSK_CACHE.
# Safe to run again and again; after a crash or reboot it starts the server
# again on the same data.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

port="${KIOSK_PG_PORT:-55432}"
role="kiosk"
password="kiosk"
database="kiosk"

bin="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL is not installed: run scripts/setup.sh (Debian's postgresql package)" >&2
    exit 1
fi

if [ "$(id -u)" = 0 ]; then
    data="${KIOSK_PG_DIR:-$(getent passwd postgres | cut -d: -f6)/kiosk-test}"
    # From /, so the postgres user's tools do not complain about root's
    # working directory.
    as_owner() { (cd / && runuser -u postgres -- "$@"); }
else
    data="${KIOSK_PG_DIR:-$KIOSK_CACHE/pg}"
    as_owner() { "$@"; }
fi

step "PostgreSQL test server ($("$bin/postgres" --version), $data, port $port)" >&2

if [ ! -s "$data/PG_VERSION" ]; then
    note "initdb" >&2
    as_owner mkdir -p "$data"
    # Local (socket) connections: the cluster's owner, by peer identity.
    # TCP: passwords only.
    as_owner "$bin/initdb" -D "$data" --auth-local=peer --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    as_owner tee -a "$data/postgresql.conf" >/dev/null <<CONF

# Kiosk's test server.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
# Each test has its own database and pools; two test binaries may run at once.
max_connections = 300
CONF
fi

if as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1; then
    note "running" >&2
else
    note "starting" >&2
    if ! as_owner "$bin/pg_ctl" start -w -t 60 -D "$data" -l "$data/server.log" >/dev/null; then
        tail -n 30 "$data/server.log" >&2 || true
        exit 1
    fi
fi

# The test role and its database, created once.
as_owner "$bin/psql" -h "$data" -p "$port" -d postgres -v ON_ERROR_STOP=1 -qAt >/dev/null <<SQL
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '$role', '$password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role')
\gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$database', '$role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$database')
\gexec
SQL

note "ready" >&2
echo "postgres://$role:$password@127.0.0.1:$port/$database"
