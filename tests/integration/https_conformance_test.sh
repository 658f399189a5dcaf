#!/usr/bin/env bash
# The real-service path without the real service: ppio-mock in real-like mode
# (HTTPS with a test CA made here, a domain, PPIO v1 ids) and ppio-conformance
# as --target ppio, reaching api.<domain> and 49983-<id>.<domain> on loopback
# through --resolve. Every case must pass; the ones that need the fake's admin
# API must be reported as skipped, not passed.
#   https_conformance_test.sh PPIO_MOCK PPIO_CONFORMANCE MAKE_TEST_CA
set -euo pipefail
mock="$1"
conformance="$2"
make_test_ca="$3"
domain=mock.ppio.test
key=sk_https_test

work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

bash "$make_test_ca" "$work/tls" "$domain"

# Clients append the domain verbatim (https://49983-<id>.<domain>), so the
# domain the fake reports names its port, which must be chosen before it starts.
start_mock() {
  local port=$1
  "$mock" --port "$port" --tls-cert "$work/tls/server.crt" --tls-key "$work/tls/server.key" \
    --domain "$domain:$port" --legacy-v1 --api-key "$key=team-https" >"$work/mock.out" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    grep -q '^ppio-mock listening on https://' "$work/mock.out" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
  return 1
}
port=""
for _ in 1 2 3 4 5; do
  candidate=$((20000 + RANDOM % 40000))
  if start_mock "$candidate"; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "ppio-mock did not start over HTTPS:"; cat "$work/mock.out"; exit 1; }

# A client that does not trust the test CA must fail the TLS handshake.
if PPIO_API_KEY=$key PPIO_DOMAIN="$domain:$port" "$conformance" --target ppio --case core.get.returns_created \
     --resolve "*.$domain=127.0.0.1" >"$work/untrusted.out" 2>&1; then
  echo "a run without --ca-file passed: the certificate was not verified"
  cat "$work/untrusted.out"
  exit 1
fi
grep -q 'TLS\|certificate' "$work/untrusted.out" || { echo "no TLS error without --ca-file:"; cat "$work/untrusted.out"; exit 1; }

PPIO_API_KEY=$key PPIO_DOMAIN="$domain:$port" "$conformance" --target ppio \
  --api-url "https://api.$domain:$port" --ca-file "$work/tls/ca.crt" --resolve "*.$domain=127.0.0.1" \
  | tee "$work/run.out"

# Skipped cases are exactly those that need the admin API, and none passed in their place.
skipped=$(grep -c '^SKIP' "$work/run.out" || true)
passed=$(grep -c '^PASS' "$work/run.out" || true)
total=$("$conformance" --list | wc -l)
[ "$passed" -gt 0 ] || { echo "no case passed"; exit 1; }
[ $((passed + skipped)) -eq "$total" ] || { echo "passed $passed + skipped $skipped != $total cases"; exit 1; }
grep -q "^$passed passed, 0 failed, $skipped skipped" "$work/run.out" || { echo "summary disagrees"; exit 1; }
if grep '^SKIP' "$work/run.out" -A1 | grep -v -e '^SKIP' -e '^--' | grep -q -v "admin API"; then
  echo "a case was skipped for another reason than the admin API"
  exit 1
fi
echo "https conformance: $passed passed, $skipped skipped (they need the admin API)"
