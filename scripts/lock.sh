#!/usr/bin/env bash
# Pin every dependency, direct or not, to an exact version: requirements/app.txt for the
# app (make demo) and requirements/test.txt with the test tools (make test), both
# compiled from pyproject.toml by pip-tools in a throwaway virtualenv. Run it (make lock)
# after changing a dependency in pyproject.toml, then commit both files. Extra arguments
# go to pip-compile, e.g. `scripts/lock.sh --upgrade-package flask`.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
"$python" -m venv "$tools"
"$tools/bin/pip" install -q --disable-pip-version-check pip-tools 2>&1 | grep -v '^WARNING: Location' || true
compile() {
  "$tools/bin/pip-compile" -q --no-emit-index-url --no-emit-find-links --strip-extras \
    --no-annotate --no-header "$@" pyproject.toml 2>&1 | grep -v '^WARNING: Location' || true
}
mkdir -p requirements
compile -o requirements/app.txt "$@"
compile --extra test -o requirements/test.txt "$@"
echo "requirements/app.txt and requirements/test.txt updated; commit them."
