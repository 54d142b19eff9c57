#!/bin/sh
# Container engine and local base images for the deploy-tests that run the worker image, the board's
# systemd unit and Prometheus for real. Called by .ci/run (as root) before `mvn verify`; idempotent, and
# quick on a second run: it skips what is already installed, configured or built.
#
# Debian 12 packages only, no container registry needed:
#   podman + runc        Debian's podman 4.3; its default crun fails on hybrid cgroup hosts, runc works once
#                        the default nproc/nofile ulimits are dropped (/etc/containers/containers.conf).
#   debootstrap          base images from Debian's packages (`podman import` of a minbase root filesystem):
#                          localhost/edgesplit-ci/jre:bookworm      JRE 17 (the Dockerfile's build and runtime
#                                                                   stages; CI builds with DIST=prebuilt)
#                          localhost/edgesplit-ci/systemd:bookworm  the same + systemd as PID 1 (a board)
#   prometheus           run on loopback by the monitoring test (the package's own service is not started).
# The tests pass the jre image as the Dockerfile's BUILD_IMAGE / RUNTIME_IMAGE build arguments, whose defaults
# stay the public images users pull, with DIST=prebuilt: the image takes the distribution `mvn package` built
# (no Maven, no downloads inside the build).
set -eu

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${EDGESPLIT_CI_CACHE:-/var/cache/edgesplit-ci}

log() { echo "setup-containers: $*"; }
t0=$(date +%s)

[ "$(id -u)" -eq 0 ] || { echo "setup-containers: run as root" >&2; exit 1; }

# 1. Packages.
missing=
for pair in podman:podman runc:runc debootstrap:debootstrap prometheus:prometheus; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
if [ -n "$missing" ]; then
  log "installing$missing"
  # No daemon may start from a package's maintainer scripts (prometheus ships a service).
  blocker=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    blocker=/usr/sbin/policy-rc.d
  fi
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
    slirp4netns uidmap iptables containernetworking-plugins >/dev/null
  [ -z "$blocker" ] || rm -f "$blocker"
fi

# 2. Engine configuration (a file of our own: only written when it differs).
conf=/etc/containers/containers.conf
want='# Written by edgesplit deploy-tests/setup-containers.sh.
[containers]
# The default nproc/nofile ulimits make runc fail here.
default_ulimits = []

[engine]
# crun fails on hybrid cgroup hosts ("cgroups in hybrid mode not supported").
runtime = "runc"
'
if [ "$(cat "$conf" 2>/dev/null || true)" != "$(printf '%s' "$want")" ]; then
  if [ -f "$conf" ] && ! grep -q 'edgesplit deploy-tests' "$conf"; then
    cp "$conf" "$conf.before-edgesplit"
    log "kept the previous $conf as $conf.before-edgesplit"
  fi
  mkdir -p /etc/containers
  printf '%s' "$want" > "$conf"
  log "wrote $conf"
fi
podman info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}}' >/dev/null

# 3. Base images from Debian's packages: one minbase root filesystem with the JRE is imported as the jre
#    image, then gets systemd and is imported again as the systemd image (one debootstrap, not two).
jre=localhost/edgesplit-ci/jre:bookworm
systemd=localhost/edgesplit-ci/systemd:bookworm
import_image() { # rootfs image podman-import-options...
  dir=$1 image=$2
  shift 2
  tar -C "$dir" --exclude=./var/lib/apt/lists --exclude=./var/cache/apt --exclude=./proc/* -c . \
    | podman import "$@" - "$image" >/dev/null
}
if ! podman image exists "$jre" || ! podman image exists "$systemd"; then
  mkdir -p "$cache/debs"
  root=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'umount "$root/proc" 2>/dev/null || true; rm -rf "$root"' EXIT INT TERM
  start=$(date +%s)
  log "debootstrap (minbase, openjdk-17-jre-headless) into $root"
  # Two stages so that dpkg can skip fsync (--force-unsafe-io): a throw-away root filesystem needs no
  # crash safety, and fsync per file is most of the time on a busy disk.
  debootstrap --foreign --variant=minbase --include=openjdk-17-jre-headless --cache-dir="$cache/debs" \
    bookworm "$root" "$mirror" > "$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
  echo force-unsafe-io > "$root/etc/dpkg/dpkg.cfg.d/edgesplit-ci-unsafe-io"
  chroot "$root" /debootstrap/debootstrap --second-stage >> "$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  log "jre root filesystem in $(( $(date +%s) - start )) s"
  podman image exists "$jre" || import_image "$root" "$jre" --change 'CMD=["/bin/bash"]'
  # systemd on top; no service may start in the chroot.
  printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  mount -t proc proc "$root/proc"
  chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends systemd systemd-sysv dbus' >> "$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  umount "$root/proc"
  rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/dpkg/dpkg.cfg.d/edgesplit-ci-unsafe-io"
  # A container boots to multi-user without consoles or logins nobody uses.
  chroot "$root" systemctl mask getty@tty1.service console-getty.service systemd-logind.service >/dev/null 2>&1
  podman image exists "$systemd" || import_image "$root" "$systemd" --change 'CMD=["/sbin/init"]' --change STOPSIGNAL=SIGRTMIN+3
  log "base images built in $(( $(date +%s) - start )) s"
fi
log "ready in $(( $(date +%s) - t0 )) s: $(podman --version), runtime $(podman info --format '{{.Host.OCIRuntime.Name}}'), images:" \
  "$(podman images --format '{{.Repository}}:{{.Tag}}' | grep edgesplit-ci | tr '\n' ' ')"
