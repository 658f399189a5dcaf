#!/usr/bin/env bash
# A consumer built with plain g++ and pkg-config against the installed SDK,
# run against the installed ppio-mock.
#   pkg_config_consumer_test.sh <prefix> <version>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
prefix="$1"
version="$2"
work=$(mktemp -d)
trap 'stop_mock; rm -rf "$work"' EXIT

export PKG_CONFIG_PATH="$(installed_libdir "$prefix")/pkgconfig"
[ "$(pkg-config --modversion ppio_sandbox)" = "$version" ] || fail "pkg-config reports $(pkg-config --modversion ppio_sandbox), not $version"
# The line the README gives.
g++ -o "$work/consumer" "$here/pkg_config_consumer.cpp" $(pkg-config --cflags --libs ppio_sandbox)
[ "$("$work/consumer" --version)" = "ppio_sandbox $version" ] || fail "consumer --version: $("$work/consumer" --version)"

start_mock "$prefix/bin/ppio-mock" --api-key sk_pkg_config=team-pkg
out=$(cd "$work" && env -u PPIO_DOMAIN HOME="$work" PPIO_API_KEY=sk_pkg_config PPIO_API_URL="$MOCK_URL" \
  PPIO_SANDBOX_URL="$MOCK_URL" "$work/consumer") || fail "consumer failed: $out"
echo "$out"
[ "$out" = "round trip: consumer-42" ] || fail "consumer printed '$out'"
echo "PASS: pkg-config consumer against the installed ppio-mock"
