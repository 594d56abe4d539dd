#!/usr/bin/env bash
# Builds kube-apiserver, etcd and kubectl from their Go modules (the machines reach
# the Go module proxy, not release downloads) and caches them under
# ~/.cache/stageset-controlplane/<component>-<version>/ so only the first run pays.
# Prints the bin directory on stdout.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-3.6.5}"
CACHE_ROOT="${STAGESET_CACHE_DIR:-$HOME/.cache/stageset-controlplane}"
BIN_DIR="$CACHE_ROOT/k8s-$K8S_VERSION-etcd-$ETCD_VERSION/bin"

log() { echo "build-controlplane: $*" >&2; }

BINARIES=(etcd kube-apiserver kube-controller-manager kubectl)
all_built() { for b in "${BINARIES[@]}"; do [[ -x "$BIN_DIR/$b" ]] || return 1; done; }
if all_built; then
  echo "$BIN_DIR"
  exit 0
fi

command -v go >/dev/null || { log "go is required (Go >= 1.24) to build the control plane"; exit 1; }
mkdir -p "$BIN_DIR"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export GOFLAGS="-buildvcs=false -mod=mod" CGO_ENABLED=0

# k8s.io/kubernetes replaces every k8s.io/* staging module with a local path;
# a consuming module must pin each of them to the matching v0.x.y instead.
build_k8s() {
  local mod="$WORK/k8s"
  mkdir -p "$mod"
  cd "$mod"
  go mod init stageset.local/k8sbuild >/dev/null 2>&1
  local gomod
  gomod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  local staging="0.${K8S_VERSION#1.}"
  {
    echo "require k8s.io/kubernetes v$K8S_VERSION"
    grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging' "$gomod" | awk '{print "replace " $1 " => " $1 " v'"$staging"'"}'
  } >>go.mod
  cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  log "resolving k8s.io/kubernetes v$K8S_VERSION modules"
  go mod tidy -e >/dev/null 2>&1 || true
  go get "k8s.io/kubernetes@v$K8S_VERSION" >&2
  local minor="${K8S_VERSION#1.}"
  minor="${minor%%.*}"
  # Without these the binaries report v0.0.0 and kubectl's version-skew checks misfire.
  local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=v$K8S_VERSION"
  # kube-controller-manager brings the namespace controller and the garbage collector,
  # which a real cluster runs and which teardown and Background deletes rely on.
  local cmd
  for cmd in kube-apiserver kube-controller-manager kubectl; do
    [[ -x "$BIN_DIR/$cmd" ]] && continue
    log "building $cmd $K8S_VERSION (several minutes on the first run)"
    go build -trimpath -ldflags "$ldflags" -o "$BIN_DIR/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
    mv "$BIN_DIR/$cmd.tmp" "$BIN_DIR/$cmd"
  done
}

build_etcd() {
  local mod="$WORK/etcd"
  mkdir -p "$mod"
  cd "$mod"
  go mod init stageset.local/etcdbuild >/dev/null 2>&1
  log "building etcd $ETCD_VERSION"
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
  cat >tools.go <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
  go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$BIN_DIR/etcd.tmp" "$BIN_DIR/etcd"
}

[[ -x "$BIN_DIR/etcd" ]] || build_etcd
all_built || build_k8s
log "binaries in $BIN_DIR"
echo "$BIN_DIR"
