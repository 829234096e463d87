#!/usr/bin/env bash
# Installs the npm dependencies when node_modules is missing or older than the lock file.
# The lock records every platform's optional packages, so `npm ci` accepts it anywhere and a
# fresh clone stays clean (`npm install` would rewrite package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
