#!/bin/sh
# Tools the deploy-tests use, from Debian's packages; call from .ci/run before `mvn verify`.
# systemd: systemd-analyze verify/security; docker-compose: `docker-compose config` validates the
# compose file (no engine needed); openssl: deploy/tls/make-test-ca.sh. Idempotent, quick when present.
set -eu
missing=
command -v systemd-analyze >/dev/null 2>&1 || missing="$missing systemd"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then
  missing="$missing docker-compose"
fi
if [ -n "$missing" ]; then
  echo "deploy-tests/setup.sh: installing$missing"
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
