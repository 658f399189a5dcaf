#!/usr/bin/env bash
# `cmake --install` of the already-built tree into a fresh prefix (the fixture
# the consumer tests use), and what must and must not be there.
#   install_into_prefix_test.sh <build dir> <prefix> <version>
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build="$1"
prefix="$2"
version="$3"

rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null

libdir=$(installed_libdir "$prefix")
libdir=${libdir#"$prefix/"}
expect_file "$prefix/$libdir/libppio_sandbox.a" \
  "$prefix/$libdir/cmake/ppio_sandbox/ppio_sandboxConfig.cmake" \
  "$prefix/$libdir/cmake/ppio_sandbox/ppio_sandboxConfigVersion.cmake" \
  "$prefix/$libdir/cmake/ppio_sandbox/ppio_sandboxTargets.cmake" \
  "$prefix/$libdir/pkgconfig/ppio_sandbox.pc" \
  "$prefix/include/ppio_sandbox/prime_compatible.hpp" \
  "$prefix/include/ppio_sandbox/version.hpp" \
  "$prefix/bin/ppio-mock" "$prefix/bin/ppio-conformance" \
  "$prefix/share/ppio-mock/templates.json" "$prefix/share/ppio-mock/tenants.json" \
  "$prefix/share/ppio-mock/scenarios/flaky-network.json"

# The wire-format helpers and the mapping are the SDK's own business.
for private in core/base64.hpp core/json_fields.hpp core/url.hpp prime_compatible/mapping.hpp; do
  [ ! -e "$prefix/include/ppio_sandbox/$private" ] || fail "private header $private was installed"
done
grep -q "^#define PPIO_SANDBOX_VERSION \"$version\"$" "$prefix/include/ppio_sandbox/version.hpp" ||
  fail "version.hpp does not say $version"
grep -q "^Version: $version$" "$prefix/$libdir/pkgconfig/ppio_sandbox.pc" || fail "ppio_sandbox.pc does not say $version"
# Nothing installed may point back into the build or source tree.
if grep -rIl -e "$build" "$prefix/$libdir/cmake" "$prefix/$libdir/pkgconfig" "$prefix/include"; then
  fail "installed files name the build tree $build"
fi
echo "PASS: installed into $prefix ($(du -sh "$prefix" | cut -f1))"
