#!/usr/bin/env bash
# THE benchmark command (docs/BENCHMARKS.md): prints figures, asserts nothing.
#   1. swift build -c release (enginesync + enginesync-bench)
#   2. pure benchmarks: DSL compile and Planner.plan (no database), medians; the incremental compile of a
#      one-field commit (enginesync-bench compile-incremental) runs in every mode
#   3. a scratch PostgreSQL 15 cluster (stopped on exit), a generated DSL repository of N models × 30 fields,
#      then the real binary: sync on an empty database (then five times each, alternately, psql running the
#      same DDL and the sync, each on an empty database after a CHECKPOINT: medians compared), plan ×5 on the
#      synced one, the same no-change plan phase by phase (next to psql running the bare catalog queries),
#      a widening sync
#      then the peers on the same synced database, in the same run: migra (the database against itself) and
#      alembic's compare_metadata (metadata reflected from it), installed in a throwaway Python venv from PyPI
#   4. the daemon, at 4, 100 and then 1,000 models (--daemon-models N: one size): a bare repository of that schema,
#      `enginesync run` watching it (with the Environment= of systemd/enginesync.service), 50 one-column pushes
#      (push → report latency p50/p99 against issue 14's goals,
#      and the daemon's own per-phase timings), then idle CPU over 60 s and the idle daemon's RSS
#      then memory over time: the daemon's reconcile pipeline 1,000 times in one process on the 100-model schema
#      (enginesync-bench reconcile-loop --trim): RSS after 1, 10, 100, 1,000 reconciles and the growth after the 10th
#   5. a table of the figures, then issue 14's goals each against its figure
# Usage: scripts/bench.sh [--models N] [--daemon-models N] [--pushes N] [--idle-seconds N] [--reconciles N]
#                         [--no-daemon | --daemon-only] [--no-peers] [--bin-dir DIR]
#   --bin-dir DIR: use the enginesync and enginesync-bench binaries in DIR instead of building (an earlier
#   build kept for a before/after comparison in the same minutes). BENCH_SCRATCH_PATH: swift build's
#   --scratch-path (default .build).
set -euo pipefail
cd "$(dirname "$0")/.."

MODELS=1000
PLAN_RUNS=5
CREATE_RUNS=5
PUSHES=50
IDLE_SECONDS=60
DAEMON_MODELS="4 100 1000"
RECONCILES=1000
RUN_SCHEMA=1
RUN_DAEMON=1
RUN_PEERS=1
BIN_DIR=
while [ $# -gt 0 ]; do
    case "$1" in
        --models) MODELS=${2:?--models needs a number}; shift 2 ;;
        --models=*) MODELS=${1#--models=}; shift ;;
        --daemon-models) DAEMON_MODELS=${2:?--daemon-models needs a number}; shift 2 ;;
        --daemon-models=*) DAEMON_MODELS=${1#--daemon-models=}; shift ;;
        --bin-dir) BIN_DIR=${2:?--bin-dir needs a directory}; shift 2 ;;
        --pushes) PUSHES=${2:?--pushes needs a number}; shift 2 ;;
        --idle-seconds) IDLE_SECONDS=${2:?--idle-seconds needs a number}; shift 2 ;;
        --reconciles) RECONCILES=${2:?--reconciles needs a number}; shift 2 ;;
        --no-daemon) RUN_DAEMON=0; shift ;;
        --daemon-only) RUN_SCHEMA=0; shift ;;
        --no-peers) RUN_PEERS=0; shift ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (usage: scripts/bench.sh [--models N] [--daemon-models N] [--pushes N]" \
                "[--idle-seconds N] [--reconciles N] [--no-daemon | --daemon-only] [--no-peers] [--bin-dir DIR])" >&2; exit 64 ;;
    esac
done
for number in "$MODELS" $DAEMON_MODELS "$PUSHES" "$IDLE_SECONDS" "$RECONCILES"; do
    case "$number" in ''|*[!0-9]*|0) echo "--models, --daemon-models, --pushes, --idle-seconds and --reconciles need a positive number" >&2; exit 64 ;; esac
done

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

need_packages=()
dpkg -s libgit2-dev >/dev/null 2>&1 || need_packages+=(libgit2-dev)
dpkg -s libjemalloc-dev >/dev/null 2>&1 || need_packages+=(libjemalloc-dev)
dpkg -s libpq-dev >/dev/null 2>&1 || need_packages+=(libpq-dev)
dpkg -s libpg-query-dev >/dev/null 2>&1 || need_packages+=(libpg-query-dev)
[ -x "$PG_BIN/initdb" ] || need_packages+=(postgresql-15)
[ -x /usr/bin/time ] || need_packages+=(time)
command -v jq >/dev/null 2>&1 || need_packages+=(jq)
[ "$RUN_PEERS" = 0 ] || dpkg -s python3-venv >/dev/null 2>&1 || need_packages+=(python3-venv)
if [ ${#need_packages[@]} -gt 0 ]; then
    echo "==> installing ${need_packages[*]}"
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

if [ -n "$BIN_DIR" ]; then
    BIN=$(cd "$BIN_DIR" && pwd)/enginesync
    BENCH=$(cd "$BIN_DIR" && pwd)/enginesync-bench
    [ -x "$BIN" ] && [ -x "$BENCH" ] || { echo "--bin-dir $BIN_DIR: no enginesync and enginesync-bench there" >&2; exit 64; }
    echo "==> using the binaries in $BIN_DIR (no build)"
else
    SCRATCH=${BENCH_SCRATCH_PATH:-$PWD/.build}
    # shellcheck source=scripts/release-build.sh
    source "$(dirname "$0")/release-build.sh"
    echo "==> swift build ${RELEASE_BUILD_FLAGS[*]} (the binary scripts/install.sh installs)"
    # One product per invocation: given several --product flags, swift build builds only the last one.
    release_build enginesync --scratch-path "$SCRATCH"
    release_build enginesync-bench --scratch-path "$SCRATCH"
    BIN=$SCRATCH/release/enginesync
    BENCH=$SCRATCH/release/enginesync-bench
fi
# The code placement the idle daemon's memory depends on: an order file the code has moved away from shows here.
echo "==> $("$(dirname "$0")/symbol-order.sh" --check --bin-dir "$(dirname "$BIN")")"

# shellcheck source=scripts/scratch-postgres.sh
source "$(dirname "$0")/scratch-postgres.sh"
WORK=$(mktemp -d /tmp/enginesync-bench.XXXXXX)
DAEMON_PID=
cleanup() {
    local status=$?
    if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null || true; wait "$DAEMON_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
    scratch_postgres_stop || true
    exit "$status"
}
trap cleanup EXIT
scratch_postgres_start
PSQL="$PG_BIN/psql"
[ -x "$PSQL" ] || PSQL=psql
dsn() { echo "host=$SCRATCH_PGHOST port=$SCRATCH_PGPORT user=postgres dbname=$1"; }
DSN=$(dsn postgres)

# timed NAME EXPECTED_EXIT CMD...: runs CMD under /usr/bin/time; sets T_WALL (s), T_RSS (MiB); output in $WORK/NAME.json.
timed() {
    local name=$1 expected=$2; shift 2
    local status=0
    /usr/bin/time -f '%e %M' -o "$WORK/$name.time" "$@" >"$WORK/$name.json" 2>"$WORK/$name.err" || status=$?
    if [ "$status" -ne "$expected" ]; then
        echo "$name: exit $status (expected $expected)" >&2
        cat "$WORK/$name.err" >&2
        head -c 2000 "$WORK/$name.json" >&2
        exit 1
    fi
    read -r T_WALL T_RSS_KB < <(tail -1 "$WORK/$name.time")
    T_RSS=$((T_RSS_KB / 1024))
}
statements() { jq '[.applied[].sql // "" | [scan(";(\n|$)")] | length] | add // 0' "$1"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
phase() { echo "$PHASES" | sed -n "s/^  $1: \([0-9.]*\) ms/\1/p"; }

# The peers, pinned so a rerun measures the same code: migra (schemainspect) and alembic's autogenerate.
PEER_PACKAGES=(migra==3.0.1663481299 schemainspect==3.1.1663587362 sqlbag==0.1.1617247075 SQLAlchemy==2.0.36
    alembic==1.14.0 psycopg2-binary==2.9.10)

# peer_benchmarks: on the synced database, ×$PLAN_RUNS each (median): migra comparing the database with itself
# (it reads the whole catalog twice, then diffs), and alembic's compare_metadata against MetaData reflected
# from the same database beforehand (only the compare is timed: it reads the live catalog and diffs).
peer_benchmarks() {
    echo "==> peers: a throwaway venv with ${PEER_PACKAGES[*]}"
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install -q --disable-pip-version-check "${PEER_PACKAGES[@]}"
    local url="postgresql+psycopg2://postgres@/postgres?host=$SCRATCH_PGHOST&port=$SCRATCH_PGPORT"
    cat >"$WORK/alembic_compare.py" <<'PY'
import sys, threading, time
from sqlalchemy import create_engine, MetaData
from alembic.migration import MigrationContext
from alembic.autogenerate import compare_metadata

def main():
    engine = create_engine(sys.argv[1])
    runs = int(sys.argv[2])
    metadata = MetaData()
    with engine.connect() as connection:
        metadata.reflect(bind=connection)
    for _ in range(runs):
        start = time.monotonic()
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
        print(f"{time.monotonic() - start:.3f} {len(differences)}", flush=True)

# Reflection follows each foreign key to the table it references, recursively: the generated schema's chain of
# 1,000 tables (parent_id → the previous model) needs a deeper stack than Python's default.
sys.setrecursionlimit(1_000_000)
threading.stack_size(1 << 30)
failures = []
def guarded():
    try:
        main()
    except BaseException as error:
        failures.append(error)
        raise
worker = threading.Thread(target=guarded)
worker.start()
worker.join()
sys.exit(1 if failures else 0)
PY
    echo "==> migra, the synced database against itself ×$PLAN_RUNS"
    : >"$WORK/migra-walls"
    for run in $(seq 1 "$PLAN_RUNS"); do
        timed migra 0 "$WORK/venv/bin/migra" --unsafe "$url" "$url"
        echo "    run $run: ${T_WALL}s wall, ${T_RSS} MiB peak RSS, $(wc -l <"$WORK/migra.json") lines of diff"
        echo "$T_WALL" >>"$WORK/migra-walls"
    done
    MIGRA_WALL=$(median <"$WORK/migra-walls")
    echo "==> alembic compare_metadata against the reflected metadata ×$PLAN_RUNS"
    "$WORK/venv/bin/python" "$WORK/alembic_compare.py" "$url" "$PLAN_RUNS" | tee "$WORK/alembic-runs"
    ALEMBIC_WALL=$(awk '{ print $1 }' "$WORK/alembic-runs" | median)
}

schema_benchmarks() {
    echo "==> pure benchmarks ($MODELS models × 30 fields, no database)"
    PURE=$("$BENCH" --models "$MODELS")
    echo "$PURE"
    COMPILE_MS=$(echo "$PURE" | sed -n 's/^compile:.*median \([0-9.]*\) ms.*/\1/p')
    PLANNER_MS=$(echo "$PURE" | sed -n 's/^plan:.*median \([0-9.]*\) ms.*/\1/p')
    TABLES=$(echo "$PURE" | sed -n 's/^compile:.*(\([0-9]*\) tables).*/\1/p')

    echo "==> generating $MODELS models × 30 fields in $WORK"
    "$BENCH" generate "$WORK/repo" --models "$MODELS"
    "$BENCH" generate "$WORK/repo-widened" --models "$MODELS" --widen

    echo "==> sync --dir on an empty database (one transaction)"
    timed sync 0 "$BIN" sync --dir "$WORK/repo" --database "$DSN" --format json
    SYNC_WALL=$T_WALL SYNC_RSS=$T_RSS
    SYNC_CHANGES=$(jq '.applied | length' "$WORK/sync.json")
    SYNC_STATEMENTS=$(statements "$WORK/sync.json")
    SYNC_OUTCOME=$(jq -r '.outcome' "$WORK/sync.json")
    SYNC_ENGINE_MS=$(jq '.duration_ms' "$WORK/sync.json")
    echo "    $SYNC_OUTCOME: $SYNC_CHANGES changes, $SYNC_STATEMENTS statements, ${SYNC_WALL}s wall, ${SYNC_RSS} MiB peak RSS"
    jq -r '.applied | group_by(.kind) | map("    \(.[0].kind): \(length)") | .[]' "$WORK/sync.json"

    echo "==> psql running the same DDL (--single-transaction) and the sync, alternately, each on an empty database"
    jq -r '.applied[].sql' "$WORK/sync.json" >"$WORK/ddl.sql"
    # The first create on a fresh cluster also warms it up, and each create (and each DROP DATABASE) leaves work
    # behind — dirty buffers and files, autovacuum of the catalogs it grew — that slows whatever runs next by up to
    # 2× on this 2-core machine. So psql's create and the sync are timed in alternation, $CREATE_RUNS times each,
    # each on an empty database once autovacuum is done, after a CHECKPOINT and the kernel's sync, psql first in
    # odd runs and the sync first in even ones, and their medians compared.
    quiet_cluster() {
        local waited=0
        while [ "$waited" -lt 120 ] && [ "$("$PSQL" -X -q -At -d "$DSN" \
            -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")" != 0 ]; do
            sleep 1
            waited=$((waited + 1))
        done
        "$PSQL" -X -q -d "$DSN" -c 'CHECKPOINT'
        sync
    }
    create_with() {
        local who=$1 run=$2
        "$PSQL" -X -q -d "$DSN" -c "CREATE DATABASE bench_${who}_$run"
        quiet_cluster
        if [ "$who" = psql ]; then
            timed psql-ddl 0 "$PSQL" -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$(dsn "bench_psql_$run")" \
                -f "$WORK/ddl.sql"
        else
            timed "sync-$run" 0 "$BIN" sync --dir "$WORK/repo" --database "$(dsn "bench_sync_$run")" --format json
        fi
        echo "$T_WALL" >>"$WORK/create-$who-walls"
        "$PSQL" -X -q -d "$DSN" -c "DROP DATABASE bench_${who}_$run"
    }
    SYNC_COLD_WALL=$SYNC_WALL
    : >"$WORK/create-sync-walls" ; : >"$WORK/create-psql-walls"
    for run in $(seq 1 "$CREATE_RUNS"); do
        if [ $((run % 2)) -eq 1 ]; then
            create_with psql "$run"
            create_with sync "$run"
        else
            create_with sync "$run"
            create_with psql "$run"
        fi
        echo "    run $run: psql $(tail -1 "$WORK/create-psql-walls")s, sync $(tail -1 "$WORK/create-sync-walls")s" \
            "($(grep -c ';$' "$WORK/ddl.sql") statements each; $( [ $((run % 2)) -eq 1 ] && echo psql || echo sync) first)"
    done
    PSQL_DDL_WALL=$(median <"$WORK/create-psql-walls")
    SYNC_WALL=$(median <"$WORK/create-sync-walls")
    echo "    medians: psql ${PSQL_DDL_WALL}s, sync ${SYNC_WALL}s (the first sync, on the cold cluster: ${SYNC_COLD_WALL}s)"

    echo "==> plan --dir on the synced database ×$PLAN_RUNS (introspection + planning, nothing to do), each run" \
        "after psql running the bare catalog queries (one connection, the 5 queries, output discarded)"
    "$BENCH" catalog-sql >"$WORK/catalog.sql"
    : >"$WORK/plan-walls" ; : >"$WORK/plan-rss" ; : >"$WORK/plan-engine" ; : >"$WORK/psql-walls"
    for run in $(seq 1 "$PLAN_RUNS"); do
        timed psql-catalog 0 "$PSQL" -X -q -v ON_ERROR_STOP=1 -o /dev/null -d "$DSN" -f "$WORK/catalog.sql"
        echo "$T_WALL" >>"$WORK/psql-walls"
        echo "    psql: ${T_WALL}s wall"
        timed plan 0 "$BIN" plan --dir "$WORK/repo" --database "$DSN" --format json
        changes=$(jq '(.applied | length) + (.blocked | length)' "$WORK/plan.json")
        echo "    run $run: ${T_WALL}s wall, ${T_RSS} MiB peak RSS, $(jq '.duration_ms' "$WORK/plan.json") ms in reconcile, $changes changes"
        echo "$T_WALL" >>"$WORK/plan-walls"
        echo "$T_RSS" >>"$WORK/plan-rss"
        jq '.duration_ms' "$WORK/plan.json" >>"$WORK/plan-engine"
    done
    PLAN_WALL=$(median <"$WORK/plan-walls")
    PSQL_CATALOG_WALL=$(median <"$WORK/psql-walls")
    PLAN_RSS=$(median <"$WORK/plan-rss")
    PLAN_ENGINE_MS=$(median <"$WORK/plan-engine")

    echo "==> the same no-change plan, phase by phase (enginesync-bench phases, median of $PLAN_RUNS)"
    PHASES=$("$BENCH" phases "$WORK/repo" --database "$DSN" --runs "$PLAN_RUNS")
    echo "$PHASES"

    echo "    psql running the bare catalog queries: median ${PSQL_CATALOG_WALL}s wall (the same minutes)"

    if [ "$RUN_PEERS" = 1 ]; then peer_benchmarks; fi

    echo "==> widening sync (10% of string lengths raised)"
    timed widen 0 "$BIN" sync --dir "$WORK/repo-widened" --database "$DSN" --format json
    WIDEN_WALL=$T_WALL WIDEN_RSS=$T_RSS
    WIDEN_CHANGES=$(jq '[.applied[] | select(.kind == "widen_column")] | length' "$WORK/widen.json")
    WIDEN_STATEMENTS=$(statements "$WORK/widen.json")
    WIDEN_OUTCOME=$(jq -r '.outcome' "$WORK/widen.json")
    WIDEN_ENGINE_MS=$(jq '.duration_ms' "$WORK/widen.json")
    echo "    $WIDEN_OUTCOME: $WIDEN_CHANGES widenings, $WIDEN_STATEMENTS statements, ${WIDEN_WALL}s wall"
}

# proc_cpu_ticks PID: user + system CPU time of PID in clock ticks.
proc_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
proc_status_kib() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }

# resident_by_mapping PID: the process's resident KiB per mapped file ([heap], [stack] and unnamed anonymous
# mappings as [anonymous]), largest first: where the idle daemon's memory is.
resident_by_mapping() {
    awk '/^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6 ? $6 : "[anonymous]"); next }
         $1 == "Rss:" && $2 > 0 { kib[name] += $2 }
         END { for (n in kib) printf "%7d %s\n", kib[n], n }' "/proc/$1/smaps" 2>/dev/null | sort -rn
}

# daemon_benchmarks MODELS: one daemon run; appends its rows to DAEMON_ROWS (and its memory goal to IDLE_GOAL_ROWS).
DAEMON_ROWS=
IDLE_GOAL_ROWS=
daemon_benchmarks() {
    local DAEMON_MODELS=$1
    echo "==> daemon: a bare repository of a $DAEMON_MODELS-model schema, enginesync run watching it"
    local bare=$WORK/schema-$DAEMON_MODELS.git clone=$WORK/clone-$DAEMON_MODELS state=$WORK/state-$DAEMON_MODELS
    git init -q --bare -b main "$bare"
    git clone -q "$bare" "$clone" 2>/dev/null
    git -C "$clone" config user.name bench
    git -C "$clone" config user.email bench@example.invalid
    "$BENCH" generate "$clone" --models "$DAEMON_MODELS"
    git -C "$clone" add -A
    git -C "$clone" commit -q -m "bench: $DAEMON_MODELS models"
    git -C "$clone" push -q origin HEAD:main
    "$PSQL" -X -q -d "$DSN" -c "CREATE DATABASE bench_daemon_$DAEMON_MODELS"
    : >"$WORK/daemon.yaml"
    # The whole binary in the page cache, as after scripts/install.sh copied it: the kernel maps the 64 KB around a
    # page fault only from pages already cached, so a half-read binary would show less resident code than a host has.
    cat "$BIN" >/dev/null
    # The daemon runs with the environment its systemd unit gives it (the unit's Environment= lines).
    local unit_environment=()
    mapfile -t unit_environment < <(sed -n 's/^Environment=//p' systemd/enginesync.service)
    env "${unit_environment[@]}" "$BIN" run --config "$WORK/daemon.yaml" --repo "$bare" --branch main --database "$(dsn "bench_daemon_$DAEMON_MODELS")" \
        --state-dir "$state" --log-level debug 2>"$WORK/daemon.err" &
    DAEMON_PID=$!
    local first
    first=$(git -C "$clone" rev-parse HEAD)
    for _ in $(seq 1 600); do
        [ -f "$state/reports/$first.json" ] && break
        kill -0 "$DAEMON_PID" 2>/dev/null || { echo "the daemon exited:" >&2; cat "$WORK/daemon.err" >&2; exit 1; }
        sleep 0.1
    done
    [ -f "$state/reports/$first.json" ] || { echo "no first report after 60 s" >&2; cat "$WORK/daemon.err" >&2; exit 1; }
    echo "    first reconcile: $(jq -r '.outcome' "$state/reports/$first.json"), $(jq '.applied | length' "$state/reports/$first.json") changes"

    echo "==> $PUSHES one-column pushes (push → <sha>.json)"
    LATENCY=$("$BENCH" push-latency "$clone" "$state/reports" --models "$DAEMON_MODELS" --pushes "$PUSHES")
    echo "$LATENCY"
    LATENCY_P50=$(echo "$LATENCY" | sed -n 's/^  push returned → report: p50 \([0-9.]*\) ms.*/\1/p')
    LATENCY_P99=$(echo "$LATENCY" | sed -n 's/^  push returned → report: p50 [0-9.]* ms, p99 \([0-9.]*\) ms.*/\1/p')
    START_P50=$(echo "$LATENCY" | sed -n 's/^  push started → report: p50 \([0-9.]*\) ms.*/\1/p')
    START_P99=$(echo "$LATENCY" | sed -n 's/^  push started → report: p50 [0-9.]* ms, p99 \([0-9.]*\) ms.*/\1/p')
    # The daemon's own phase timings (debug line `reconcile phases ms.<phase>=…`), the first reconcile left out.
    DAEMON_PHASES=$({ grep 'reconcile phases' "$WORK/daemon.err" || true; } | tail -n +2 \
        | sed -n 's/.*reconcile\.phases_ms=\([^ ]*\).*/\1/p' | tr ',' ' ' | awk '
        { for (i = 1; i <= NF; i++) {
              split($i, kv, ":"); if (!(kv[1] in seen)) { seen[kv[1]] = 1; order[++n] = kv[1] }
              values[kv[1]] = values[kv[1]] " " kv[2] } }
        END { for (k = 1; k <= n; k++) {
                  m = split(values[order[k]], v, " ")
                  for (i = 2; i <= m; i++) { x = v[i] + 0; j = i - 1
                      while (j > 0 && v[j] + 0 > x) { v[j + 1] = v[j]; j-- }
                      v[j + 1] = x }
                  printf "  %s: median %.1f ms, max %.1f ms\n", order[k], v[int((m + 1) / 2)], v[m] } }')
    echo "    the daemon's phases (median over the pushes):"
    echo "$DAEMON_PHASES"

    echo "==> idle daemon: CPU over ${IDLE_SECONDS}s, RSS"
    # catalog.json is written once the daemon has been quiet for a second: let that finish first.
    sleep 5
    local ticks_before ticks_after hertz
    hertz=$(getconf CLK_TCK)
    ticks_before=$(proc_cpu_ticks "$DAEMON_PID")
    sleep "$IDLE_SECONDS"
    ticks_after=$(proc_cpu_ticks "$DAEMON_PID")
    IDLE_CPU_MS=$(( (ticks_after - ticks_before) * 1000 / hertz ))
    IDLE_CPU_PCT=$(awk -v ms="$IDLE_CPU_MS" -v s="$IDLE_SECONDS" 'BEGIN { printf "%.3f", ms / (s * 10) }')
    IDLE_RSS_MIB=$(awk -v k="$(proc_status_kib "$DAEMON_PID" VmRSS)" 'BEGIN { printf "%.1f", k / 1024 }')
    PEAK_RSS_MIB=$(awk -v k="$(proc_status_kib "$DAEMON_PID" VmHWM)" 'BEGIN { printf "%.1f", k / 1024 }')
    ANON_MIB=$(awk -v k="$(proc_status_kib "$DAEMON_PID" RssAnon)" 'BEGIN { printf "%.1f", k / 1024 }')
    FILE_MIB=$(awk -v k="$(proc_status_kib "$DAEMON_PID" RssFile)" 'BEGIN { printf "%.1f", k / 1024 }')
    PSS_MIB=$(awk '$1 == "Pss:" { printf "%.1f", $2 / 1024 }' "/proc/$DAEMON_PID/smaps_rollup" 2>/dev/null || echo "-")
    echo "    ${IDLE_CPU_MS} ms of CPU in ${IDLE_SECONDS}s (${IDLE_CPU_PCT} %), RSS ${IDLE_RSS_MIB} MiB (peak ${PEAK_RSS_MIB} MiB):" \
        "${ANON_MIB} MiB anonymous, ${FILE_MIB} MiB file-backed (code of the binary and shared libraries); PSS ${PSS_MIB} MiB"
    echo "    resident by mapping (KiB; the largest first):"
    resident_by_mapping "$DAEMON_PID" | head -n 16 | sed 's/^/      /'
    # A push after the idle period: the daemon has let go of its compile cache at its first idle turn (docs/DSL.md),
    # so this is what a push costs when pushes are minutes apart.
    local spaced
    spaced=$("$BENCH" push-latency "$clone" "$state/reports" --models "$DAEMON_MODELS" --pushes 1 --first "$((PUSHES + 1))")
    SPACED_MS=$(echo "$spaced" | sed -n 's/^  push returned → report: p50 \([0-9.]*\) ms.*/\1/p')
    echo "    a push after the idle period (compile cache released): ${SPACED_MS} ms from push to report"
    kill -TERM "$DAEMON_PID"
    local status=0
    wait "$DAEMON_PID" || status=$?
    DAEMON_PID=
    echo "    SIGTERM → exit $status"
    # Issue 14's goals: push → report p50 ≤ 150 ms and p99 ≤ 300 ms at 1,000 models, p50 ≤ 50 ms at 100.
    local p50_goal=50 rss_goal="≤ 25 MB on a small schema" rss_goal_mb=25
    if [ "$DAEMON_MODELS" -ge 1000 ]; then p50_goal=150; rss_goal="≤ 60 MB after a 1,000-model reconcile"; rss_goal_mb=60; fi
    # Issue 14's memory goals are in MB (10^6 bytes); /proc reports KiB.
    local rss_mb rss_verdict
    rss_mb=$(awk -v m="$IDLE_RSS_MIB" 'BEGIN { printf "%.1f", m * 1.048576 }')
    rss_verdict=$(verdict "$rss_mb" "$rss_goal_mb")
    IDLE_GOAL_ROWS+="3. idle daemon RSS, $DAEMON_MODELS models|$rss_mb MB|$rss_goal|$rss_verdict"$'\n'

    DAEMON_ROWS+=$(
        row "[daemon, $DAEMON_MODELS models, $PUSHES pushes]" "" "" ""
        row "push returned → report, p50" "${LATENCY_P50} ms" "-" "goal ≤ $p50_goal ms ($(verdict "$LATENCY_P50" "$p50_goal"))"
        row "push returned → report, p99" "${LATENCY_P99} ms" "-" "goal ≤ 300 ms ($(verdict "$LATENCY_P99" 300))"
        row "push started → report, p50 / p99" "${START_P50} / ${START_P99} ms" "-" "includes git push itself"
        row "push returned → report, after the idle period" "${SPACED_MS} ms" "-" "one push; the compile cache was released while idle"
        echo "$DAEMON_PHASES" | sed -n 's/^  \([a-z+-]*\): median \([0-9.]*\) ms, max \([0-9.]*\) ms$/\1 \2 \3/p' \
            | while read -r name median max; do row "  daemon phase: $name" "$median ms" "-" "median; max $max ms"; done
        row "idle CPU over ${IDLE_SECONDS}s" "${IDLE_CPU_MS} ms" "-" "${IDLE_CPU_PCT} % of one core"
        row "idle daemon RSS" "${IDLE_RSS_MIB} MiB" "${PEAK_RSS_MIB} MiB" "$rss_mb MB, goal $rss_goal ($rss_verdict); anonymous ${ANON_MIB} MiB, file-backed ${FILE_MIB} MiB, PSS ${PSS_MIB} MiB"
    )$'\n'
}
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { if (v == "") print "?"; else if (v + 0 <= g + 0) print "met"; else print "missed" }'; }
row() { printf '%-52s %12s %10s  %s\n' "$@"; }

[ "$RUN_SCHEMA" -eq 0 ] || schema_benchmarks
# memory_benchmarks: issue 14 goal 3, "nothing grows over 1,000 reconciles": the daemon's reconcile pipeline
# (`enginesync-bench reconcile-loop --trim`: Reconciler with its snapshot cache, malloc_trim after each reconcile)
# $RECONCILES times in one process on a 100-model schema; RSS after 1, 10, 100, … and the growth after the 10th.
memory_benchmarks() {
    echo "==> the reconcile pipeline $RECONCILES times in one process (100 models, nothing to apply after the first)"
    "$BENCH" generate "$WORK/loop" --models 100
    "$PSQL" -X -q -d "$DSN" -c 'CREATE DATABASE bench_loop'
    LOOP=$("$BENCH" reconcile-loop "$WORK/loop" --database "$(dsn bench_loop)" --runs "$RECONCILES" --trim)
    echo "$LOOP"
    LOOP_FIRST=$(echo "$LOOP" | sed -n 's/^  after 1: RSS \([0-9.]*\) MiB.*/\1/p')
    LOOP_LAST=$(echo "$LOOP" | sed -n "s/^  after $RECONCILES: RSS \([0-9.]*\) MiB.*/\1/p")
    LOOP_GROWTH=$(echo "$LOOP" | sed -n 's/^  growth from reconcile 10 to [0-9]*: RSS \(-*[0-9.]*\) MiB.*/\1/p')
    LOOP_GROWTH_ANON=$(echo "$LOOP" | sed -n 's/^  growth .*, anonymous \(-*[0-9.]*\) MiB.*/\1/p')
    LOOP_GROWTH_HEAP=$(echo "$LOOP" | sed -n 's/^  growth .*, heap in use \(-*[0-9.]*\) MiB.*/\1/p')
}

if [ "$RUN_DAEMON" -eq 1 ]; then
    for models in $DAEMON_MODELS; do daemon_benchmarks "$models"; done
    memory_benchmarks
fi

# Issue 14 goal 1: the daemon's compile of a one-field commit against the previous commit's cache (pure, ~1 s).
# An older enginesync-bench (--bin-dir) has no such command: the figure is then "-".
echo "==> incremental compile ($MODELS models × 30 fields, one field added to one model, no database)"
INCREMENTAL=$("$BENCH" compile-incremental --models "$MODELS" 2>&1 || true)
echo "$INCREMENTAL"
INCREMENTAL_MS=$(echo "$INCREMENTAL" | sed -n 's/^compile-incremental:.*median \([0-9.]*\) ms.*/\1/p')

echo
echo "enginesync benchmarks: $(nproc) cores, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
row "measure" "value" "peak RSS" "notes"
if [ "$RUN_SCHEMA" -eq 1 ]; then
    row "[$MODELS models × 30 fields, $TABLES tables]" "" "" ""
    row "compile DSL (enginesync-bench, median of 7)" "${COMPILE_MS} ms" "-" "target < 100 ms at 1,000×30"
    row "Planner.plan, nothing to do (median of 7)" "${PLANNER_MS} ms" "-" "pure, no database"
    row "sync on an empty database (median of $CREATE_RUNS)" "${SYNC_WALL} s" "${SYNC_RSS} MiB" "$SYNC_OUTCOME; $SYNC_CHANGES changes, $SYNC_STATEMENTS statements; reconcile ${SYNC_ENGINE_MS} ms"
    row "psql, the same DDL in one transaction (median)" "${PSQL_DDL_WALL} s" "-" "sync / psql = $(ratio "$SYNC_WALL" "$PSQL_DDL_WALL") (medians of $CREATE_RUNS alternate runs; the first sync: ${SYNC_COLD_WALL} s)"
    row "plan on the synced database (median of $PLAN_RUNS)" "${PLAN_WALL} s" "${PLAN_RSS} MiB" "reconcile ${PLAN_ENGINE_MS} ms"
    row "  phases: compile" "$(phase compile) ms" "-" "DSL files → compiled DSL"
    row "  phases: connect" "$(phase connect) ms" "-" ""
    row "  phases: introspect" "$(phase introspect) ms" "-" "the 5 catalog queries → live schema"
    row "  phases: snapshot" "$(phase snapshot) ms" "-" "latest snapshot row (recompiled only if its hash differs)"
    row "  phases: diff" "$(phase diff) ms" "-" "Planner.plan + effective hash"
    row "  phases: total" "$(phase total) ms" "-" ""
    row "psql, the bare catalog queries (median of $PLAN_RUNS)" "${PSQL_CATALOG_WALL} s" "-" \
        "plan wall / psql = $(ratio "$PLAN_WALL" "$PSQL_CATALOG_WALL"); phases total / psql = $(ratio "$(phase total)" "$(awk -v s="$PSQL_CATALOG_WALL" 'BEGIN { print s * 1000 }')")"
    if [ "$RUN_PEERS" = 1 ]; then
        row "peer: migra, database against itself (median of $PLAN_RUNS)" "${MIGRA_WALL} s" "-" \
            "migra / psql catalog = $(ratio "$MIGRA_WALL" "$PSQL_CATALOG_WALL"); enginesync plan / migra = $(ratio "$PLAN_WALL" "$MIGRA_WALL")"
        row "peer: alembic compare_metadata (median of $PLAN_RUNS)" "${ALEMBIC_WALL} s" "-" \
            "alembic / psql catalog = $(ratio "$ALEMBIC_WALL" "$PSQL_CATALOG_WALL"); enginesync plan / alembic = $(ratio "$PLAN_WALL" "$ALEMBIC_WALL")"
    fi
    row "widening sync" "${WIDEN_WALL} s" "${WIDEN_RSS} MiB" "$WIDEN_OUTCOME; $WIDEN_CHANGES widenings, $WIDEN_STATEMENTS statements; reconcile ${WIDEN_ENGINE_MS} ms"
fi
if [ "$RUN_DAEMON" -eq 1 ]; then
    printf '%s' "$DAEMON_ROWS"
    row "[memory over time]" "" "" ""
    row "reconcile pipeline ×$RECONCILES in one process" "${LOOP_LAST} MiB" "-" "100 models; ${LOOP_FIRST} MiB after the first; growth after the 10th: ${LOOP_GROWTH} MiB (anonymous ${LOOP_GROWTH_ANON}, heap in use ${LOOP_GROWTH_HEAP:-?})"
fi

# Issue 14's goals measured by the schema part and the loop, each against its figure (MB = 10^6 bytes; the figures
# above are MiB). The daemon's (push → report, RSS) carry their verdicts in their rows above.
echo
echo "issue 14 goals"
goal() { printf '%-58s %14s  %-26s %s\n' "$1" "$2" "$3" "$4"; }
# goal_verdict VALUE OP LIMIT: "met" or "MISSED"; "-" when there is no value.
goal_verdict() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { if (v == "" || v == "-") { print "-"; exit }
    ok = (op == "<=") ? (v + 0 <= l + 0) : (op == "<") ? (v + 0 < l + 0) : 0; print ok ? "met" : "MISSED" }'; }
mb() { awk -v m="$1" 'BEGIN { if (m == "") print "-"; else printf "%.1f", m * 1.048576 }'; }
goal "goal" "figure" "target" "verdict"
if [ "$RUN_SCHEMA" -eq 1 ]; then
    PLAN_RATIO=$(ratio "$PLAN_WALL" "$PSQL_CATALOG_WALL")
    CREATE_RATIO=$(ratio "$SYNC_WALL" "$PSQL_DDL_WALL")
    goal "2. plan, unchanged $MODELS×30, wall / psql catalog queries" "$PLAN_RATIO" "≤ 1.2" "$(goal_verdict "$PLAN_RATIO" "<=" 1.2)"
    goal "4. create from empty, sync wall / psql same DDL" "$CREATE_RATIO" "≤ 1" "$(goal_verdict "$CREATE_RATIO" "<=" 1)"
    goal "4. compile $MODELS×30 (median of 7)" "${COMPILE_MS} ms" "< 100 ms" "$(goal_verdict "$COMPILE_MS" "<" 100)"
fi
goal "1. incremental compile, one field of $MODELS×30 (median of 7)" "${INCREMENTAL_MS:--} ms" "≤ 20 ms" "$(goal_verdict "${INCREMENTAL_MS:--}" "<=" 20)"
if [ "$RUN_DAEMON" -eq 1 ]; then
    goal "3. RSS growth, reconciles 10 → $RECONCILES" "$(mb "$LOOP_GROWTH") MB" "nothing grows (< 1 MB)" "$(goal_verdict "$(mb "$LOOP_GROWTH")" "<" 1)"
    goal "3. heap in use growth, reconciles 10 → $RECONCILES" "$(mb "${LOOP_GROWTH_HEAP:-}") MB" "nothing grows (< 1 MB)" "$(goal_verdict "$(mb "${LOOP_GROWTH_HEAP:-}")" "<" 1)"
    while IFS='|' read -r name figure target result; do
        if [ -n "$name" ]; then goal "$name" "$figure" "$target" "$result"; fi
    done <<<"$IDLE_GOAL_ROWS"
fi
