# dyadflow's CLI in a container (used by docker-compose.yml's profile-gated services).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY pipelines ./pipelines
COPY bench ./bench
COPY types ./types
COPY schemas ./schemas
# `npm ci` builds dist/ through the prepare script; dev dependencies are needed for that build only.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev
USER node
ENTRYPOINT ["node", "dist/src/cli/bin.js"]
