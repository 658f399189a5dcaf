#!/usr/bin/env bash
# The ppio-mock program serves on the port it prints, and the conformance
# runner passes against it through --api-url.
set -euo pipefail
mock="$1"
conformance="$2"
out=$(mktemp)
"$mock" --port 0 --api-key sk_binary_test=team-x --api-key sk_binary_other=team-y >"$out" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 100); do
  url=$(sed -n 's/^ppio-mock listening on //p' "$out")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "ppio-mock never printed its URL"; exit 1; }
"$conformance" --api-url "$url" --api-key sk_binary_test --other-team-key sk_binary_other -j 4
