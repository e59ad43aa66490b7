#!/usr/bin/env bash
# Create .venv and install the pinned dependencies (requirements/app.txt; with "test",
# requirements/test.txt, which adds the test tools) whenever the lock file changes, so
# every machine installs exactly what CI tested. `make lock` (scripts/lock.sh) updates
# the pins from pyproject.toml. The app runs from the source tree.
set -euo pipefail
cd "$(dirname "$0")/.."
extra=${1:-}
python=${PYTHON:-python3}
lock="requirements/${extra:-app}.txt"
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
stamp=".venv/.installed-$(sha256sum "$lock" | cut -c1-16)-${extra:-app}"
if [[ ! -f $stamp ]]; then
  if ! .venv/bin/python -m pip install -q --disable-pip-version-check -r "$lock" \
      >.venv/pip.log 2>&1; then
    grep -v '^WARNING: Location' .venv/pip.log >&2
    exit 1
  fi
  touch "$stamp"
fi
