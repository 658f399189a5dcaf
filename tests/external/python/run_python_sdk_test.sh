#!/usr/bin/env bash
# Runs the Python external-client tests (pytest) against ppio-mock.
# Usage: run_python_sdk_test.sh <ppio-mock binary> <prime_interop binary> [pytest arguments...]
#
# The virtual environment (.venv here, git-ignored) holds exactly the packages
# of requirements.lock, installed with their hashes. It is made once and
# reused while its stamp matches the lock file and the interpreter; ctest may
# run several of these at a time, so one installs while the others wait.
# conftest.py starts the fake itself, on a free port, for each pytest run.
set -euo pipefail
mock=$1
interop=$2
shift 2
dir=$(cd "$(dirname "$0")" && pwd)
venv=$dir/.venv

# Debian's python3 (scripts/install-deps installs it with python3-venv);
# PPIO_TEST_PYTHON picks another CPython 3.11 (the lock's wheels are cp311).
python=${PPIO_TEST_PYTHON:-/usr/bin/python3}
for tool in "$python" flock sha256sum; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: '$tool' is not installed; run scripts/install-deps (python3, python3-venv, util-linux)" >&2
    exit 1
  fi
done
if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
  echo "FAIL: $python cannot make virtual environments; install python3-venv (scripts/install-deps)" >&2
  exit 1
fi

want="$(sha256sum "$dir/requirements.lock" | cut -d' ' -f1) $("$python" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
(
  flock 9
  if [ "$(cat "$venv/.ppio-lock-stamp" 2>/dev/null)" != "$want" ] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    echo "making $venv from requirements.lock"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    # The stamp is written last: an interrupted install is redone next time.
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/pip" install --no-input --quiet --no-deps --require-hashes \
      --only-binary=:all: -r "$dir/requirements.lock" || { echo "FAIL: pip install failed" >&2; exit 1; }
    echo "$want" >"$venv/.ppio-lock-stamp"
  fi
) 9>"$dir/.venv.lock"

export PPIO_MOCK_BIN=$mock PPIO_INTEROP_BIN=$interop PYTHONDONTWRITEBYTECODE=1
cd "$dir"
exec "$venv/bin/python" -m pytest "$@"
