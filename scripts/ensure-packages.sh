# Sourced by scripts/test.sh and scripts/demo.sh: installs the Debian packages enginesync needs when
# they are missing (a fresh Debian 12 machine with Swift 6.3 has none of them):
#   libgit2-dev, libpq-dev  the C libraries behind the GitClient and PostgresClient modules
#   libssh2-1-dev           libgit2's ssh transport, which GitClient initialises itself (without OpenSSL's engines;
#                           a dependency of Debian's libgit2-dev, named for a libgit2-dev installed otherwise)
#   libpg-query-dev         PostgreSQL's parser as a library, behind the PgQuery module (migration lint; its
#                           headers, and libpg-query1504.0, loaded with dlopen at the first parse)
#   libjemalloc-dev         the allocator the enginesync binary is linked with (Package.swift): the shared
#                           library for debug builds and tests, its objects (libjemalloc_pic.a) inside the
#                           released binary (scripts/release-build.sh), which needs no libjemalloc2 at run time
#   libcurl4-openssl-dev    libcurl's headers for the webhook client (Sources/CLibCurl), which loads
#                           libcurl.so.4 (libcurl4, pulled in by this package) when the first event is sent
#   git                     the demo pushes with it; the tests create repositories with it
#   postgresql-15           initdb/pg_ctl for the scratch cluster (pulls in postgresql-client-15: psql)
#   openssh-server          the ssh remote tests start a throwaway sshd of their own on a localhost port
#   gnupg                   the trust tests sign commits with a real OpenPGP key (the daemon needs only gpgv)
#   patroni, etcd-server    (`test` only) the high-availability tests start a private etcd and Patroni cluster
#                           of their own (ScratchPatroniCluster); the packages' own services are never started
# Only apt-get is used, and only when something is missing, so a prepared machine never touches the network.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# `ensure_packages build` skips PostgreSQL: scripts/install.sh runs on a database host that has its own.
# `ensure_packages test` (scripts/test.sh) adds patroni and etcd-server, which only the tests use (not the demo).
ensure_packages() {
    local need_packages=()
    dpkg -s libgit2-dev >/dev/null 2>&1 || need_packages+=(libgit2-dev)
    dpkg -s libssh2-1-dev >/dev/null 2>&1 || need_packages+=(libssh2-1-dev)
    dpkg -s libpq-dev >/dev/null 2>&1 || need_packages+=(libpq-dev)
    dpkg -s libpg-query-dev >/dev/null 2>&1 || need_packages+=(libpg-query-dev)
    dpkg -s libjemalloc-dev >/dev/null 2>&1 || need_packages+=(libjemalloc-dev)
    dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || need_packages+=(libcurl4-openssl-dev)
    command -v git >/dev/null 2>&1 || need_packages+=(git)
    if [ "${1:-}" != build ]; then
        [ -x "$PG_BIN/initdb" ] || need_packages+=(postgresql-15)
        [ -x /usr/sbin/sshd ] || need_packages+=(openssh-server)
        # The trust tests sign commits with real keys: ssh-keygen (openssh-client, pulled in by openssh-server)
        # and gpg; the daemon itself needs only ssh-keygen and gpgv.
        command -v gpg >/dev/null 2>&1 || need_packages+=(gnupg)
    fi
    if [ "${1:-}" = test ]; then
        [ -x /usr/bin/patroni ] || need_packages+=(patroni)
        [ -x /usr/bin/etcd ] || need_packages+=(etcd-server)
    fi
    if [ ${#need_packages[@]} -gt 0 ]; then
        echo "==> installing ${need_packages[*]}"
        # CI runs as root; a developer machine goes through sudo.
        local sudo=()
        [ "$(id -u)" -eq 0 ] || sudo=(sudo)
        # Debian's etcd-server and patroni start their system services when installed (invoke-rc.d without
        # systemd, deb-systemd-invoke with it; both ask policy-rc.d first): a policy-rc.d that forbids every
        # start ("exit 101") keeps them stopped, unless the machine already has a policy of its own (containers
        # usually do). It is removed again whatever apt-get does.
        local policy=/usr/sbin/policy-rc.d added_policy=0 status=0
        if [ ! -e "$policy" ]; then
            printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
            "${sudo[@]}" chmod 755 "$policy"
            added_policy=1
        fi
        "${sudo[@]}" apt-get update -qq || status=$?
        if [ "$status" -eq 0 ]; then
            DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need_packages[@]}" >/dev/null \
                || status=$?
        fi
        [ "$added_policy" -eq 0 ] || "${sudo[@]}" rm -f "$policy"
        [ "$status" -eq 0 ] || return "$status"
        # Nor at the next boot: the tests need the programs, not a cluster-wide etcd or Patroni.
        if [ -d /run/systemd/system ]; then
            local unit
            for unit in etcd patroni; do
                if [[ " ${need_packages[*]} " == *" ${unit/etcd/etcd-server} "* ]]; then
                    "${sudo[@]}" systemctl disable --now --quiet "$unit.service" 2>/dev/null || true
                fi
            done
        fi
    fi
}
