#!/usr/bin/env bash
# `npm test`: makes sure services and dependencies are there, checks layout, lint and module boundaries,
# typechecks, builds, then runs every test.
# Extra arguments go to Jest (e.g. `npm test -- test/rls.e2e.ts`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
bash scripts/ensure-deps.sh
# Module boundaries (.dependency-cruiser.js): a forbidden import fails the run before any test.
npm run -s deps:check
# Layout (Prettier) and lint (ESLint, type-aware; no line over 120 characters): 0 errors or no test runs.
npm run -s format:check
npm run -s lint
# The build compiles no tests: the type-level specs and the tests are checked here.
npm run -s typecheck
npm run -s build
exec npx jest "$@"
