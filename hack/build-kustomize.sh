#!/usr/bin/env bash
# Builds kustomize from its Go module (the machines reach the Go module proxy, not
# release downloads) and caches it under ~/.cache/stageset-controlplane/kustomize-<version>/
# so only the first run pays (about a minute on 2 cores). Prints the path of the
# kustomize binary on stdout; progress goes to stderr.
#
# v5.8.1 is the newest release whose dependencies the proxy serves in full (v5.8.3 needs
# a module version it does not). The Dockerfile's kustomize stage builds the same version
# (its KUSTOMIZE_VERSION argument): change both together.
set -euo pipefail

KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-5.8.1}"
CACHE_ROOT="${STAGESET_CACHE_DIR:-$HOME/.cache/stageset-controlplane}"
BIN_DIR="$CACHE_ROOT/kustomize-$KUSTOMIZE_VERSION/bin"

log() { echo "build-kustomize: $*" >&2; }

if [[ -x "$BIN_DIR/kustomize" ]]; then
  echo "$BIN_DIR/kustomize"
  exit 0
fi

command -v go >/dev/null || { log "go is required (Go >= 1.24) to build kustomize"; exit 1; }
mkdir -p "$BIN_DIR"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export GOFLAGS="-buildvcs=false" CGO_ENABLED=0

# The released go.mod has no replace directives, so `go install module@version` builds
# exactly the dependency versions the release pins. GOBIN is a scratch directory so a
# half-written binary never lands in the cache.
ldflags="-s -w -X sigs.k8s.io/kustomize/api/provenance.version=v$KUSTOMIZE_VERSION"
log "building kustomize $KUSTOMIZE_VERSION (about a minute on the first run)"
(cd "$WORK" && GOBIN="$WORK/bin" go install -trimpath -ldflags "$ldflags" \
  "sigs.k8s.io/kustomize/kustomize/v5@v$KUSTOMIZE_VERSION" >&2)
mv "$WORK/bin/kustomize" "$BIN_DIR/kustomize"
log "kustomize in $BIN_DIR"
echo "$BIN_DIR/kustomize"
