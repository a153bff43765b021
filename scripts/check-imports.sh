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

# The CLI reads every source (--repo/--rev, --dir, a pushed commit) through EngineSync's SourceReader, reaches
# the database through DatabaseTarget and DatabaseSession, and parses SQL through EngineSync's lint: it never
# imports the libgit2, libpq or libpg_query wrappers itself.
offenders=$(grep -rlE '^\s*(public |package |internal |@_implementationOnly )?import (GitClient|PostgresClient|PgQuery)$' \
    Sources/EngineSyncCommands || true)
if [ -n "$offenders" ]; then
    echo "FAIL: EngineSyncCommands imports a C wrapper module (use SourceReader, DatabaseTarget, MigrationLint):" >&2
    echo "$offenders" >&2
    exit 1
fi
echo "==> EngineSyncCommands imports no C wrapper module (GitClient, PostgresClient, PgQuery)"

# libcurl is loaded on demand by the webhook client alone (Sources/CLibCurl): nothing else imports its shim.
offenders=$(grep -rlE '^\s*(public |package |internal |@_implementationOnly )?import CLibCurl$' Sources \
    | grep -vx 'Sources/EngineSyncDaemon/Notify/WebhookClient.swift' || true)
if [ -n "$offenders" ]; then
    echo "FAIL: CLibCurl imported outside WebhookClient:" >&2
    echo "$offenders" >&2
    exit 1
fi
echo "==> CLibCurl is imported only by WebhookClient"
