#!/usr/bin/env bash
# Runs e2b_sdk.test.mjs (the official e2b npm SDK) against a fresh ppio-mock.
# Usage: run_e2b_sdk_test.sh <ppio-mock binary> <this directory>
set -euo pipefail
mock=$1
dir=$2

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: '$tool' is not installed; the external-client test needs Node 20 and npm" >&2
    exit 1
  fi
done
if [ ! -d "$dir/node_modules/e2b" ]; then
  echo "installing the e2b npm package (npm ci) into $dir/node_modules"
  (cd "$dir" && npm ci --no-audit --no-fund) || { echo "FAIL: npm ci failed" >&2; exit 1; }
fi

log=$(mktemp)
"$mock" --port 0 >"$log" 2>&1 &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null; wait "$mock_pid" 2>/dev/null; rm -f "$log"' EXIT
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/^ppio-mock listening on //p' "$log")
  [ -n "$url" ] && break
  kill -0 "$mock_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "FAIL: ppio-mock did not start:" >&2
  cat "$log" >&2
  exit 1
fi
grep '^ppio-mock: executor' "$log" || true

export E2B_API_URL=$url E2B_SANDBOX_URL=$url E2B_API_KEY=sk_mock_default_key E2B_VALIDATE_API_KEY=false
unset E2B_DEBUG E2B_DOMAIN
cd "$dir"
node --test --test-reporter=spec e2b_sdk.test.mjs
