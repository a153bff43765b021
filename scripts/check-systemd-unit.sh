#!/usr/bin/env bash
# Checks systemd/enginesync.service: `systemd-analyze verify` passes and the offline
# `systemd-analyze security` exposure is at most MAX_EXPOSURE (default 2.0). Prints the score.
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
# The unit under test, with ExecStart pointed at a binary that exists on this machine.
sed "s|^ExecStart=/usr/local/bin/enginesync|ExecStart=$binary|" systemd/enginesync.service >"$work/enginesync.service"

echo "==> systemd-analyze verify (ExecStart=$binary)"
# verify also checks the units it references; only complaints about our unit fail the check.
verify_output=$(systemd-analyze verify "$work/enginesync.service" 2>&1 || true)
ours=$(printf '%s\n' "$verify_output" | grep -F "enginesync.service" || true)
if [ -n "$ours" ]; then
    printf '%s\n' "$verify_output"
    echo "FAIL: systemd-analyze verify reported problems in enginesync.service" >&2
    exit 1
fi
[ -n "$verify_output" ] && printf '(unrelated to our unit)\n%s\n' "$verify_output"
echo "ok"

echo "==> systemd-analyze security --offline=true"
security_output=$(systemd-analyze security --offline=true --no-pager "$work/enginesync.service" 2>&1 || true)
score=$(printf '%s\n' "$security_output" | sed -n 's/.*Overall exposure level for enginesync.service: \([0-9.]*\).*/\1/p' | tail -1)
if [ -z "$score" ]; then
    printf '%s\n' "$security_output"
    echo "FAIL: no exposure score in systemd-analyze output" >&2
    exit 1
fi
printf '%s\n' "$security_output" | grep -E "^✗" || true
echo "exposure: $score (maximum $MAX_EXPOSURE)"
if awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s > m) }'; then
    echo "FAIL: exposure $score is above $MAX_EXPOSURE" >&2
    exit 1
fi
echo "ok"
