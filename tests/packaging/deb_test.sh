#!/usr/bin/env bash
# CPack's .deb of the built tree: its name, its declared dependencies and its
# contents; then unpacked into a throw-away root (dpkg -x) where the packaged
# ppio-mock reports its version, answers its health check and serves the
# packaged data, and the packaged pkg-config module and CMake package point
# into that root.
#   deb_test.sh <build dir> <version> <source dir>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../install/lib.sh"
build="$1"
version="$2"
source_dir="$3"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

arch=$(dpkg --print-architecture)
# gzip rather than the release's xz: this tree's sanitized programs are large.
cpack --config "$build/CPackConfig.cmake" -B "$work/out" -D CPACK_DEBIAN_COMPRESSION_TYPE=gzip \
  >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack failed"; }
deb="$work/out/ppio-sandbox-toolkit_${version}_${arch}.deb"
[ -f "$deb" ] || { ls "$work/out"; fail "no $(basename "$deb")"; }
echo "built $(basename "$deb"): $(du -h "$deb" | cut -f1)"

[ "$(dpkg-deb -f "$deb" Package)" = ppio-sandbox-toolkit ] || fail "wrong Package field"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version is $(dpkg-deb -f "$deb" Version)"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
# Declared for the SDK's users and the fake, and found by dpkg-shlibdeps.
names=$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//')
for dep in libcpp-httplib-dev nlohmann-json3-dev libssl-dev pkg-config bubblewrap \
           libc6 libstdc++6 libssl3 libcpp-httplib0.11; do
  grep -qxF -- "$dep" <<<"$names" || fail "Depends lacks $dep"
done

dpkg-deb -c "$deb" >"$work/contents"
for f in ./usr/bin/ppio-mock ./usr/bin/ppio-conformance ./usr/include/ppio_sandbox/prime_compatible.hpp \
         ./usr/include/ppio_sandbox/version.hpp ./usr/share/ppio-mock/scenarios/flaky-network.json; do
  grep -q " $f$" "$work/contents" || fail "the package lacks $f"
done
grep -Eq " \./usr/lib/([a-z0-9_-]+/)?cmake/ppio_sandbox/ppio_sandboxConfig\.cmake$" "$work/contents" ||
  fail "the package lacks ppio_sandboxConfig.cmake"

root="$work/root"
dpkg -x "$deb" "$root"
bash "$here/../install/installed_mock_test.sh" "$root/usr" "$version" "$source_dir"

pc=$(find "$root/usr/lib" -path '*/pkgconfig/ppio_sandbox.pc' | head -n1)
[ -n "$pc" ] || fail "no ppio_sandbox.pc in the package"
cflags=$(PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --cflags ppio_sandbox)
into_root=""
for flag in $cflags; do
  case "$flag" in -I*) [ -f "${flag#-I}/ppio_sandbox/prime_compatible.hpp" ] && into_root=yes ;; esac
done
[ -n "$into_root" ] || fail "the packaged pkg-config module does not point into the unpacked root: $cflags"
# find_package from the unpacked root: the target points into it, and the
# version file accepts this major version only.
probe() { cmake -S "$here/find_package_probe" -B "$work/probe-$1" -DCMAKE_PREFIX_PATH="$root/usr" -DPROBE_VERSION="$1"; }
probe "${version%%.*}" >"$work/probe.log" 2>&1 || { cat "$work/probe.log"; fail "find_package(ppio_sandbox) fails in the unpacked root"; }
grep -qx "version=$version" "$work/probe-${version%%.*}/probe.txt" || fail "find_package found another version"
library=$(sed -n 's/^library=//p' "$work/probe-${version%%.*}/probe.txt")
case "$library" in "$root"/usr/*) [ -f "$library" ] || fail "no $library" ;; *) fail "the library is $library, outside $root" ;; esac
includes=$(sed -n 's/^includes=//p' "$work/probe-${version%%.*}/probe.txt")
tr ';' '\n' <<<"$includes" | grep -qxF "$root/usr/include" || fail "the include path $includes lacks $root/usr/include"
if probe "$((${version%%.*} + 1)).0" >"$work/probe-next.log" 2>&1; then fail "find_package accepted major version $((${version%%.*} + 1))"; fi
grep -qF "compatible with requested version" "$work/probe-next.log" || { cat "$work/probe-next.log"; fail "the next major failed for another reason"; }
echo "PASS: $(basename "$deb") declares its dependencies, unpacks and runs"
