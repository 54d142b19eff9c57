#!/bin/sh
# Install (or upgrade) edgesplit on a board as the systemd service edgesplit-edge.
#
#   sudo ./systemd/install.sh                      # from an unpacked distribution
#   sudo deploy/systemd/install.sh --dist cli/target/edgesplit-<version>.tar.gz
#   DESTDIR=/tmp/root deploy/systemd/install.sh --dist ...   # stage into a fake root (packaging, tests)
#
# Layout: <prefix>/<version>/ (default prefix /opt/edgesplit) with <prefix>/current -> <version>,
# /usr/local/bin/edgesplit, config in /etc/edgesplit/ (sample copied once, never overwritten),
# state in /var/lib/edgesplit/, the unit in /etc/systemd/system/, a tmpfiles rule for RAPL counters.
# Idempotent: running it again with the same distribution changes nothing.
# With DESTDIR set no user is created, nothing is chowned and systemctl is not called.
set -eu

usage() {
  echo "usage: $0 [--dist DIR|ARCHIVE.tar.gz] [--prefix DIR] [--enable]" >&2
  exit 2
}
die() { echo "install.sh: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd -P)
dist=
prefix=/opt/edgesplit
enable=no
while [ $# -gt 0 ]; do
  case $1 in
    --dist) [ $# -ge 2 ] || usage; dist=$2; shift 2 ;;
    --prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
    --enable) enable=yes; shift ;;
    -h | --help) usage ;;
    *) echo "install.sh: unknown argument: $1" >&2; usage ;;
  esac
done
case $prefix in /*) ;; *) die "--prefix must be an absolute path: $prefix" ;; esac
root=${DESTDIR:-}
if [ -n "$root" ]; then
  mkdir -p "$root"
  root=$(cd "$root" && pwd -P)
elif [ "$(id -u)" -ne 0 ]; then
  die "run as root (or set DESTDIR to stage into a directory)"
fi

# Default: the distribution this script was unpacked with (<dist>/systemd/install.sh).
if [ -z "$dist" ]; then
  [ -x "$here/../bin/edgesplit" ] || die "no --dist given and $here/.. is not an unpacked distribution"
  dist=$(cd "$here/.." && pwd -P)
fi

work=
cleanup() { [ -z "$work" ] || rm -rf "$work"; }
trap cleanup EXIT INT TERM
if [ -f "$dist" ]; then
  work=$(mktemp -d)
  tar -xzf "$dist" -C "$work"
  set -- "$work"/edgesplit-*/
  [ -d "$1" ] || die "$dist holds no edgesplit-<version>/ directory"
  dist=${1%/}
fi
if [ ! -x "$dist/bin/edgesplit" ] || [ ! -d "$dist/lib" ]; then
  die "$dist is not an edgesplit distribution (bin/edgesplit, lib/)"
fi

set -- "$dist"/lib/edgesplit-cli-*.jar
[ -f "$1" ] || die "$dist/lib has no edgesplit-cli-<version>.jar"
version=$(basename "$1" .jar)
version=${version#edgesplit-cli-}

# 1. The release directory, replaced whole, then the 'current' symlink.
release=$root$prefix/$version
mkdir -p "$root$prefix"
if [ "$(cd "$dist" && pwd -P)" != "$(cd "$release" 2>/dev/null && pwd -P || true)" ]; then
  rm -rf "$release.new"
  mkdir -p "$release.new"
  (cd "$dist" && tar -cf - .) | (cd "$release.new" && tar -xf -)
  rm -rf "$release"
  mv "$release.new" "$release"
fi
ln -sfn "$version" "$root$prefix/current"
mkdir -p "$root/usr/local/bin"
ln -sfn "$prefix/current/bin/edgesplit" "$root/usr/local/bin/edgesplit"

# 2. Configuration: copied once; an operator's edits always win.
install -d -m 0750 "$root/etc/edgesplit" "$root/etc/edgesplit/tls"
copy_once() { # src dst mode
  if [ -e "$2" ]; then
    if ! cmp -s "$1" "$2"; then echo "keeping existing $2 (new sample: $1)"; fi
  else
    install -m "$3" "$1" "$2"
  fi
}
copy_once "$release/conf/edge.yaml" "$root/etc/edgesplit/edge.yaml" 0640
copy_once "$release/conf/logback.xml" "$root/etc/edgesplit/logback.xml" 0640
if [ -f "$here/edgesplit.env" ]; then
  copy_once "$here/edgesplit.env" "$root/etc/edgesplit/edgesplit.env" 0640
fi

# 3. State.
install -d -m 0750 "$root/var/lib/edgesplit" "$root/var/lib/edgesplit/models" "$root/var/lib/edgesplit/plans"

# 4. Unit and tmpfiles rule (always replaced: they belong to the package, not the operator).
install -d -m 0755 "$root/etc/systemd/system" "$root/etc/tmpfiles.d"
sed "s|/opt/edgesplit/|$prefix/|g" "$here/edgesplit-edge.service" > "$root/etc/systemd/system/edgesplit-edge.service.new"
chmod 0644 "$root/etc/systemd/system/edgesplit-edge.service.new"
mv "$root/etc/systemd/system/edgesplit-edge.service.new" "$root/etc/systemd/system/edgesplit-edge.service"
install -m 0644 "$here/edgesplit-sysfs.conf" "$root/etc/tmpfiles.d/edgesplit.conf"

if [ -n "$root" ]; then
  echo "staged edgesplit $version into $root (no user, ownership or systemctl changes with DESTDIR)"
  exit 0
fi

# 5. Live system only: user, ownership, systemd.
if ! getent group edgesplit >/dev/null; then
  groupadd --system edgesplit
fi
if ! getent passwd edgesplit >/dev/null; then
  useradd --system --gid edgesplit --home-dir /var/lib/edgesplit --no-create-home \
    --shell /usr/sbin/nologin --comment "edgesplit edge agent" edgesplit
fi
# Raspberry Pi OS: /dev/vcio (vcgencmd power readings) belongs to group video.
if getent group video >/dev/null && ! id -nG edgesplit | tr ' ' '\n' | grep -qx video; then
  usermod -a -G video edgesplit
fi
chown -R edgesplit:edgesplit /var/lib/edgesplit
chown root:edgesplit /etc/edgesplit /etc/edgesplit/tls /etc/edgesplit/edge.yaml /etc/edgesplit/logback.xml
[ ! -f /etc/edgesplit/edgesplit.env ] || chown root:edgesplit /etc/edgesplit/edgesplit.env

if [ -d /run/systemd/system ]; then
  systemd-tmpfiles --create /etc/tmpfiles.d/edgesplit.conf || true
  systemctl daemon-reload
  if [ "$enable" = yes ]; then
    systemctl enable --now edgesplit-edge.service
  fi
  echo "installed edgesplit $version: edit /etc/edgesplit/edge.yaml, then: systemctl enable --now edgesplit-edge"
else
  echo "installed edgesplit $version (systemd is not running here: unit installed but not loaded)"
fi
