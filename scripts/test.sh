#!/usr/bin/env bash
# THE test command (README): sets up everything on a fresh Debian 12 machine and runs the tests.
#   - installs libgit2-dev (and git) when missing, and the rest scripts/ensure-packages.sh lists (patroni and
#     etcd-server for the Patroni tests, which start a private etcd + Patroni cluster of their own)
#   - checks the formatting (.swift-format, swift format lint --strict)
#   - starts a throwaway PostgreSQL 15 cluster in a temp dir (unix socket only, private port)
#   - swift build + swift test with ENGINESYNC_TEST_PGHOST/PORT exported
#   - stops and removes the cluster even when the tests fail (or the cluster fails half-way)
#   - without arguments, once everything above passed: the systemd unit checks, then the README's demo
#     (scripts/demo.sh, on the debug build just made), the end-to-end check of the shipped story
# Extra arguments go to `swift test` (e.g. scripts/test.sh --filter PostgresConnectionTests); the demo
# then does not run.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/ensure-packages.sh
source "$(dirname "$0")/ensure-packages.sh"
ensure_packages test

# shellcheck source=scripts/scratch-postgres.sh
source "$(dirname "$0")/scratch-postgres.sh"
# Before the start: a cluster that fails half-way (pg_ctl after initdb) is removed too.
trap scratch_postgres_stop EXIT
scratch_postgres_start
scratch_standby_start

export ENGINESYNC_TEST_PGHOST="$SCRATCH_PGHOST"
export ENGINESYNC_TEST_PGPORT="$SCRATCH_PGPORT"
export ENGINESYNC_TEST_PGUSER=postgres
export ENGINESYNC_TEST_STANDBY_PORT="$SCRATCH_STANDBY_PORT"
export ENGINESYNC_TEST_PASSWORD_USER="$SCRATCH_PASSWORD_USER"
export ENGINESYNC_TEST_PASSWORD="$SCRATCH_PASSWORD"

scripts/check-imports.sh

# The checked-in .swift-format, enforced: `swift format format -i -r Sources Tests Package.swift` fixes what
# this reports (swift-format ships with the toolchain).
echo "==> swift format lint --strict"
swift format lint --strict -r Sources Tests Package.swift

echo "==> swift build"
swift build --build-tests
if [ $# -gt 0 ]; then
    echo "==> swift test $*"
    swift test --skip-build "$@"
else
    # Tests that measure wake-up latency (inotify, the service loop, the daemon process) run alone:
    # in the parallel pass, blocking libpq/git tests occupy the cooperative pool's threads and would
    # starve their async waits on a 2-core machine. So does the Patroni failover test, whose cluster
    # (ttl 10 s) must not miss its leader-key renewals on a machine busy with the parallel tests.
    timing_sensitive="RefWatcherTests|DaemonServiceTests|DaemonLauncherTests|FleetServiceTests|StandbyPollTests|DaemonProcessTests|DaemonScenarioProcessTests|IncrementalDaemonProcessTests|FleetProcessTests|TrustProcessTests|HookProcessTests|NotificationProcessTests|PatroniFailoverTests"
    echo "==> swift test (parallel)"
    swift test --skip-build --skip "$timing_sensitive"
    echo "==> swift test (timing-sensitive suites, one at a time)"
    swift test --skip-build --no-parallel --filter "$timing_sensitive"
    echo "==> systemd unit checks"
    scripts/check-systemd-unit.sh "$(swift build --show-bin-path)/enginesync"
    # The tests passed (set -e stops before this otherwise). The demo starts a cluster of its own, so
    # the tests' cluster is removed first; the EXIT trap then finds nothing left to stop. The demo runs
    # without the tests' ENGINESYNC_TEST_* and SCRATCH_* variables, as it would from a shell.
    scratch_postgres_stop
    echo "==> the README's demo (scripts/demo.sh) on the debug build"
    (
        unset "${!ENGINESYNC_@}" "${!SCRATCH_@}"
        DEMO_CONFIGURATION=debug exec scripts/demo.sh
    )
fi
