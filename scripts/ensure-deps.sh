#!/usr/bin/env bash
# Installs the npm dependencies when node_modules is missing or older than the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci" >&2
  # A registry mirror that lacks other platforms' optional packages (e.g. @swc/core-darwin-*)
  # makes `npm ci` call the lock out of sync; `npm install` then installs the same locked versions.
  if ! npm ci --no-audit --no-fund --loglevel=error 2>/tmp/entraide-npm-ci.log; then
    echo "deps: npm ci refused the lock file ($(grep -m1 -o 'Missing: [^ ]*' /tmp/entraide-npm-ci.log || echo 'see /tmp/entraide-npm-ci.log')); npm install" >&2
    npm install --no-audit --no-fund --loglevel=error
  fi
fi
