#!/usr/bin/env bash
# Node from Debian, then each test tool exactly as pinned in its package-lock.json: the
# certified OpenID provider the interoperability tests sign in through, and axe-core,
# which the browser tests inject into every resident page.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null && command -v npm >/dev/null || scripts/apt-install.sh nodejs npm
for dir in tests/interop/oidc-provider tests/browser/axe; do
  # Installed already from this very lock: nothing to do.
  if [[ -f $dir/node_modules/.package-lock.json && $dir/node_modules/.package-lock.json -nt $dir/package-lock.json ]]; then
    continue
  fi
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
done
