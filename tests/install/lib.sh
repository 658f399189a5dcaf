# Shared by the install and packaging tests (sourced, not run).
#   fail MSG...                        print and exit 1
#   start_mock <ppio-mock> [flags]     start it on a free port; sets MOCK_URL and MOCK_PID
#   stop_mock                          stop it and wait for it
# The caller sets `work` to a temporary directory it owns.

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Reads the "listening on" line through a FIFO: no polling, no sleep. The rest
# of its output is drained into $work/mock.out so that it never blocks.
start_mock() {
  local fifo="$work/mock.fifo" line
  rm -f "$fifo"
  mkfifo "$fifo"
  "$@" --port 0 >"$fifo" 2>"$work/mock.err" &
  MOCK_PID=$!
  exec 3<"$fifo"
  if ! IFS= read -r -t 60 line <&3; then
    cat "$work/mock.err" >&2
    fail "$1 did not print its URL"
  fi
  cat <&3 >"$work/mock.out" &
  exec 3<&-
  case "$line" in
    "ppio-mock listening on "*) MOCK_URL=${line#ppio-mock listening on } ;;
    *) fail "$1 printed '$line' instead of its URL" ;;
  esac
}

stop_mock() {
  if [ -n "${MOCK_PID:-}" ]; then
    kill "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
    MOCK_PID=""
  fi
}

# installed_libdir PREFIX: the prefix's libdir (lib, or lib/<multiarch> under /usr), from its pkg-config module.
installed_libdir() {
  local pc
  pc=$(find "$1" -path '*/pkgconfig/ppio_sandbox.pc' | head -n1)
  [ -n "$pc" ] || fail "no pkgconfig/ppio_sandbox.pc under $1"
  dirname "$(dirname "$pc")"
}

# expect_file PATH...: each must exist.
expect_file() {
  local f
  for f in "$@"; do [ -e "$f" ] || fail "missing $f"; done
}
