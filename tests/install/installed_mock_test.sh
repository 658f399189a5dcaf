#!/usr/bin/env bash
# The installed programs report the project version, and the installed
# ppio-mock reads its data (scenarios, templates) from the prefix it was
# installed into, not from the source tree it was built from.
#   installed_mock_test.sh <prefix> <version> <source dir>
# Also used on a .deb's extracted root: <root>/usr as the prefix.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
prefix="$1"
version="$2"
source_dir="$3"
work=$(mktemp -d)
trap 'stop_mock; rm -rf "$work"' EXIT
mock="$prefix/bin/ppio-mock"
data="$prefix/share/ppio-mock"

[ "$("$mock" --version)" = "ppio-mock $version" ] || fail "ppio-mock --version: $("$mock" --version)"
[ "$("$prefix/bin/ppio-conformance" --version)" = "ppio-conformance $version" ] ||
  fail "ppio-conformance --version: $("$prefix/bin/ppio-conformance" --version)"

"$mock" --help >"$work/help.txt"
grep -qF -- "$data/scenarios" "$work/help.txt" || { cat "$work/help.txt"; fail "--help names no scenario dir under $data"; }
grep -qF -- "$data/templates.json" "$work/help.txt" || fail "--help names no templates.json under $data"
if grep -qF -- "$source_dir/fixtures" "$work/help.txt"; then fail "the installed ppio-mock reads the source tree"; fi

start_mock "$mock" --api-key sk_installed=team-installed
admin=(-H 'X-Admin-Token: ppio-mock-admin')

code=$(curl -s -o "$work/health" -w '%{http_code}' "$MOCK_URL/health")
[ "$code" = 200 ] || fail "GET /health answered $code"

# A scenario by name comes from the installed scenarios/.
code=$(curl -s -o "$work/faults" -w '%{http_code}' "${admin[@]}" -X POST "$MOCK_URL/_mock/faults" \
  -d '{"scenario": "flaky-network"}')
[ "$code" = 201 ] || { cat "$work/faults"; fail "loading the installed scenario flaky-network answered $code"; }
code=$(curl -s -o "$work/missing" -w '%{http_code}' "${admin[@]}" -X POST "$MOCK_URL/_mock/faults" \
  -d '{"scenario": "no-such-scenario"}')
[ "$code" = 400 ] || fail "an unknown scenario answered $code, not 400"
grep -qF -- "$data/scenarios/no-such-scenario.json" "$work/missing" ||
  { cat "$work/missing"; fail "the unknown scenario's error does not name the installed scenario dir"; }

# The templates served are those of the installed templates.json.
curl -sf -H 'X-API-Key: sk_installed' "$MOCK_URL/templates" >"$work/templates"
python3 - "$data/templates.json" "$work/templates" <<'PY' || fail "GET /templates differs from the installed templates.json"
import json, sys
installed = json.load(open(sys.argv[1]))
names = {t.get("templateID") for t in (installed if isinstance(installed, list) else installed.get("templates", []))}
served = {t.get("templateID") for t in json.load(open(sys.argv[2]))}
sys.exit(0 if names and names == served else 1)
PY
echo "PASS: $mock is version $version and serves its data from $data"
