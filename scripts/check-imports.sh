#!/usr/bin/env bash
# Which modules may import which: the C shims only inside their wrapper modules (SwiftPM would let any module
# import them transitively), the CLI none of the C wrapper modules.
set -euo pipefail
cd "$(dirname "$0")/.."

IMPORT='^\s*(public |package |internal |@_implementationOnly )?import '

# only_in MODULES_REGEX DIRECTORY ALLOWED_REGEX WHAT: fails naming every file under DIRECTORY that imports one of
# MODULES_REGEX and whose path does not match ALLOWED_REGEX; prints WHAT when there is none.
only_in() {
    local modules=$1 directory=$2 allowed=$3 what=$4
    local offenders
    offenders=$(grep -rlE "${IMPORT}(${modules})\$" "$directory" | grep -vE "$allowed" || true)
    if [ -n "$offenders" ]; then
        echo "FAIL: the rule \"$what\" is broken by:" >&2
        echo "$offenders" >&2
        exit 1
    fi
    echo "==> $what"
}

# Everything else reaches libpq, libgit2 and libpg_query through PostgresClient, GitClient and PgQuery.
only_in 'CLibPQ|CLibGit2|CLibPgQuery' Sources '^Sources/(PostgresClient|GitClient|PgQuery)/' \
    "C shims are imported only by PostgresClient, GitClient and PgQuery"

# The CLI reads every source (--repo/--rev, --dir, a pushed commit) through EngineSync's SourceReader, reaches
# the database through DatabaseTarget and DatabaseSession, and parses SQL through EngineSync's lint: it never
# imports the libgit2, libpq or libpg_query wrappers itself (use SourceReader, DatabaseTarget, MigrationLint).
only_in 'GitClient|PostgresClient|PgQuery' Sources/EngineSyncCommands '^$' \
    "EngineSyncCommands imports no C wrapper module (GitClient, PostgresClient, PgQuery)"

# libcurl is loaded on demand by the webhook client alone (Sources/CLibCurl): nothing else imports its shim.
only_in 'CLibCurl' Sources '^Sources/EngineSyncDaemon/Notify/WebhookClient\.swift$' \
    "CLibCurl is imported only by WebhookClient"
