#!/usr/bin/env bash
# THE benchmark command (docs/BENCHMARKS.md): prints figures, asserts nothing.
#   1. swift build -c release (enginesync + enginesync-bench)
#   2. pure benchmarks: DSL compile and Planner.plan (no database), medians
#   3. a scratch PostgreSQL 15 cluster (stopped on exit), a generated DSL repository of N models × 30 fields,
#      then the real binary: sync on an empty database, plan ×5 on the synced one, a widening sync
#   4. a table of the figures
# Usage: scripts/bench.sh [--models N]     (N defaults to 1000)
set -euo pipefail
cd "$(dirname "$0")/.."

MODELS=1000
PLAN_RUNS=5
while [ $# -gt 0 ]; do
    case "$1" in
        --models) MODELS=${2:?--models needs a number}; shift 2 ;;
        --models=*) MODELS=${1#--models=}; shift ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (usage: scripts/bench.sh [--models N])" >&2; exit 64 ;;
    esac
done
case "$MODELS" in ''|*[!0-9]*|0) echo "--models needs a positive number" >&2; exit 64 ;; esac

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

need_packages=()
dpkg -s libgit2-dev >/dev/null 2>&1 || need_packages+=(libgit2-dev)
dpkg -s libpq-dev >/dev/null 2>&1 || need_packages+=(libpq-dev)
[ -x "$PG_BIN/initdb" ] || need_packages+=(postgresql-15)
[ -x /usr/bin/time ] || need_packages+=(time)
command -v jq >/dev/null 2>&1 || need_packages+=(jq)
if [ ${#need_packages[@]} -gt 0 ]; then
    echo "==> installing ${need_packages[*]}"
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

echo "==> swift build -c release"
# One product per invocation: given several --product flags, swift build builds only the last one.
swift build -c release --product enginesync
swift build -c release --product enginesync-bench
BIN=$PWD/.build/release/enginesync
BENCH=$PWD/.build/release/enginesync-bench

echo "==> pure benchmarks ($MODELS models × 30 fields, no database)"
PURE=$("$BENCH" --models "$MODELS")
echo "$PURE"
COMPILE_MS=$(echo "$PURE" | sed -n 's/^compile:.*median \([0-9.]*\) ms.*/\1/p')
PLANNER_MS=$(echo "$PURE" | sed -n 's/^plan:.*median \([0-9.]*\) ms.*/\1/p')

# shellcheck source=scripts/scratch-postgres.sh
source "$(dirname "$0")/scratch-postgres.sh"
WORK=$(mktemp -d /tmp/enginesync-bench.XXXXXX)
cleanup() {
    local status=$?
    rm -rf "$WORK"
    scratch_postgres_stop || true
    exit "$status"
}
trap cleanup EXIT
scratch_postgres_start
DSN="host=$SCRATCH_PGHOST port=$SCRATCH_PGPORT user=postgres dbname=postgres"

echo "==> generating $MODELS models × 30 fields in $WORK"
"$BENCH" generate "$WORK/repo" --models "$MODELS"
"$BENCH" generate "$WORK/repo-widened" --models "$MODELS" --widen

# timed NAME EXPECTED_EXIT CMD...: runs CMD under /usr/bin/time; sets T_WALL (s), T_RSS (MiB); JSON in $WORK/NAME.json.
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

echo "==> sync --dir on an empty database (one transaction)"
timed sync 0 "$BIN" sync --dir "$WORK/repo" --database "$DSN" --format json
SYNC_WALL=$T_WALL SYNC_RSS=$T_RSS
SYNC_CHANGES=$(jq '.applied | length' "$WORK/sync.json")
SYNC_STATEMENTS=$(statements "$WORK/sync.json")
SYNC_OUTCOME=$(jq -r '.outcome' "$WORK/sync.json")
SYNC_ENGINE_MS=$(jq '.duration_ms' "$WORK/sync.json")
echo "    $SYNC_OUTCOME: $SYNC_CHANGES changes, $SYNC_STATEMENTS statements, ${SYNC_WALL}s wall, ${SYNC_RSS} MiB peak RSS"
jq -r '.applied | group_by(.kind) | map("    \(.[0].kind): \(length)") | .[]' "$WORK/sync.json"

echo "==> plan --dir on the synced database ×$PLAN_RUNS (introspection + planning, nothing to do)"
: >"$WORK/plan-walls" ; : >"$WORK/plan-rss" ; : >"$WORK/plan-engine"
for run in $(seq 1 "$PLAN_RUNS"); do
    timed plan 0 "$BIN" plan --dir "$WORK/repo" --database "$DSN" --format json
    changes=$(jq '(.applied | length) + (.blocked | length)' "$WORK/plan.json")
    echo "    run $run: ${T_WALL}s wall, ${T_RSS} MiB peak RSS, $(jq '.duration_ms' "$WORK/plan.json") ms in reconcile, $changes changes"
    echo "$T_WALL" >>"$WORK/plan-walls"
    echo "$T_RSS" >>"$WORK/plan-rss"
    jq '.duration_ms' "$WORK/plan.json" >>"$WORK/plan-engine"
done
PLAN_WALL=$(median <"$WORK/plan-walls")
PLAN_RSS=$(median <"$WORK/plan-rss")
PLAN_ENGINE_MS=$(median <"$WORK/plan-engine")

echo "==> widening sync (10% of string lengths raised)"
timed widen 0 "$BIN" sync --dir "$WORK/repo-widened" --database "$DSN" --format json
WIDEN_WALL=$T_WALL WIDEN_RSS=$T_RSS
WIDEN_CHANGES=$(jq '[.applied[] | select(.kind == "widen_column")] | length' "$WORK/widen.json")
WIDEN_STATEMENTS=$(statements "$WORK/widen.json")
WIDEN_OUTCOME=$(jq -r '.outcome' "$WORK/widen.json")
WIDEN_ENGINE_MS=$(jq '.duration_ms' "$WORK/widen.json")
echo "    $WIDEN_OUTCOME: $WIDEN_CHANGES widenings, $WIDEN_STATEMENTS statements, ${WIDEN_WALL}s wall"

TABLES=$(echo "$PURE" | sed -n 's/^compile:.*(\([0-9]*\) tables).*/\1/p')
echo
echo "enginesync benchmarks: $MODELS models × 30 fields ($TABLES tables), $(nproc) cores, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')"
printf '%-46s %12s %10s  %s\n' "measure" "wall" "peak RSS" "notes"
printf '%-46s %12s %10s  %s\n' "compile DSL (enginesync-bench, median of 7)" "${COMPILE_MS} ms" "-" "target < 100 ms at 1,000×30"
printf '%-46s %12s %10s  %s\n' "Planner.plan, nothing to do (median of 7)" "${PLANNER_MS} ms" "-" "pure, no database"
printf '%-46s %12s %10s  %s\n' "sync on an empty database" "${SYNC_WALL} s" "${SYNC_RSS} MiB" "$SYNC_OUTCOME; $SYNC_CHANGES changes, $SYNC_STATEMENTS statements; reconcile ${SYNC_ENGINE_MS} ms"
printf '%-46s %12s %10s  %s\n' "plan on the synced database (median of $PLAN_RUNS)" "${PLAN_WALL} s" "${PLAN_RSS} MiB" "reconcile ${PLAN_ENGINE_MS} ms (introspection + planning)"
printf '%-46s %12s %10s  %s\n' "widening sync" "${WIDEN_WALL} s" "${WIDEN_RSS} MiB" "$WIDEN_OUTCOME; $WIDEN_CHANGES widenings, $WIDEN_STATEMENTS statements; reconcile ${WIDEN_ENGINE_MS} ms"
