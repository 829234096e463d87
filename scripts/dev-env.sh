# Sourced by the demo and test scripts: development defaults, only for settings left unset.
: "${NODE_ENV:=development}"
: "${DATABASE_URL:=postgres://entraide_app:entraide_app@127.0.0.1:5432/entraide}"
: "${DATABASE_ADMIN_URL:=postgres://entraide_owner:entraide_owner@127.0.0.1:5432/entraide}"
: "${REDIS_URL:=redis://127.0.0.1:6379}"
: "${PORT:=3000}"
: "${PUBLIC_SCHEME:=http}"
: "${SESSION_SECRET:=development-only-secret-change-me-in-production}"
export NODE_ENV DATABASE_URL DATABASE_ADMIN_URL REDIS_URL PORT PUBLIC_SCHEME SESSION_SECRET
