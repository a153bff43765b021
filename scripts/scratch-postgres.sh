# Sourced by scripts: a throwaway PostgreSQL 15 cluster in a temp dir.
# The server refuses to run as root, so the directory belongs to `postgres` and the server runs via runuser.
# Sets SCRATCH_PGHOST (the socket directory) and SCRATCH_PGPORT.
# Install `trap scratch_postgres_stop EXIT` BEFORE scratch_postgres_start: the stop function copes with a
# cluster that failed half-way (no data directory, or a server that never started) and removes the dir.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

scratch_postgres_start() {
    SCRATCH_PGDIR=$(mktemp -d /tmp/enginesync-pg.XXXXXX)
    SCRATCH_PGPORT=${SCRATCH_PGPORT:-$((20000 + RANDOM % 20000))}
    SCRATCH_PGHOST="$SCRATCH_PGDIR"
    SCRATCH_AS_POSTGRES=()
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
        chown postgres: "$SCRATCH_PGDIR"
        SCRATCH_AS_POSTGRES=(runuser -u postgres --)
    fi
    echo "==> starting scratch PostgreSQL in $SCRATCH_PGDIR (port $SCRATCH_PGPORT)"
    "${SCRATCH_AS_POSTGRES[@]}" "$PG_BIN/initdb" -D "$SCRATCH_PGDIR/data" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 >"$SCRATCH_PGDIR/initdb.log" 2>&1 || { cat "$SCRATCH_PGDIR/initdb.log"; return 1; }
    "${SCRATCH_AS_POSTGRES[@]}" "$PG_BIN/pg_ctl" -D "$SCRATCH_PGDIR/data" -l "$SCRATCH_PGDIR/server.log" -w -t 60 \
        -o "-p $SCRATCH_PGPORT -k $SCRATCH_PGDIR -c listen_addresses='' -c max_connections=200 -c fsync=off" \
        start >/dev/null || { cat "$SCRATCH_PGDIR/server.log"; return 1; }
    export SCRATCH_PGHOST SCRATCH_PGPORT SCRATCH_PGDIR
}

# A hot standby of the scratch cluster (pg_basebackup -R, streaming), for the tests of the `standby`
# outcome. Sets SCRATCH_STANDBY_PORT; the socket is in the same directory.
scratch_standby_start() {
    SCRATCH_STANDBY_PORT=$((SCRATCH_PGPORT + 1))
    echo "==> starting a hot standby of it (port $SCRATCH_STANDBY_PORT)"
    "${SCRATCH_AS_POSTGRES[@]}" "$PG_BIN/pg_basebackup" -h "$SCRATCH_PGHOST" -p "$SCRATCH_PGPORT" -U postgres \
        -D "$SCRATCH_PGDIR/standby" -R -X stream >"$SCRATCH_PGDIR/basebackup.log" 2>&1 \
        || { cat "$SCRATCH_PGDIR/basebackup.log"; return 1; }
    "${SCRATCH_AS_POSTGRES[@]}" "$PG_BIN/pg_ctl" -D "$SCRATCH_PGDIR/standby" -l "$SCRATCH_PGDIR/standby.log" -w -t 60 \
        -o "-p $SCRATCH_STANDBY_PORT -k $SCRATCH_PGDIR -c listen_addresses='' -c max_connections=200 -c fsync=off -c hot_standby=on" \
        start >/dev/null || { cat "$SCRATCH_PGDIR/standby.log"; return 1; }
    export SCRATCH_STANDBY_PORT
}

# Stops whatever part of the cluster is running and removes its directory; safe to call more than once
# and after any failure of scratch_postgres_start (before or after initdb, or with a server that did not start).
scratch_postgres_stop() {
    local status=$?
    [ -n "${SCRATCH_PGDIR:-}" ] || return $status
    local as_postgres=("${SCRATCH_AS_POSTGRES[@]}")
    if [ -f "$SCRATCH_PGDIR/standby/PG_VERSION" ]; then
        "${as_postgres[@]}" "$PG_BIN/pg_ctl" -D "$SCRATCH_PGDIR/standby" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ -f "$SCRATCH_PGDIR/data/PG_VERSION" ]; then
        echo "==> stopping scratch PostgreSQL"
        "${as_postgres[@]}" "$PG_BIN/pg_ctl" -D "$SCRATCH_PGDIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    [ ! -d "$SCRATCH_PGDIR" ] || rm -rf "$SCRATCH_PGDIR"
    SCRATCH_PGDIR=""
    return $status
}
