#!/usr/bin/env bash
# Runs one example program against a ppio-mock started on a free port, with
# the environment a user would set, and checks its exit status and output.
#   run_examples_test.sh <ppio-mock> <example binary>
set -euo pipefail
mock="$1"
example="$2"
name=$(basename "$example")

work=$(mktemp -d)
mock_out="$work/mock.log"
: >"$mock_out"  # made before the fake starts: the background job's own redirect may come after the first read
"$mock" --port 0 --api-key sk_examples=team-examples >"$mock_out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/^ppio-mock listening on //p' "$mock_out")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "ppio-mock never printed its URL"; cat "$mock_out"; exit 1; }

# What each example must print (extended regular expressions, one per line).
case "$name" in
  quick_start)      expected=$'^Created: \n^Python 3\\.' ;;
  async_usage)      expected=$'^Hello from async!$\n^task 1$\n^task 3$' ;;
  file_operations)  expected=$'^Uploaded [0-9]+ bytes to /app/script.py$\n^Script exited with 0$\n^Downloaded: Hello from the uploaded script$\n^Last 4 bytes: 6789 \\(of 10\\)$' ;;
  bulk_operations)  expected=$': RUNNING$\n^Deleted 5/5 sandboxes$\n^Deleted 2/2 sandboxes$' ;;
  labels_filtering) expected=$'^labeled-sandbox: RUNNING$\n^1 sandbox\\(es\\) on page 1$' ;;
  *) echo "no expectations for example '$name'"; exit 1 ;;
esac

# A clean HOME, so that no ~/.prime/config.json of the machine is read.
out="$work/out.txt"
status=0
(cd "$work" && env -u PPIO_DOMAIN HOME="$work" PPIO_API_KEY=sk_examples PPIO_API_URL="$url" PPIO_SANDBOX_URL="$url" \
  "$example") >"$out" 2>&1 || status=$?
cat "$out"
if [ "$status" -ne 0 ]; then
  echo "FAIL: $name exited with $status"
  exit 1
fi
while IFS= read -r pattern; do
  if ! grep -Eq -- "$pattern" "$out"; then
    echo "FAIL: $name did not print a line matching: $pattern"
    exit 1
  fi
done <<<"$expected"
echo "PASS: $name"
