#!/usr/bin/env bash
# THE test command (README): sets up everything on a fresh Debian 12 machine and runs the tests.
#   - installs libgit2-dev (and git) when missing
#   - starts a throwaway PostgreSQL 15 cluster in a temp dir (unix socket only, private port)
#   - swift build + swift test with ENGINESYNC_TEST_PGHOST/PORT exported
#   - stops and removes the cluster even when the tests fail
# Extra arguments go to `swift test` (e.g. scripts/test.sh --filter PostgresConnectionTests).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/ensure-packages.sh
source "$(dirname "$0")/ensure-packages.sh"
ensure_packages

# shellcheck source=scripts/scratch-postgres.sh
source "$(dirname "$0")/scratch-postgres.sh"
scratch_postgres_start
trap scratch_postgres_stop EXIT
scratch_standby_start

export ENGINESYNC_TEST_PGHOST="$SCRATCH_PGHOST"
export ENGINESYNC_TEST_PGPORT="$SCRATCH_PGPORT"
export ENGINESYNC_TEST_PGUSER=postgres
export ENGINESYNC_TEST_STANDBY_PORT="$SCRATCH_STANDBY_PORT"

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
    timing_sensitive="RefWatcherTests|DaemonServiceTests|DaemonLauncherTests|DaemonProcessTests|DaemonScenarioProcessTests"
    echo "==> swift test (parallel)"
    swift test --skip-build --skip "$timing_sensitive"
    echo "==> swift test (timing-sensitive suites, one at a time)"
    swift test --skip-build --no-parallel --filter "$timing_sensitive"
    echo "==> systemd unit checks"
    scripts/check-systemd-unit.sh "$(swift build --show-bin-path)/enginesync"
fi
