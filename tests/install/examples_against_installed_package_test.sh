#!/usr/bin/env bash
# examples/ as a user's own project: configured on its own with
# find_package(ppio_sandbox CONFIG REQUIRED) and nothing but CMAKE_PREFIX_PATH,
# built, and each program run against the installed ppio-mock.
#   examples_against_installed_package_test.sh <source dir> <prefix> <generator>
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source_dir="$1"
prefix="$2"
generator="$3"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# CMAKE_BUILD_TYPE empty: no optimisation, the quickest build.
cmake -S "$source_dir/examples" -B "$work/build" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" \
  ${CMAKE_CXX_COMPILER_LAUNCHER:+-DCMAKE_CXX_COMPILER_LAUNCHER="$CMAKE_CXX_COMPILER_LAUNCHER"} >"$work/configure.log" ||
  { cat "$work/configure.log"; fail "the examples do not configure against $prefix"; }
grep -q "ppio_sandbox" "$work/build/CMakeCache.txt" || fail "no ppio_sandbox in the consumer's cache"
found=$(sed -n 's/^ppio_sandbox_DIR:PATH=//p' "$work/build/CMakeCache.txt")
case "$found" in
  "$prefix"/*) ;;
  *) fail "find_package found ppio_sandbox at '$found', not under $prefix" ;;
esac
cmake --build "$work/build" -j 2 >"$work/build.log" || { cat "$work/build.log"; fail "the examples do not build"; }

for example in quick_start async_usage file_operations bulk_operations labels_filtering; do
  bash "$source_dir/examples/run_examples_test.sh" "$prefix/bin/ppio-mock" "$work/build/$example"
done
echo "PASS: the examples build with find_package against $prefix and run against its ppio-mock"
