# syntax=docker/dockerfile:1
# Three stages: the first installs every dependency and bundles the controller into one
# ES module (hack/build.ts); the image runs only that file, so it needs no node_modules.
# The same build bundles stagesetctl into cli/ (`node cli/stagesetctl.mjs` in the image).
# The second builds the kustomize binary from its Go module (the version
# hack/build-kustomize.sh builds for the tests), which the image carries as
# /usr/local/bin/kustomize. Base images are named without a registry host; the builder's
# configuration decides where they come from.

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

FROM golang:1.26 AS kustomize
# The same module and version as hack/build-kustomize.sh (keep the two in step); written
# out here so the stage needs nothing from the build context. A static binary, so it runs
# on the slim Node image.
ARG KUSTOMIZE_VERSION=5.8.1
RUN CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOBIN=/out go install -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=v${KUSTOMIZE_VERSION}" \
    "sigs.k8s.io/kustomize/kustomize/v5@v${KUSTOMIZE_VERSION}" \
  && /out/kustomize version

FROM node:24-slim
ENV NODE_ENV=production
# V8 sizes its heap from the memory it sees: with no limit on a big host, a young generation
# of 2 x 64 MiB and an old one left to grow to 4x the live data between collections. The
# controller's live heap is 27 MiB idle and 47 MiB after 20 000 objects (B5), so most of
# the RSS was garbage V8 kept: B5 measured 549.5 MiB at all Ready without these caps.
# 320 MiB of old space, up to 48 MiB of young generation and Node's memory outside the heap
# (under 140 MiB: B5's whole RSS is 186 MiB at a 47 MiB live heap) stay under the chart's
# 512Mi limit; change both together (values.yaml).
# The semi-space is capped at 16 MiB, not left to V8: with the old space capped, V8 would
# size it at ~4 MiB, and a burst of applies then spends ~15 % more CPU collecting (B6 from
# cold, no qps limit, alternated runs: 2.05-2.40 CPU-ms per object at 16 MiB against
# 2.46-2.62 at 4), while at the default qps the young generation stays small (B5 at 20 000
# objects: 186.3 MiB at 16 MiB, 184.7 at 4); at the peak of a burst it holds ~18 MiB more
# (166-168 vs 142-150 MiB).
ENV NODE_OPTIONS="--max-semi-space-size=16 --max-old-space-size=320"
# glibc hands memory of 32 KiB or more straight back to the kernel when it is freed (a fixed
# mmap threshold, instead of one that rises to 32 MiB). V8 parsed the bundle (6 MB when
# this was measured) at start-up in one 18 MiB zone of such blocks; with the default,
# glibc kept them in the heap for the life of the process: idle RSS 125 -> 100-109 MiB,
# B5 at all Ready 198-217 -> 184-191 MiB.
ENV MALLOC_MMAP_THRESHOLD_=32768
WORKDIR /app
COPY --from=build /app/dist ./
COPY --from=kustomize /out/kustomize /usr/local/bin/kustomize
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "stageset-controller.mjs"]
