# Sourced by scripts/test.sh and scripts/demo.sh: installs the Debian packages enginesync needs when
# they are missing (a fresh Debian 12 machine with Swift 6.3 has none of them):
#   libgit2-dev, libpq-dev  the C libraries behind the GitClient and PostgresClient modules
#   libpg-query-dev         PostgreSQL's parser as a library, behind the PgQuery module (migration lint)
#   libcurl4-openssl-dev    libcurl's link-time library: FoundationNetworking (URLSession, the webhook
#                           client) links it statically into a --static-swift-stdlib build
#   git                     the demo pushes with it; the tests create repositories with it
#   postgresql-15           initdb/pg_ctl for the scratch cluster (pulls in postgresql-client-15: psql)
#   openssh-server          the ssh remote tests start a throwaway sshd of their own on a localhost port
#   gnupg                   the trust tests sign commits with a real OpenPGP key (the daemon needs only gpgv)
# Only apt-get is used, and only when something is missing, so a prepared machine never touches the network.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# `ensure_packages build` skips PostgreSQL: scripts/install.sh runs on a database host that has its own.
ensure_packages() {
    local need_packages=()
    dpkg -s libgit2-dev >/dev/null 2>&1 || need_packages+=(libgit2-dev)
    dpkg -s libpq-dev >/dev/null 2>&1 || need_packages+=(libpq-dev)
    dpkg -s libpg-query-dev >/dev/null 2>&1 || need_packages+=(libpg-query-dev)
    dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || need_packages+=(libcurl4-openssl-dev)
    command -v git >/dev/null 2>&1 || need_packages+=(git)
    if [ "${1:-}" != build ]; then
        [ -x "$PG_BIN/initdb" ] || need_packages+=(postgresql-15)
        [ -x /usr/sbin/sshd ] || need_packages+=(openssh-server)
        # The trust tests sign commits with real keys: ssh-keygen (openssh-client, pulled in by openssh-server)
        # and gpg; the daemon itself needs only ssh-keygen and gpgv.
        command -v gpg >/dev/null 2>&1 || need_packages+=(gnupg)
    fi
    if [ ${#need_packages[@]} -gt 0 ]; then
        echo "==> installing ${need_packages[*]}"
        # CI runs as root; a developer machine goes through sudo.
        local sudo=()
        [ "$(id -u)" -eq 0 ] || sudo=(sudo)
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need_packages[@]}" >/dev/null
    fi
}
