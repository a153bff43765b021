#!/usr/bin/env bash
# THE test command (README): sets up everything on a fresh Debian 12 machine and runs the tests.
#   - installs libgit2-dev (and git) when missing
#   - starts a throwaway PostgreSQL 15 cluster in a temp dir (unix socket only, private port)
#   - swift build + swift test with ENGINESYNC_TEST_PGHOST/PORT exported
#   - stops and removes the cluster even when the tests fail
# Extra arguments go to `swift test` (e.g. scripts/test.sh --filter PostgresConnectionTests).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

need_packages=()
dpkg -s libgit2-dev >/dev/null 2>&1 || need_packages+=(libgit2-dev)
dpkg -s libpq-dev >/dev/null 2>&1 || need_packages+=(libpq-dev)
command -v git >/dev/null 2>&1 || need_packages+=(git)
[ -x "$PG_BIN/initdb" ] || need_packages+=(postgresql-15)
if [ ${#need_packages[@]} -gt 0 ]; then
    echo "==> installing ${need_packages[*]}"
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

# shellcheck source=scripts/scratch-postgres.sh
source "$(dirname "$0")/scratch-postgres.sh"
scratch_postgres_start
trap scratch_postgres_stop EXIT

export ENGINESYNC_TEST_PGHOST="$SCRATCH_PGHOST"
export ENGINESYNC_TEST_PGPORT="$SCRATCH_PGPORT"
export ENGINESYNC_TEST_PGUSER=postgres

scripts/check-imports.sh

echo "==> swift build"
swift build --build-tests
if [ $# -gt 0 ]; then
    echo "==> swift test $*"
    swift test --skip-build "$@"
else
    # Tests that measure wake-up latency (inotify, the service loop, the daemon process) run alone:
    # in the parallel pass, blocking libpq/git tests occupy the cooperative pool's threads and would
    # starve their async waits on a 2-core machine.
    timing_sensitive="RefWatcherTests|DaemonServiceTests|DaemonLauncherTests|DaemonProcessTests"
    echo "==> swift test (parallel)"
    swift test --skip-build --skip "$timing_sensitive"
    echo "==> swift test (timing-sensitive suites, one at a time)"
    swift test --skip-build --no-parallel --filter "$timing_sensitive"
    echo "==> systemd unit checks"
    scripts/check-systemd-unit.sh "$(swift build --show-bin-path)/enginesync"
fi
