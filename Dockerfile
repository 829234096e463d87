# syntax=docker/dockerfile:1

# Entraide: API (dist/src/main.js) and workers (dist/src/worker.js) share this image.
#   docker build -t entraide .
#   docker run --rm entraide node dist/libs/db/migrate.js       # apply migrations
#   docker run --rm entraide node dist/src/cli.js tenants:sync   # sync tenants/
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: every dependency, for the build ----------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# ---- build: compile the production code to dist/ ---------------------------
# tsconfig.prod.json compiles src/, libs/ and migrations/ only: no dev/ (demo data, development
# inbox), bench/, test/ or specs (scripts/check-image-files.sh checks what the image holds).
FROM deps AS build
COPY . .
RUN npm run build:prod

# ---- runtime: production dependencies + compiled code only ------------------
FROM ${NODE_IMAGE} AS runtime
# A larger young generation: the API and the workers allocate many short-lived objects per
# request and per e-mail, and collect them less often this way (docs/PERFORMANCE.md, Notify).
# Sized once at start (min = max): a young generation that grows under load and shrinks when
# idle moves RSS by up to 128 MB, which reads as a leak (docs/PERFORMANCE.md, Soak).
ENV NODE_ENV=production \
    PORT=3000 \
    NODE_OPTIONS="--min-semi-space-size=64 --max-semi-space-size=64"
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/libs ./dist/libs
COPY --from=build /app/dist/migrations ./dist/migrations
COPY tenants ./tenants
# Files stay owned by root (read-only for the process); the process runs unprivileged and
# writes only the projects' images, under UPLOADS_DIR (a volume in docker-compose.yml).
ENV UPLOADS_DIR=/app/uploads
RUN mkdir -p /app/uploads && chown node:node /app/uploads
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
