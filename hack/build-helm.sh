#!/usr/bin/env bash
# Builds helm v3 from its Go module (the machines reach the Go module proxy, not
# release downloads) and caches it under ~/.cache/stageset-controlplane/helm-<version>/
# so only the first run pays. Prints the path of the helm binary on stdout.
#
# manifests/install.yaml is this render (test/cluster/render/chartRender.test.ts compares):
#   "$(bash hack/build-helm.sh)" template stageset-controller manifests/chart/stageset-controller \
#     --namespace stageset-system --include-crds > manifests/install.yaml
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-3.22.0}"
CACHE_ROOT="${STAGESET_CACHE_DIR:-$HOME/.cache/stageset-controlplane}"
BIN_DIR="$CACHE_ROOT/helm-$HELM_VERSION/bin"

log() { echo "build-helm: $*" >&2; }

if [[ -x "$BIN_DIR/helm" ]]; then
  echo "$BIN_DIR/helm"
  exit 0
fi

command -v go >/dev/null || { log "go is required (Go >= 1.24) to build helm"; exit 1; }
mkdir -p "$BIN_DIR"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export GOFLAGS="-buildvcs=false -mod=mod" CGO_ENABLED=0

cd "$WORK"
go mod init stageset.local/helmbuild >/dev/null 2>&1
log "resolving helm.sh/helm/v3 v$HELM_VERSION"
go get "helm.sh/helm/v3@v$HELM_VERSION" >&2
cat >tools.go <<'GO'
//go:build tools

package tools

import _ "helm.sh/helm/v3/cmd/helm"
GO
# Without the version ldflag `helm version` reports v3.x-dev; template output is unaffected.
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION"
log "building helm $HELM_VERSION (a few minutes on the first run)"
go build -trimpath -ldflags "$ldflags" -o "$BIN_DIR/helm.tmp" helm.sh/helm/v3/cmd/helm
mv "$BIN_DIR/helm.tmp" "$BIN_DIR/helm"
log "helm in $BIN_DIR"
echo "$BIN_DIR/helm"
