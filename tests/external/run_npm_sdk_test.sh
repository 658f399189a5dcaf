#!/usr/bin/env bash
# Runs one official npm SDK's test file (node --test) against a fresh ppio-mock.
# Usage: run_npm_sdk_test.sh <ppio-mock binary> <this directory> <test file>
# Each SDK is pointed at the fake through its own variables: E2B_* for e2b,
# NOVITA_* for novita-sandbox.
set -euo pipefail
mock=$1
dir=$2
test_file=$3

for tool in node npm flock; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: '$tool' is not installed; the external-client tests need Node 20, npm and flock" >&2
    exit 1
  fi
done
# The pinned packages (package-lock.json) are installed once; ctest may run
# several of these at a time, so one installs while the others wait.
installed() {
  (cd "$dir" && node -e '
    const want = require("./package-lock.json").packages;
    let have = {};
    try { have = require("./node_modules/.package-lock.json").packages; } catch {}
    for (const [name, pkg] of Object.entries(want)) {
      if (!name || pkg.optional) continue;  // optional ones may not fit this Node
      if (!have[name] || have[name].version !== pkg.version) process.exit(1);
    }')
}
(
  flock 9
  if ! installed; then
    echo "installing the pinned npm packages (npm ci) into $dir/node_modules"
    (cd "$dir" && npm ci --no-audit --no-fund) || { echo "FAIL: npm ci failed" >&2; exit 1; }
  fi
) 9>"$dir/.npm-install.lock"

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
export NOVITA_API_URL=$url NOVITA_SANDBOX_URL=$url NOVITA_API_KEY=sk_mock_default_key
unset E2B_DEBUG E2B_DOMAIN NOVITA_DEBUG NOVITA_DOMAIN
cd "$dir"
node --test --test-reporter=spec "$test_file"
