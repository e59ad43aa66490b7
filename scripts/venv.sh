#!/usr/bin/env bash
# Create .venv and install the app (and, with "test", the test tools) when pyproject changes.
set -euo pipefail
cd "$(dirname "$0")/.."
extra=${1:-}
python=${PYTHON:-python3}
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)${extra:+-$extra}"
if [[ ! -f $stamp ]]; then
  .venv/bin/python -m pip install -q --upgrade pip
  if [[ -n $extra ]]; then
    .venv/bin/python -m pip install -q -e ".[$extra]"
  else
    .venv/bin/python -m pip install -q -e .
  fi
  touch "$stamp"
fi
