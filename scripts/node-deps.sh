#!/usr/bin/env bash
# The certified OpenID provider the interoperability tests sign in through: Node from
# Debian, then npm's oidc-provider exactly as pinned in its package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null && command -v npm >/dev/null || scripts/apt-install.sh nodejs npm
dir=tests/interop/oidc-provider
# Installed already from this very lock: nothing to do.
if [[ -f $dir/node_modules/.package-lock.json && $dir/node_modules/.package-lock.json -nt $dir/package-lock.json ]]; then
  exit 0
fi
npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
