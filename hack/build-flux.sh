#!/usr/bin/env bash
# Builds Flux's kustomize-controller from its Go module (the machines reach the Go module
# proxy, not release downloads or container registries) and caches it, with the CRDs it
# needs, under ~/.cache/stageset-controlplane/kustomize-controller-<version>/:
#
#   bin/kustomize-controller
#   crds/kustomize.toolkit.fluxcd.io_kustomizations.yaml      (from the module itself)
#   crds/source.toolkit.fluxcd.io_{gitrepositories,ocirepositories,buckets,externalartifacts}.yaml
#                                                             (from source-controller's module)
#
# Only the first run pays (about 5 minutes on 2 cores). Prints the path of the binary on
# stdout (the CRDs are in ../crds from it); progress goes to stderr. The benchmark harness
# (bench/support/flux.ts) runs it as a comparison subject for B1 and B2.
#
# v1.9.6 is the newest release whose dependencies the proxy serves in full (v1.10.x needs
# module versions it does not). The module's go.mod replaces its `api` submodule with
# ./api, which a module zip never contains, so the submodule at the same version is put in
# there before `go build`.
set -euo pipefail

FLUX_KC_VERSION="${FLUX_KC_VERSION:-1.9.6}"
CACHE_ROOT="${STAGESET_CACHE_DIR:-$HOME/.cache/stageset-controlplane}"
ROOT="$CACHE_ROOT/kustomize-controller-$FLUX_KC_VERSION"
BIN_DIR="$ROOT/bin"
CRD_DIR="$ROOT/crds"
BIN="$BIN_DIR/kustomize-controller"

# The source kinds kustomize-controller watches (OCIRepository, GitRepository, Bucket, and
# ExternalArtifact behind its feature gate): the manager does not start without their CRDs.
SOURCE_CRDS=(gitrepositories ocirepositories buckets externalartifacts)

log() { echo "build-flux: $*" >&2; }

all_there() {
  [[ -x "$BIN" && -s "$CRD_DIR/kustomize.toolkit.fluxcd.io_kustomizations.yaml" ]] || return 1
  local c
  for c in "${SOURCE_CRDS[@]}"; do [[ -s "$CRD_DIR/source.toolkit.fluxcd.io_$c.yaml" ]] || return 1; done
}

if all_there; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { log "go is required (Go >= 1.26) to build kustomize-controller"; exit 1; }
mkdir -p "$BIN_DIR" "$CRD_DIR"
WORK="$(mktemp -d)"
# The module cache is read-only; make the copies removable.
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
export GOFLAGS="-buildvcs=false" CGO_ENABLED=0

# go mod download -json prints one object per module; pick the "Dir" of the named one.
module_dir() {
  local json
  json="$(cd "$WORK" && go mod download -json "$1")"
  local dir
  dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n 1)"
  if [[ -z "$dir" || ! -d "$dir" ]]; then
    log "could not download $1:"
    printf '%s\n' "$json" >&2
    return 1
  fi
  echo "$dir"
}

log "downloading github.com/fluxcd/kustomize-controller v$FLUX_KC_VERSION and its api submodule"
kc_dir="$(module_dir "github.com/fluxcd/kustomize-controller@v$FLUX_KC_VERSION")"
api_dir="$(module_dir "github.com/fluxcd/kustomize-controller/api@v$FLUX_KC_VERSION")"

# The source-controller release whose API the controller is built against (its go.mod's
# github.com/fluxcd/source-controller/api requirement) provides the source CRDs.
source_version="$(awk '$1 == "github.com/fluxcd/source-controller/api" { print $2; exit }' "$kc_dir/go.mod")"
[[ -n "$source_version" ]] || { log "no source-controller/api requirement in $kc_dir/go.mod"; exit 1; }
log "downloading github.com/fluxcd/source-controller $source_version for its CRDs"
sc_dir="$(module_dir "github.com/fluxcd/source-controller@$source_version")"

if [[ ! -x "$BIN" ]]; then
  src="$WORK/kustomize-controller"
  cp -r "$kc_dir" "$src"
  chmod -R u+w "$src"
  cp -r "$api_dir" "$src/api"
  chmod -R u+w "$src/api"
  log "building kustomize-controller $FLUX_KC_VERSION (about 5 minutes on the first run)"
  (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$BIN.tmp" . >&2)
  mv "$BIN.tmp" "$BIN"
fi

cp "$kc_dir/config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml" "$CRD_DIR/"
for c in "${SOURCE_CRDS[@]}"; do
  cp "$sc_dir/config/crd/bases/source.toolkit.fluxcd.io_$c.yaml" "$CRD_DIR/"
done
chmod -R u+w "$CRD_DIR"
log "kustomize-controller in $BIN_DIR, CRDs (source-controller $source_version) in $CRD_DIR"
echo "$BIN"
