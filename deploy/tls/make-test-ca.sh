#!/bin/sh
# Make throw-away TLS material for tests and local setups (never for production):
#   ca.crt/.key              test CA
#   server.crt/.key          signed by ca; SAN localhost, 127.0.0.1 (+ EXTRA_SANS, e.g. "DNS:cloud-worker")
#   client.crt/.key          signed by ca; clientAuth (what an edge agent presents)
#   other-ca.crt/.key        an unrelated CA
#   other-client.crt/.key    signed by other-ca: a server requiring ca-signed clients must refuse it
# Keys are EC P-256 in PKCS#8 PEM (what grpc-java/Netty read). Usage: make-test-ca.sh [OUT_DIR] (default ./out)
set -eu

out=${1:-out}
days=${DAYS:-365}
mkdir -p "$out"
cd "$out"
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca() { # name subject
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -sha256 -days "$days" -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$1.crt"
}

leaf() { # name subject issuer extensions
  key "$1.key"
  openssl req -new -key "$1.key" -subj "$2" -out "$tmp/$1.csr"
  printf '%s\n' "$4" > "$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$3.crt" -CAkey "$3.key" -CAcreateserial -CAserial "$tmp/$3.srl" \
    -sha256 -days "$days" -extfile "$tmp/$1.ext" -out "$1.crt" 2>/dev/null
}

sans="DNS:localhost,IP:127.0.0.1"
if [ -n "${EXTRA_SANS:-}" ]; then sans="$sans,$EXTRA_SANS"; fi

ca ca "/CN=edgesplit test CA"
leaf server "/CN=localhost" ca \
  "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$sans"
leaf client "/CN=edgesplit-edge" ca \
  "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
ca other-ca "/CN=edgesplit other CA"
leaf other-client "/CN=edgesplit-intruder" other-ca \
  "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"

# Containers run as uid 10001 and must read the keys: this is test material, so readable it is.
chmod 0644 ./*.crt ./*.key
echo "test CA and certificates written to $(pwd)"
