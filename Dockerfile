# syntax=docker/dockerfile:1
# Two stages: the first installs every dependency and bundles the controller into one
# ES module (hack/build.ts); the image runs only that file, so it needs no node_modules.
# Base images are named without a registry host; the builder's configuration decides
# where they come from.

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci refuses the lock on mirrors that serve only the linux builds of
# platform-specific optional packages; npm install honours the lock all the same.
# --ignore-scripts: the pinned `node` devDependency's download script is not needed
# here (the base image is Node 24) and esbuild ships its binary as a package.
RUN npm install --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY hack/build.ts ./hack/
COPY schemas ./schemas
COPY layers ./layers
COPY src ./src
RUN node hack/build.ts

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/dist ./
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "stageset-controller.mjs"]
