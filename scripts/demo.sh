#!/usr/bin/env bash
# THE demo command (README): on a fresh Debian 12 machine with Swift 6.3 it
#   - installs what is missing (scripts/ensure-packages.sh) and builds enginesync (release),
#   - starts a throwaway PostgreSQL 15 cluster (scripts/scratch-postgres.sh) with a database `demo`,
#   - creates a bare repository, a work clone, and starts `enginesync run` on the bare repository,
#   - installs the git hooks (`enginesync hooks install`) and a local webhook receiver (python3, if present),
#   - plays examples/story/NN-* (one commit + push each): each push prints the daemon's report,
#   - pushes an invalid commit, which pre-receive refuses with its diagnostics,
#   - lists the webhook events the daemon delivered (signed, in order),
#   - prints the final schema and `enginesync status`, then stops and removes everything.
# Usage: scripts/demo.sh [--keep] [--save-reports]
#   --keep          leave the daemon and the cluster running; print how to stop them and where things are
#   --save-reports  copy the reports into examples/story/reports/NN-name.md (they are committed there)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STORY="$ROOT/examples/story"
REPORT_TIMEOUT=${REPORT_TIMEOUT:-30}   # seconds to wait for each report (inotify makes it well under 1 s)

keep=false
save_reports=false
for arg in "$@"; do
    case "$arg" in
        --keep) keep=true ;;
        --save-reports) save_reports=true ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "demo.sh: unknown argument '$arg' (try --help)" >&2; exit 64 ;;
    esac
done

# shellcheck source=scripts/ensure-packages.sh
source "$ROOT/scripts/ensure-packages.sh"
# shellcheck source=scripts/scratch-postgres.sh
source "$ROOT/scripts/scratch-postgres.sh"

DEMO_DIR=""
DAEMON_PID=""
WEBHOOK_PID=""
finished=false   # set once the demo succeeded; until then the trap treats every exit as a failure

# The daemon's log, shown whenever something goes wrong: the reason is nearly always in it.
show_log_tail() {
    if [ -n "$DEMO_DIR" ] && [ -s "$DEMO_DIR/enginesync.log" ]; then
        echo "---- last lines of $DEMO_DIR/enginesync.log ----" >&2
        tail -n 30 "$DEMO_DIR/enginesync.log" >&2
        echo "----" >&2
    fi
}

# SIGTERM lets the current reconcile finish and must end the daemon with status 0 (docs/OPERATIONS.md).
# Returns 1 when it exits otherwise, or is still running after 30 s (then it is killed).
stop_daemon() {
    [ -n "$DAEMON_PID" ] || return 0
    local pid=$DAEMON_PID rc=0
    DAEMON_PID=""
    kill -0 "$pid" 2>/dev/null || { wait "$pid" || true; echo "==> the daemon had already exited" >&2; return 1; }
    echo "==> stopping the daemon (SIGTERM to pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        echo "==> the daemon ignored SIGTERM for 30 s; killing it" >&2
        kill -KILL "$pid"; wait "$pid" || true
        return 1
    fi
    wait "$pid" || rc=$?
    if [ "$rc" -ne 0 ]; then echo "==> the daemon exited with status $rc (expected 0)" >&2; return 1; fi
    echo "    daemon exited with status 0"
}

# Always runs. On failure (or without --keep) everything is stopped and removed; a failed run with
# --keep is cleaned up too, because half a demo is of no use.
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if $finished && $keep; then exit 0; fi
    if [ "$status" -ne 0 ]; then
        echo "==> demo FAILED (status $status); cleaning up" >&2
        show_log_tail
    fi
    stop_daemon || status=1
    [ -z "$WEBHOOK_PID" ] || kill "$WEBHOOK_PID" 2>/dev/null || true
    scratch_postgres_stop || true
    [ -z "$DEMO_DIR" ] || rm -rf "$DEMO_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started=$(date +%s)

ensure_packages

# DEMO_CONFIGURATION=debug reuses the test build (scripts/test.sh runs the demo right after the tests).
CONFIGURATION=${DEMO_CONFIGURATION:-release}
echo "==> swift build -c $CONFIGURATION --product enginesync"
(cd "$ROOT" && swift build -c "$CONFIGURATION" --product enginesync)
ENGINESYNC="$(cd "$ROOT" && swift build -c "$CONFIGURATION" --show-bin-path)/enginesync"

scratch_postgres_start
DSN="host=$SCRATCH_PGHOST port=$SCRATCH_PGPORT user=postgres dbname=demo"
echo "==> creating database demo"
"$PG_BIN/createdb" -h "$SCRATCH_PGHOST" -p "$SCRATCH_PGPORT" -U postgres demo

# The daemon runs as the invoking user (root in CI), so the repository and state may belong to it.
DEMO_DIR=$(mktemp -d /tmp/enginesync-demo.XXXXXX)
BARE="$DEMO_DIR/schema.git"
WORK="$DEMO_DIR/work"
STATE="$DEMO_DIR/state"
LOG="$DEMO_DIR/enginesync.log"
echo "==> creating bare repository $BARE and work clone $WORK"
git init -q --bare -b main "$BARE"
# The work "clone" is a new repository with the bare one as origin: cloning an empty repository warns
# and may pick another branch name (init.defaultBranch). A fresh machine has no git identity, so the
# demo sets its own, local to the clone.
git init -q -b main "$WORK"
git -C "$WORK" remote add origin "$BARE"
git -C "$WORK" config user.name "enginesync demo"
git -C "$WORK" config user.email "demo@enginesync.invalid"

# The daemon watches the bare repository's refs with inotify, so the 30 s poll is only a fallback:
# each report below appears within a second of the push. Until the first push the branch does not
# exist; the daemon logs that and retries with back-off, and the push wakes it at once.
# An explicit, empty configuration file: a machine where enginesync is installed as a service has
# /etc/enginesync/enginesync.yaml, which the daemon would otherwise read under the demo's flags.
# The hooks read the same file (as the pushing user would), so it names the repository and the state
# directory; the database and poll interval stay flags of the daemon.
printf 'repo: %s\nstate_dir: %s\nhooks_report_wait: %ss\n' "$BARE" "$STATE" "$REPORT_TIMEOUT" >"$DEMO_DIR/enginesync.yaml"

# A local webhook receiver (docs/OPERATIONS.md "Notifications"): it records every event it is sent. The
# daemon signs each body with the secret in secret_file (X-Hub-Signature-256); the receiver checks it.
if command -v python3 >/dev/null 2>&1; then
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DEMO_DIR/webhook-secret"
    python3 - "$DEMO_DIR/webhook.port" "$DEMO_DIR/webhook.events" "$DEMO_DIR/webhook-secret" <<'PY' &
import hashlib, hmac, http.server, json, sys
port_file, events_file, secret_file = sys.argv[1:4]
secret = open(secret_file, "rb").read().strip()
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        signed = hmac.compare_digest(expected, self.headers.get("X-Hub-Signature-256", ""))
        event = json.loads(body)
        with open(events_file, "a") as out:
            out.write("    %-9s %s  commit %s  id %s  signature %s\n" % (event["event"], event["outcome"],
                      (event.get("commit") or "")[:12], event["id"], "ok" if signed else "WRONG"))
        self.send_response(200 if signed else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
open(port_file, "w").write(str(server.server_port))
server.serve_forever()
PY
    WEBHOOK_PID=$!
    for _ in $(seq 50); do [ -s "$DEMO_DIR/webhook.port" ] && break; sleep 0.1; done
    printf 'notify:\n  - url: http://127.0.0.1:%s/enginesync\n    secret_file: %s\n' \
        "$(cat "$DEMO_DIR/webhook.port")" "$DEMO_DIR/webhook-secret" >>"$DEMO_DIR/enginesync.yaml"
    echo "==> webhook receiver on 127.0.0.1:$(cat "$DEMO_DIR/webhook.port") (events in $DEMO_DIR/webhook.events)"
else
    echo "==> python3 not found: no webhook receiver, the demo shows the hooks only"
fi
echo "==> enginesync hooks install --repo $BARE --config $DEMO_DIR/enginesync.yaml"
"$ENGINESYNC" hooks install --repo "$BARE" --config "$DEMO_DIR/enginesync.yaml" | sed 's/^/    /'
echo "==> starting the daemon; its log (stderr) goes to $LOG"
# ENGINESYNC_* variables of the caller's environment would be read too (ENGINESYNC_REMOTE would even
# conflict with --repo), so the daemon starts without them. stdout goes to the log as well: the
# daemon must not hold the caller's terminal or pipe open after `--keep` returns.
(
    unset "${!ENGINESYNC_@}"
    exec "$ENGINESYNC" run --config "$DEMO_DIR/enginesync.yaml" --database "$DSN" --poll-interval 30s
) </dev/null >>"$LOG" 2>&1 &
DAEMON_PID=$!
sleep 0.5
kill -0 "$DAEMON_PID" 2>/dev/null || { echo "==> the daemon exited at start-up" >&2; exit 1; }

# One commit message per step of examples/story/README.md.
step_message() {
    case "$1" in
        01-create) echo "01 create: users, links with tags, events" ;;
        02-widen) echo "02 widen: user.name 50->200, link.slug to text, event.clicks int->bigint" ;;
        03-new-model) echo "03 new model: domain with a unique host" ;;
        04-narrow) echo "04 narrow: tag.name 50->20 (Safe Sync refuses it)" ;;
        05-remove-field) echo "05 remove field: user.nickname (Safe Sync refuses it)" ;;
        06-migration) echo "06 migration: narrow tag.name and drop user.nickname" ;;
        *) echo "$1" ;;
    esac
}

# What each step must end as (examples/story/README.md): the demo fails loudly if the story changes.
expected_outcome() {
    case "$1" in
        04-narrow|05-remove-field) echo "BLOCKED" ;;
        *) echo "SYNCED" ;;
    esac
}

declare -a report_files=() report_names=()
for overlay in "$STORY"/[0-9][0-9]-*/; do
    name=$(basename "$overlay")
    message=$(step_message "$name")
    echo
    echo "==> step $message"
    cp -R "$overlay". "$WORK/"
    git -C "$WORK" add -A
    git -C "$WORK" commit -q -m "$message"
    sha=$(git -C "$WORK" rev-parse HEAD)
    pushed=$(date +%s.%N)
    # The hooks print the daemon's report in the push output (remote: enginesync: …).
    git -C "$WORK" push origin main >"$DEMO_DIR/push.txt" 2>&1
    sed 's/^/    /' "$DEMO_DIR/push.txt"
    report="$STATE/reports/$sha.md"
    # Poll every 0.2 s: the report is written atomically (rename), so once it exists it is complete.
    for _ in $(seq $((REPORT_TIMEOUT * 5))); do
        [ -e "$report" ] && break
        kill -0 "$DAEMON_PID" 2>/dev/null || { echo "==> the daemon died" >&2; exit 1; }
        sleep 0.2
    done
    if [ ! -e "$report" ]; then
        echo "==> no report for commit $sha after ${REPORT_TIMEOUT} s ($report)" >&2
        exit 1
    fi
    seconds=$(awk -v now="$(date +%s.%N)" -v then="$pushed" 'BEGIN { printf "%.1f", now - then }')
    printf '    pushed %s; push and report done after %s s: %s\n' "${sha:0:12}" "$seconds" "$report"
    expected=$(expected_outcome "$name")
    if ! head -n 1 "$report" | grep -q "^# enginesync: $expected"; then
        echo "==> step $name ended $(head -n 1 "$report" | cut -d' ' -f3), expected $expected" >&2
        exit 1
    fi
    if ! grep -qi "remote: enginesync: $expected: " "$DEMO_DIR/push.txt"; then
        echo "==> the push output does not show the daemon's report ($expected)" >&2
        exit 1
    fi
    report_files+=("$report")
    report_names+=("$name")
done

echo
echo "==> step 07 invalid: a syntax error in dsl/models/tag.json; pre-receive refuses the push"
printf '{"fields": {"name": {"type": "string"}' >"$WORK/dsl/models/tag.json"
git -C "$WORK" commit -q -am "07 invalid: a missing brace"
if git -C "$WORK" push origin main >"$DEMO_DIR/refused.txt" 2>&1; then
    cat "$DEMO_DIR/refused.txt"
    echo "==> the invalid push was accepted; expected pre-receive to refuse it" >&2
    exit 1
fi
sed 's/^/    /' "$DEMO_DIR/refused.txt"
grep -q "push refused" "$DEMO_DIR/refused.txt" || { echo "==> the refusal did not say why" >&2; exit 1; }
git -C "$WORK" reset -q --hard HEAD~1

if [ -n "$WEBHOOK_PID" ]; then
    echo
    echo "==> webhook events received (in order; a blocked commit is an event each time, synced after blocked is recovered)"
    for _ in $(seq 50); do [ "$(wc -l <"$DEMO_DIR/webhook.events" 2>/dev/null || echo 0)" -ge 4 ] && break; sleep 0.2; done
    cat "$DEMO_DIR/webhook.events" 2>/dev/null || echo "    (none yet)"
fi

echo
echo "==> final schema: \\d \"user\""
"$PG_BIN/psql" -X -d "$DSN" -c '\d "user"'
echo "==> final schema: \\d tag"
"$PG_BIN/psql" -X -d "$DSN" -c '\d tag'
echo "==> enginesync status --database \"$DSN\" --repo $BARE"
"$ENGINESYNC" status --database "$DSN" --repo "$BARE"

if $save_reports; then
    echo "==> saving the reports under $STORY/reports/"
    mkdir -p "$STORY/reports"
    for i in "${!report_files[@]}"; do
        cp "${report_files[$i]}" "$STORY/reports/${report_names[$i]}.md"
    done
fi

if $keep; then
    finished=true
    as_postgres=""
    [ "$(id -u)" -ne 0 ] || as_postgres="runuser -u postgres -- "
    cat <<EOF

==> demo done in $(( $(date +%s) - started )) s; everything is still running (--keep)
    daemon pid   $DAEMON_PID
    daemon log   $LOG
    reports      $STATE/reports
    bare repo    $BARE
    work clone   $WORK    (commit and git push here; the daemon reconciles at once)
    DSN          $DSN
    psql         $PG_BIN/psql -X -d "$DSN"
To stop and remove everything:
    kill -TERM $DAEMON_PID; while kill -0 $DAEMON_PID 2>/dev/null; do sleep 0.2; done
    ${as_postgres}$PG_BIN/pg_ctl -D $SCRATCH_PGDIR/data -m fast -w stop
    rm -rf $DEMO_DIR $SCRATCH_PGDIR
EOF
    exit 0
fi

stop_daemon
finished=true
echo "==> demo done in $(( $(date +%s) - started )) s"
