#!/usr/bin/env bash
# Installs enginesync as a systemd service on this host (run as root), or removes it.
#   scripts/install.sh              build (release), install, create user and bare repo, enable + start
#   scripts/install.sh --no-start   the same without starting the service
#   scripts/install.sh --uninstall  stop, disable, remove binary and unit; keeps /etc/enginesync,
#                                   /var/lib/enginesync and /srv/git/schema.git (data), and says so
# What it creates (docs/OPERATIONS.md "Install"):
#   /usr/local/bin/enginesync, /etc/systemd/system/enginesync.service,
#   /etc/enginesync/enginesync.yaml (only if absent), /etc/enginesync/pgpass (empty, 0600, if absent),
#   system user+group `enginesync` (no login, no home), group `git` (push access) with enginesync in it,
#   bare repository /srv/git/schema.git: group `git`, group-writable, shared (core.sharedRepository=group)
#   so every developer in group `git` can push over ssh and the daemon can read.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=${PREFIX:-/usr/local}
REPO_DIR=${REPO_DIR:-/srv/git/schema.git}
UNIT=/etc/systemd/system/enginesync.service
# The template for one daemon per configuration file (enginesync@NAME: /etc/enginesync/NAME.yaml), installed
# beside the unit and not enabled: `systemctl enable --now enginesync@NAME` when wanted.
TEMPLATE=/etc/systemd/system/enginesync@.service
START=yes

if [ "$(id -u)" -ne 0 ]; then echo "run as root (sudo $0 $*)" >&2; exit 1; fi
have_systemd() { [ -d /run/systemd/system ]; }

case "${1:-}" in
--uninstall)
    if have_systemd; then
        systemctl disable --now enginesync.service 2>/dev/null || true
        systemctl stop 'enginesync@*.service' 2>/dev/null || true
    fi
    rm -f "$UNIT" "$TEMPLATE" "$PREFIX/bin/enginesync"
    rm -rf "$PREFIX/share/doc/enginesync"
    have_systemd && systemctl daemon-reload || true
    echo "removed the binary and the unit."
    echo "kept (remove by hand if wanted): /etc/enginesync, /var/lib/enginesync, $REPO_DIR, user enginesync, group git"
    exit 0
    ;;
--no-start) START=no ;;
"") ;;
*) echo "usage: $0 [--no-start | --uninstall]" >&2; exit 64 ;;
esac

# shellcheck source=scripts/ensure-packages.sh
source scripts/ensure-packages.sh
ensure_packages build

# The Swift runtime, libstdc++ and jemalloc are linked statically: the service depends only on Debian's libgit2,
# libpq, libpg_query and, for webhooks only, libcurl4 (loaded when an event is sent), not on the toolchain
# directory staying where it is. scripts/release-build.sh has the flags.
# shellcheck source=scripts/release-build.sh
source scripts/release-build.sh
echo "==> swift build ${RELEASE_BUILD_FLAGS[*]} --product enginesync"
release_build enginesync
install -D -m 0755 "$(release_bin_path)/enginesync" "$PREFIX/bin/enginesync"
install -D -m 0644 docs/OPERATIONS.md "$PREFIX/share/doc/enginesync/OPERATIONS.md"

echo "==> users and groups"
getent group git >/dev/null || groupadd --system git
getent group enginesync >/dev/null || groupadd --system enginesync
id enginesync >/dev/null 2>&1 || useradd --system --gid enginesync --groups git --no-create-home \
    --home-dir /var/lib/enginesync --shell /usr/sbin/nologin enginesync
usermod -a -G git enginesync

echo "==> configuration"
install -d -m 0750 -g enginesync /etc/enginesync
if [ ! -e /etc/enginesync/enginesync.yaml ]; then
    install -m 0640 -g enginesync systemd/enginesync.yaml /etc/enginesync/enginesync.yaml
else
    echo "kept existing /etc/enginesync/enginesync.yaml"
fi
# Read by systemd (root) through LoadCredential=, not by the service user directly.
[ -e /etc/enginesync/pgpass ] || install -m 0600 /dev/null /etc/enginesync/pgpass

echo "==> bare repository $REPO_DIR"
if [ ! -d "$REPO_DIR" ]; then
    install -d -m 2775 -g git "$(dirname "$REPO_DIR")"
    git init --quiet --bare --shared=group --initial-branch=main "$REPO_DIR"
    chgrp -R git "$REPO_DIR"
    chmod -R g+rwX "$REPO_DIR"
    find "$REPO_DIR" -type d -exec chmod g+s {} +
else
    echo "kept existing $REPO_DIR"
fi

install -m 0644 systemd/enginesync.service "$UNIT"
install -m 0644 systemd/enginesync@.service "$TEMPLATE"
if have_systemd; then
    systemctl daemon-reload
    systemctl enable enginesync.service
    if [ "$START" = yes ]; then
        if [ ! -s /etc/enginesync/pgpass ] && ! grep -q '^database:' /etc/enginesync/enginesync.yaml; then
            echo "note: set database in /etc/enginesync/enginesync.yaml and the password in /etc/enginesync/pgpass"
        fi
        systemctl restart enginesync.service
        systemctl --no-pager status enginesync.service || true
    fi
else
    echo "systemd is not running here: unit installed but not enabled"
fi
echo "done. Developers push with: git push <user>@$(hostname -f 2>/dev/null || hostname):$REPO_DIR main"
