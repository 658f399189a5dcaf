#!/usr/bin/env bash
# Makes throw-away TLS material for the fake's real-like HTTPS mode:
#   make_test_ca.sh DIR DOMAIN
# writes DIR/ca.crt (a test CA, to give clients as their CA file) and
# DIR/server.crt + DIR/server.key (signed by it, for ppio-mock --tls-cert/--tls-key).
# The server certificate names api.DOMAIN, *.DOMAIN (so 49983-<id>.DOMAIN) and
# 127.0.0.1. Nothing here is ever committed: it is made at test time and
# lives two days.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 DIR DOMAIN" >&2
  exit 2
fi
dir="$1"
domain="$2"
mkdir -p "$dir"
cd "$dir"

# openssl chats on stderr even when it succeeds; show it only when it fails.
quiet() {
  local log
  if ! log=$("$@" 2>&1); then
    echo "$log" >&2
    echo "make_test_ca.sh: failed: $*" >&2
    return 1
  fi
}

# P-256 keys: generated in milliseconds, unlike RSA.
key_options=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)

quiet openssl req -x509 "${key_options[@]}" -keyout ca.key -out ca.crt -days 2 \
  -subj "/CN=ppio-mock test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign"

quiet openssl req "${key_options[@]}" -keyout server.key -out server.csr -subj "/CN=api.$domain"

cat >server.ext <<EOF
subjectAltName=DNS:api.$domain,DNS:*.$domain,IP:127.0.0.1
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
EOF
quiet openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 \
  -extfile server.ext
rm -f server.csr server.ext ca.srl
