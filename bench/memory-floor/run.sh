#!/usr/bin/env bash
# The resident memory of an idle Swift program linking what enginesync must link (docs/BENCHMARKS.md,
# "The floor under the idle-RSS goals"). Builds the variants like scripts/install.sh builds enginesync
# (release, --static-swift-stdlib), starts a throwaway PostgreSQL and a bare repository, runs each variant until
# it prints `ready`, waits 3 s and prints VmRSS / RssAnon / RssFile and its largest mappings. Asserts nothing.
#
#   bench/memory-floor/run.sh [--runs N]
set -euo pipefail
cd "$(dirname "$0")"
RUNS=1
[ "${1:-}" = "--runs" ] && RUNS=${2:?--runs needs a number}
VARIANTS=(bare pq gitinit pqgit pqgit-essentials pqgit-foundation)

for variant in "${VARIANTS[@]}"; do
    swift build -c release --static-swift-stdlib --product "$variant" >/dev/null
done
BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)

# shellcheck source=../../scripts/scratch-postgres.sh
source ../../scripts/scratch-postgres.sh
WORK=$(mktemp -d /tmp/enginesync-memory-floor.XXXXXX)
PID=
cleanup() {
    [ -z "$PID" ] || kill "$PID" 2>/dev/null || true
    rm -rf "$WORK"
    scratch_postgres_stop || true
}
trap cleanup EXIT
scratch_postgres_start >/dev/null
git init -q --bare -b main "$WORK/repo.git"
git -C "$WORK" clone -q repo.git clone 2>/dev/null
git -C "$WORK/clone" -c user.name=floor -c user.email=floor@example.invalid commit -q --allow-empty -m floor
git -C "$WORK/clone" push -q origin HEAD:main
CONNINFO="host=$SCRATCH_PGHOST port=$SCRATCH_PGPORT user=postgres dbname=postgres"

mib() { awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; }
status_kib() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }
printf '%-18s %4s %9s %9s %9s %11s\n' variant run "VmRSS" "RssAnon" "RssFile" "binary MiB"
for variant in "${VARIANTS[@]}"; do
    for run in $(seq 1 "$RUNS"); do
        "$BIN/$variant" "$CONNINFO" "$WORK/repo.git" >"$WORK/out" 2>&1 &
        PID=$!
        for _ in $(seq 1 100); do grep -q '^ready' "$WORK/out" && break; sleep 0.1; done
        grep -q '^ready' "$WORK/out" || { echo "$variant did not start:" >&2; cat "$WORK/out" >&2; exit 1; }
        sleep 3
        printf '%-18s %4s %9s %9s %9s %11s\n' "$variant" "$run" "$(mib "$(status_kib "$PID" VmRSS)")" \
            "$(mib "$(status_kib "$PID" RssAnon)")" "$(mib "$(status_kib "$PID" RssFile)")" \
            "$(mib $(($(stat -c %s "$BIN/$variant") / 1024)))"
        if [ "$run" = 1 ] && { [ "$variant" = pqgit ] || [ "$variant" = pqgit-foundation ]; }; then
            python3 smaps.py "$PID" 12 | sed 's/^/    /'
        fi
        kill "$PID"
        wait "$PID" 2>/dev/null || true
        PID=
    done
done
