#!/usr/bin/env bash
# The SDK alone: configured with every extra off and GoogleTest, RapidCheck
# and CLI11 made unfindable, built as a shared library, installed, and used
# through pkg-config by a program that links the shared libppio_sandbox.
#   sdk_only_build_test.sh <source dir> <generator> <version>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
source_dir="$1"
generator="$2"
version="$3"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# CMAKE_BUILD_TYPE empty: no optimisation, the quickest build.
cmake -S "$source_dir" -B "$work/build" -G "$generator" \
  -DPPIO_BUILD_MOCK=OFF -DPPIO_BUILD_CONFORMANCE=OFF -DPPIO_BUILD_TESTS=OFF \
  -DPPIO_BUILD_EXAMPLES=OFF -DPPIO_BUILD_BENCH=OFF -DBUILD_SHARED_LIBS=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON -DCMAKE_DISABLE_FIND_PACKAGE_rapidcheck=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON \
  ${CMAKE_CXX_COMPILER_LAUNCHER:+-DCMAKE_CXX_COMPILER_LAUNCHER="$CMAKE_CXX_COMPILER_LAUNCHER"} \
  >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "the SDK alone does not configure"; }
cmake --build "$work/build" -j 2 >"$work/build.log" 2>&1 || { tail -50 "$work/build.log"; fail "the SDK alone does not build"; }
cmake --install "$work/build" --prefix "$work/prefix" >/dev/null

# Only the SDK was built and installed.
[ ! -e "$work/prefix/bin" ] || fail "an SDK-only install has programs: $(ls "$work/prefix/bin")"
[ ! -e "$work/prefix/share/ppio-mock" ] || fail "an SDK-only install has the fake's data"
lib="$(installed_libdir "$work/prefix")/libppio_sandbox.so.$version"
[ -f "$lib" ] || fail "no $lib"
soname=$(objdump -p "$lib" | sed -n 's/^ *SONAME *//p')
[ "$soname" = "libppio_sandbox.so.${version%%.*}" ] || fail "SONAME is '$soname'"

export PKG_CONFIG_PATH="$(dirname "$lib")/pkgconfig"
g++ -o "$work/consumer" "$here/pkg_config_consumer.cpp" $(pkg-config --cflags --libs ppio_sandbox)
objdump -p "$work/consumer" | grep -q "NEEDED *libppio_sandbox.so.${version%%.*}" || fail "the consumer does not link the shared library"
out=$(LD_LIBRARY_PATH="$(dirname "$lib")" "$work/consumer" --version)
[ "$out" = "ppio_sandbox $version" ] || fail "consumer --version: $out"
echo "PASS: the SDK alone configures without GTest, RapidCheck and CLI11, builds shared ($soname) and links"
