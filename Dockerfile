# syntax=docker/dockerfile:1
# The controller runs from its TypeScript sources: Node 24 strips the types.
# Base images are named without a registry host; the builder's configuration
# decides where they come from.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci refuses the lock on mirrors that serve only the linux builds of
# platform-specific optional packages; npm install honours the lock all the same.
# --ignore-scripts: the runtime needs no install scripts (the pinned `node`
# devDependency is omitted anyway).
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY schemas ./schemas
COPY layers ./layers
COPY src ./src
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "src/main.ts"]
