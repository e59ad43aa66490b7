#!/usr/bin/env bash
# Create .venv and install the dependencies named in pyproject.toml (with "test", the
# test tools too) whenever that file changes. The app runs from the source tree.
set -euo pipefail
cd "$(dirname "$0")/.."
extra=${1:-}
python=${PYTHON:-python3}
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)${extra:+-$extra}"
if [[ ! -f $stamp ]]; then
  mapfile -t requirements < <(.venv/bin/python - "$extra" <<'PY'
import sys
import tomllib

project = tomllib.load(open("pyproject.toml", "rb"))["project"]
wanted = list(project["dependencies"])
if sys.argv[1]:
    wanted += project["optional-dependencies"][sys.argv[1]]
print("\n".join(wanted))
PY
)
  if ! .venv/bin/python -m pip install -q --disable-pip-version-check "${requirements[@]}" \
      >.venv/pip.log 2>&1; then
    grep -v '^WARNING: Location' .venv/pip.log >&2
    exit 1
  fi
  touch "$stamp"
fi
