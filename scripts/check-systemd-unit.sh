#!/usr/bin/env bash
# Checks systemd/enginesync.service and the template systemd/enginesync@.service (as an instance):
# `systemd-analyze verify` passes and the offline `systemd-analyze security` exposure is at most
# MAX_EXPOSURE (default 2.0). Prints the scores.
# Usage: scripts/check-systemd-unit.sh [BINARY]   (BINARY: what ExecStart runs; default: a built
# .build/*/enginesync, else /bin/true — verify only needs the path to exist.)
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EXPOSURE=${MAX_EXPOSURE:-2.0}

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "==> installing systemd (for systemd-analyze)"
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq systemd >/dev/null
fi

binary=${1:-}
if [ -z "$binary" ]; then
    for candidate in .build/release/enginesync .build/debug/enginesync /bin/true; do
        if [ -x "$candidate" ]; then binary=$(readlink -f "$candidate"); break; fi
    done
fi

binary=$(readlink -f "$binary")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# check_unit SOURCE NAME: SOURCE with ExecStart pointed at a binary that exists on this machine, verified and
# scored as NAME (for the template enginesync@.service, an instance name: systemd checks instances, not templates).
check_unit() {
    local source=$1 name=$2
    local dir="$work/$name.d"
    mkdir -p "$dir"
    sed "s|^ExecStart=/usr/local/bin/enginesync|ExecStart=$binary|" "$source" >"$dir/$(basename "$source")"
    local unit="$dir/$name"
    # An instance of a template is found next to the template when verify is given its path.
    [ "$(basename "$source")" = "$name" ] || ln -s "$(basename "$source")" "$unit"

    echo "==> systemd-analyze verify $name (ExecStart=$binary)"
    # verify also checks the units it references; only complaints about our unit fail the check.
    local verify_output ours
    verify_output=$(systemd-analyze verify "$unit" 2>&1 || true)
    ours=$(printf '%s\n' "$verify_output" | grep -F "${name%%@*}" || true)
    if [ -n "$ours" ]; then
        printf '%s\n' "$verify_output"
        echo "FAIL: systemd-analyze verify reported problems in $name" >&2
        exit 1
    fi
    [ -n "$verify_output" ] && printf '(unrelated to our unit)\n%s\n' "$verify_output"
    echo "ok"

    echo "==> systemd-analyze security --offline=true $name"
    local security_output score
    security_output=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1 || true)
    score=$(printf '%s\n' "$security_output" | sed -n "s/.*Overall exposure level for $name: \([0-9.]*\).*/\1/p" | tail -1)
    if [ -z "$score" ]; then
        printf '%s\n' "$security_output"
        echo "FAIL: no exposure score in systemd-analyze output for $name" >&2
        exit 1
    fi
    printf '%s\n' "$security_output" | grep -E "^✗" || true
    echo "exposure of $name: $score (maximum $MAX_EXPOSURE)"
    if awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s > m) }'; then
        echo "FAIL: exposure $score of $name is above $MAX_EXPOSURE" >&2
        exit 1
    fi
    echo "ok"
}

check_unit systemd/enginesync.service enginesync.service
# The template (issue 17): one daemon per configuration file, with the same hardening.
check_unit systemd/enginesync@.service enginesync@check.service
