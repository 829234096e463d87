# Sourced by the demo and test scripts: development defaults, only for settings left unset.
# Order: the environment, then .env (the settings a previous demo used, possibly edited), then the defaults.
DEV_ENV_KEYS=(NODE_ENV DATABASE_URL DATABASE_ADMIN_URL REDIS_URL PORT PUBLIC_SCHEME SESSION_SECRET)
if [ "${NODE_ENV:-}" != production ] && [ -f .env ]; then
  while IFS= read -r line; do
    [[ $line =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] || continue
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    value=${value#\'}
    value=${value%\'}
    [ -n "${!key+set}" ] || export "$key=$value"
  done <.env
  unset line key value
fi
: "${NODE_ENV:=development}"
: "${DATABASE_URL:=postgres://entraide_app:entraide_app@127.0.0.1:5432/entraide}"
: "${DATABASE_ADMIN_URL:=postgres://entraide_owner:entraide_owner@127.0.0.1:5432/entraide}"
: "${REDIS_URL:=redis://127.0.0.1:6379}"
: "${PORT:=3000}"
: "${PUBLIC_SCHEME:=http}"
: "${SESSION_SECRET:=development-only-secret-change-me-in-production}"
export "${DEV_ENV_KEYS[@]}"

# Writes the settings above to .env (git-ignored), which `npm run cli`, `migrate`, `start` and
# `worker` read when NODE_ENV is not production (libs/config/env-file.ts).
write_dev_env_file() {
  if [ "$NODE_ENV" = production ]; then return 0; fi
  local tmp=".env.$$" key
  (
    umask 077
    {
      echo "# Development settings used by npm run demo (scripts/dev-env.sh), read by the commands run by hand"
      echo "# when NODE_ENV is not production. Variables set in the environment win over this file."
      for key in "${DEV_ENV_KEYS[@]}"; do printf "%s='%s'\n" "$key" "${!key}"; done
    } >"$tmp"
  )
  mv "$tmp" .env
}
