#!/usr/bin/env bash
# `npm run demo`: from a fresh clone to every commune's site served locally.
# Settings already in the environment win over the development defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
bash scripts/ensure-deps.sh
npm run -s build
# shellcheck source=scripts/dev-env.sh
source scripts/dev-env.sh
write_dev_env_file
node dist/libs/db/migrate.js
node dist/src/cli.js tenants:sync
# Demo residents, offers, requests and conversations (idempotent); prints the demo accounts.
node dist/dev/demo/seed.js
echo
echo "Entraide — les sites de démonstration :"
for f in tenants/*.yaml; do
  slug=$(basename "$f" .yaml)
  site=$(sed -n 's/^siteName: *//p' "$f" | tr -d '"')
  printf '  %-10s %-22s %s://%s.localhost:%s/\n' "$slug" "$site" "$PUBLIC_SCHEME" "$slug" "$PORT"
done
echo "  API docs   ${PUBLIC_SCHEME}://meylan.localhost:${PORT}/api/docs"
echo
# The API with the development inbox (dev/main.ts): every e-mail lands at /dev/mail.
exec node --min-semi-space-size=64 --max-semi-space-size=64 dist/dev/main.js
