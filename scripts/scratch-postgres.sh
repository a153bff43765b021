# Sourced by scripts: a throwaway PostgreSQL 15 cluster in a temp dir.
# The server refuses to run as root, so the directory belongs to `postgres` and the server runs via runuser.
# Sets SCRATCH_PGHOST (the socket directory) and SCRATCH_PGPORT.
# Every role is trusted on the socket except SCRATCH_PASSWORD_USER, which must log in with
# SCRATCH_PASSWORD (scram-sha-256), so the tests can check what a wrong password does.
# Install `trap scratch_postgres_stop EXIT` BEFORE scratch_postgres_start: the stop function copes with a
# cluster that failed half-way (no data directory, or a server that never started) and removes the dir.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
SCRATCH_PASSWORD_USER=enginesync_password_test
SCRATCH_PASSWORD='scratch-Secret-42'

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
    # pg_hba.conf is first-match: this line goes before initdb's `local all all trust`. It names one role
    # and the database keyword `all`, which does not match replication connections, so pg_basebackup
    # (`local replication all trust`) is unaffected; the standby inherits the file with the backup.
    local hba="$SCRATCH_PGDIR/data/pg_hba.conf"
    "${SCRATCH_AS_POSTGRES[@]}" sh -c 'printf "%s\n" "local all $2 scram-sha-256" | cat - "$1" >"$1.new" && mv "$1.new" "$1"' \
        sh "$hba" "$SCRATCH_PASSWORD_USER" || return 1
    "${SCRATCH_AS_POSTGRES[@]}" "$PG_BIN/pg_ctl" -D "$SCRATCH_PGDIR/data" -l "$SCRATCH_PGDIR/server.log" -w -t 60 \
        -o "-p $SCRATCH_PGPORT -k $SCRATCH_PGDIR -c listen_addresses='' -c max_connections=200 -c fsync=off" \
        start >/dev/null || { cat "$SCRATCH_PGDIR/server.log"; return 1; }
    # Created once here, before any test runs: roles are cluster-wide and the tests run in parallel.
    # password_encryption is scram-sha-256 (the PostgreSQL 15 default), which the hba line requires.
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SCRATCH_PGHOST" -p "$SCRATCH_PGPORT" -U postgres -d postgres \
        -c "SET password_encryption = 'scram-sha-256'" \
        -c "CREATE ROLE $SCRATCH_PASSWORD_USER LOGIN PASSWORD '$SCRATCH_PASSWORD'" >/dev/null || return 1
    export SCRATCH_PGHOST SCRATCH_PGPORT SCRATCH_PGDIR SCRATCH_PASSWORD_USER SCRATCH_PASSWORD
}

# A hot standby of the scratch cluster (pg_basebackup -R, streaming), for the tests of the `standby`
# outcome. Replay waits for the standby's queries (max_standby_streaming_delay=-1, hot_standby_feedback):
# the parallel tests drop databases and vacuum on the primary all the time, and a test's query on the
# standby must not be cancelled with "conflict with recovery" because of them. It streams through a replication
# slot (`-C -S`): PostgreSQL 15 writes each CREATE DATABASE's template copy to the WAL (~8 MB), the parallel tests
# create hundreds, and without a slot the primary recycled segments the lagging standby had not received yet —
# it then stopped replicating for good ("requested WAL segment has already been removed"). Sets
# SCRATCH_STANDBY_PORT; the socket is in the same directory.
scratch_standby_start() {
    SCRATCH_STANDBY_PORT=$((SCRATCH_PGPORT + 1))
    echo "==> starting a hot standby of it (port $SCRATCH_STANDBY_PORT)"
    "${SCRATCH_AS_POSTGRES[@]}" "$PG_BIN/pg_basebackup" -h "$SCRATCH_PGHOST" -p "$SCRATCH_PGPORT" -U postgres \
        -D "$SCRATCH_PGDIR/standby" -R -X stream -C -S scratch_standby >"$SCRATCH_PGDIR/basebackup.log" 2>&1 \
        || { cat "$SCRATCH_PGDIR/basebackup.log"; return 1; }
    "${SCRATCH_AS_POSTGRES[@]}" "$PG_BIN/pg_ctl" -D "$SCRATCH_PGDIR/standby" -l "$SCRATCH_PGDIR/standby.log" -w -t 60 \
        -o "-p $SCRATCH_STANDBY_PORT -k $SCRATCH_PGDIR -c listen_addresses='' -c max_connections=200 -c fsync=off -c hot_standby=on -c hot_standby_feedback=on -c max_standby_streaming_delay=-1" \
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
