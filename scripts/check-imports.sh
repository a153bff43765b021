#!/usr/bin/env bash
# Only the client modules may import the C shims: everything else reaches libpq, libgit2 and libpg_query through
# PostgresClient, GitClient and PgQuery (SwiftPM would let a module import them transitively).
set -euo pipefail
cd "$(dirname "$0")/.."
offenders=$(grep -rlE '^\s*(public |internal |@_implementationOnly )?import CLib(PQ|Git2|PgQuery)' Sources \
    | grep -vE '^Sources/(PostgresClient|GitClient|PgQuery)/' || true)
if [ -n "$offenders" ]; then
    echo "FAIL: C shims imported outside PostgresClient/GitClient/PgQuery:" >&2
    echo "$offenders" >&2
    exit 1
fi
echo "==> C shims are imported only by PostgresClient, GitClient and PgQuery"

# The CLI reads every source (--repo/--rev, --dir, a pushed commit) through EngineSync's SourceReader and
# parses SQL through EngineSync's lint: it never touches the libgit2 and libpg_query wrappers itself.
offenders=$(grep -rlE '^\s*(public |package |internal |@_implementationOnly )?import (GitClient|PgQuery)$' \
    Sources/EngineSyncCommands || true)
if [ -n "$offenders" ]; then
    echo "FAIL: EngineSyncCommands imports GitClient or PgQuery (use SourceReader / MigrationLint):" >&2
    echo "$offenders" >&2
    exit 1
fi
echo "==> EngineSyncCommands reads sources through SourceReader, not GitClient"
