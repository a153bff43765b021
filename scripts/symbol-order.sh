#!/usr/bin/env bash
# Regenerates linking/enginesync.order: the functions the daemon runs, in the order the linker places first.
#
#   scripts/symbol-order.sh                        build the release binary (scripts/release-build.sh), profile
#                                                  it, write the file
#   scripts/symbol-order.sh --check [--bin-dir DIR]
#                                                  how many of the file's names the release binary (or
#                                                  DIR/enginesync) still defines; no profile
#
# Why (docs/BENCHMARKS.md, "The daemon's code, placed by use"): the kernel maps a program's code in 64 KB
# blocks around each page it runs, so functions the daemon runs scattered among 20 MB of code it never runs kept
# ~13 MiB of the binary resident. lld places the functions named in this file first and in a block of their own.
#
# How: the daemon runs under valgrind's callgrind (every function executed, not a sample) on a 4-model schema
# pushed to a bare repository: start, first reconcile, two one-field commits, one narrowing commit (blocked), the
# idle turn, SIGTERM; at `--log-level debug`, so that the code of every level's messages is placed too (operators
# run at info, scripts/bench.sh at debug for the daemon's phase timings). lld moves whole input sections, and applies a name to every symbol that has it: a name
# defined more than once (local helpers such as `objectdestroyTm`, one per object file) is left out when one of
# its definitions sits in a section of 16 KiB or more holding other functions (the toolchain's libraries are not
# built with one section per function), which would drag that whole section along. Rerun after changes to what
# the daemon runs; a stale file only costs memory (lld ignores names it does not find). Needs valgrind (installed
# with apt-get if missing) and python3.
set -euo pipefail
BIN_DIR=
CHECK=0
while [ $# -gt 0 ]; do
    case "$1" in
    --bin-dir) BIN_DIR=$(cd "${2:?--bin-dir needs a directory}" && pwd); shift 2 ;;
    --check) CHECK=1; shift ;;
    *) echo "usage: $0 [--check] [--bin-dir DIR]" >&2; exit 64 ;;
    esac
done
cd "$(dirname "$0")/.."
ORDER_FILE=linking/enginesync.order

LINK_MAP=
if [ -n "$BIN_DIR" ]; then
    BIN=$BIN_DIR/enginesync
    BENCH=$BIN_DIR/enginesync-bench
    [ "$CHECK" = 1 ] || { echo "--bin-dir needs --check: the profile needs the link map of a build" >&2; exit 64; }
else
    # shellcheck source=scripts/release-build.sh
    source scripts/release-build.sh
    release_build enginesync
    [ "$CHECK" = 1 ] || release_build enginesync-bench
    BIN=$(release_bin_path)/enginesync
    # The link map (which input section holds each symbol) for the filter below: link once more with it.
    if [ "$CHECK" = 0 ]; then
        LINK_MAP=$(mktemp /tmp/enginesync-link-map.XXXXXX)
        rm -f "$BIN"
        release_build enginesync -Xlinker "-Map=$LINK_MAP"
    fi
    BENCH=$(release_bin_path)/enginesync-bench
fi

defined_names() { nm --defined-only "$BIN" | awk '{print $NF}' | sort; }

if [ "$CHECK" = 1 ]; then
    total=$(grep -cv '^#' "$ORDER_FILE")
    found=$(grep -v '^#' "$ORDER_FILE" | sort -u | comm -12 - <(defined_names | uniq) | wc -l)
    echo "$ORDER_FILE: $found of $total symbols defined by $BIN"
    exit 0
fi

command -v valgrind >/dev/null 2>&1 || {
    echo "==> installing valgrind"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
}

# shellcheck source=scripts/scratch-postgres.sh
source scripts/scratch-postgres.sh
WORK=$(mktemp -d /tmp/enginesync-order.XXXXXX)
DAEMON_PID=
cleanup() {
    local status=$?
    if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null || true; wait "$DAEMON_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
    [ -z "$LINK_MAP" ] || rm -f "$LINK_MAP"
    scratch_postgres_stop || true
    exit "$status"
}
trap cleanup EXIT
scratch_postgres_start

# valgrind 3.19 (Debian 12) cannot read the DWARF 5 the toolchain writes: profile a copy without it (the symbol
# table, which names the functions, stays).
objcopy --strip-debug "$BIN" "$WORK/enginesync"

git init -q --bare -b main "$WORK/bare"
git clone -q "$WORK/bare" "$WORK/clone" 2>/dev/null
git -C "$WORK/clone" config user.name order
git -C "$WORK/clone" config user.email order@example.invalid
"$BENCH" generate "$WORK/clone" --models 4 >/dev/null
git -C "$WORK/clone" add -A
git -C "$WORK/clone" commit -q -m "4 models"
git -C "$WORK/clone" push -q origin HEAD:main
"$PG_BIN/psql" -X -q -h "$SCRATCH_PGHOST" -p "$SCRATCH_PGPORT" -U postgres -d postgres -c "CREATE DATABASE profiled"
: >"$WORK/enginesync.yaml"

echo "==> the daemon under callgrind"
valgrind --tool=callgrind --demangle=no --callgrind-out-file="$WORK/callgrind.out" "$WORK/enginesync" run \
    --config "$WORK/enginesync.yaml" --repo "$WORK/bare" --branch main --state-dir "$WORK/state" \
    --database "host=$SCRATCH_PGHOST port=$SCRATCH_PGPORT user=postgres dbname=profiled" \
    --log-level debug 2>"$WORK/daemon.err" &
DAEMON_PID=$!

wait_for_report() {
    local sha
    sha=$(git -C "$WORK/clone" rev-parse HEAD)
    for _ in $(seq 1200); do
        [ -f "$WORK/state/reports/$sha.json" ] && return 0
        kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$WORK/daemon.err" >&2; exit 1; }
        sleep 0.1
    done
    echo "no report for $sha after 120 s" >&2
    cat "$WORK/daemon.err" >&2
    exit 1
}
# edit_model MODEL PYTHON: runs PYTHON with `fields` bound to the model's fields, then commits and pushes.
edit_model() {
    python3 - "$WORK/clone/dsl/models/$1.json" "$2" <<'PY'
import json, sys
path, change = sys.argv[1], sys.argv[2]
model = json.load(open(path))
fields = model["fields"]
exec(change)
json.dump(model, open(path, "w"), indent=2)
PY
    git -C "$WORK/clone" commit -q -a -m "$2"
    git -C "$WORK/clone" push -q origin HEAD:main
    wait_for_report
}
wait_for_report
edit_model model_00001 'fields["nickname"] = {"type": "string", "length": 40}'
edit_model model_00002 'fields["motto"] = {"type": "text"}'
edit_model model_00001 'del fields["nickname"]'
sleep 5 # the idle turn
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || true
DAEMON_PID=

# callgrind's output names each object (ob=) and function (fn=, cfn=) once, then by number.
python3 - "$WORK/callgrind.out" "$WORK/executed" <<'PY'
import re, sys
objects, functions, executed, current = {}, {}, set(), None
line_pattern = re.compile(r"^(ob|cob|fn|cfn)=\((\d+)\)(?: (.*))?$")
for line in open(sys.argv[1]):
    match = line_pattern.match(line.rstrip("\n"))
    if not match:
        continue
    kind, number, name = match.groups()
    if kind in ("ob", "cob"):
        if name:
            objects[number] = name
        if kind == "ob":
            current = objects[number]
    else:
        if name:
            functions[number] = name
        if kind == "fn" and current and current.endswith("/enginesync"):
            name = re.sub(r"'\d+$", "", functions[number])  # callgrind marks recursion depth as 'N
            if not name.startswith("0x"):  # code without a symbol cannot be named to the linker
                executed.add(name)
open(sys.argv[2], "w").write("\n".join(sorted(executed)) + "\n")
PY
# lld's map: an input section line (address, size, alignment, `file:(section)`), then its symbols, indented.
python3 - "$LINK_MAP" "$WORK/executed" "$WORK/kept" <<'PY'
import collections, re, sys
link_map, executed_path, kept_path = sys.argv[1:]
row = re.compile(r"^\s*[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+\s+(.*)$")
definitions = collections.Counter()
dragging = set()  # names with a definition in a large section of many functions
section_is_shared = False
for line in open(link_map):
    match = row.match(line.rstrip("\n"))
    if not match:
        continue
    size, rest = int(match.group(1), 16), match.group(2).strip()
    if ":(" in rest:
        section = rest[rest.index(":(") + 2 : -1]
        section_is_shared = section == ".text" and size >= 16 * 1024
    else:
        definitions[rest] += 1
        if section_is_shared:
            dragging.add(rest)
executed = [name for name in open(executed_path).read().split("\n") if name]
kept = [name for name in executed if definitions[name] <= 1 or name not in dragging]
open(kept_path, "w").write("\n".join(kept) + "\n")
PY
mkdir -p linking
{
    echo "# The functions the daemon runs, placed first by the linker (lld --symbol-ordering-file)."
    echo "# Generated by scripts/symbol-order.sh; do not edit. See docs/BENCHMARKS.md."
    cat "$WORK/kept"
} >"$ORDER_FILE"
echo "==> $ORDER_FILE: $(grep -cv '^#' "$ORDER_FILE") functions of $(wc -l <"$WORK/executed") executed"
rm -f "$BIN" # the next build links with the new order (swift build does not see the file change)
