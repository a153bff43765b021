#!/usr/bin/env bash
# Only the two client modules may import the C shims: everything else reaches libpq and libgit2 through
# PostgresClient and GitClient (SwiftPM would let a module import them transitively).
set -euo pipefail
cd "$(dirname "$0")/.."
offenders=$(grep -rlE '^\s*(public |internal |@_implementationOnly )?import CLib(PQ|Git2)' Sources \
    | grep -vE '^Sources/(PostgresClient|GitClient)/' || true)
if [ -n "$offenders" ]; then
    echo "FAIL: C shims imported outside PostgresClient/GitClient:" >&2
    echo "$offenders" >&2
    exit 1
fi
echo "==> C shims are imported only by PostgresClient and GitClient"
