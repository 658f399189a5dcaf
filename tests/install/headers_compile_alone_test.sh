#!/usr/bin/env bash
# Every installed header compiles on its own, with nothing but the installed
# prefix and the SDK's dependencies on the include path (pkg-config's flags).
#   headers_compile_alone_test.sh <prefix>
set -euo pipefail
source "$(dirname "$0")/lib.sh"
prefix="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export PKG_CONFIG_PATH="$(installed_libdir "$prefix")/pkgconfig"
cflags=$(pkg-config --cflags ppio_sandbox) || fail "pkg-config does not know ppio_sandbox"
cd "$prefix/include"
find ppio_sandbox -name '*.hpp' | sort >"$work/headers"
count=$(wc -l <"$work/headers")
[ "$count" -gt 10 ] || fail "only $count headers installed"
# Two at a time: the machine's two cores.
export cflags
if ! xargs -P 2 -I{} sh -c 'printf "#include <%s>\n" "$1" | g++ $cflags -Wall -Wextra -Werror -fsyntax-only -x c++ - ||
                             { echo "does not compile alone: $1"; exit 255; }' _ {} <"$work/headers"; then
  fail "an installed header does not compile on its own"
fi
echo "PASS: $count installed headers compile alone"
