#!/usr/bin/env bash
# `npm test`: makes sure services and dependencies are there, builds, then runs every test.
# Extra arguments go to Jest (e.g. `npm test -- test/rls.e2e.ts`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
bash scripts/ensure-deps.sh
npm run -s build
exec npx jest "$@"
