# livegate container image: a build stage compiles the server and the dashboard, a small runtime
# stage runs them as the unprivileged `node` user. Build from a clean checkout:
#
#   docker build --build-arg LIVEGATE_REVISION="$(git rev-parse HEAD)" -t livegate:0.1.0 .
#   docker run --rm -p 8080:8080 livegate:0.1.0
#
# Configuration comes from LIVEGATE_* environment variables (docs/operations.md) or a file mounted
# at /etc/livegate/livegate.yaml and named with `--config`. This file is checked by
# test/integration/deploy-files.test.ts (structure, and its HEALTHCHECK command against a live
# server); no image is built in the test suite.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The build context has no .git: the revision for livegate_build_info comes in as a build argument.
ARG LIVEGATE_REVISION=unknown
RUN LIVEGATE_REVISION="$LIVEGATE_REVISION" npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080
WORKDIR /opt/livegate
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/web/dist ./web/dist
USER node
EXPOSE 8080
# Liveness only (/healthz); load balancers should use /readyz. The image has no curl: Node's fetch.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# livegate handles SIGTERM itself (graceful shutdown), so it can run as PID 1.
CMD ["node", "dist/src/cli/main.js", "serve"]
