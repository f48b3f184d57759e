#!/usr/bin/env bash
# Build the real Go tools the tests drive (registry, cosign, crane, etcd, kube-apiserver,
# and on request the SBOM generators and OSV-Scanner) from the Go module proxy, once.
# Binaries are cached in $PROVENANCE_TOOLS (default ~/.cache/provenance-linker/tools/bin)
# and reused on every later run; Go's own build cache makes a rebuild after a version
# change fast. Usage: scripts/go-tools.sh [TOOL ...]   (no arguments: the default set)
# Prints nothing for a tool already built; exits non-zero if a build fails.
set -euo pipefail
BIN=${PROVENANCE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/provenance-linker/tools/bin}
mkdir -p "$BIN"
export GOFLAGS=-mod=mod GOBIN="$BIN"
command -v go >/dev/null || { echo "error: go not found (Go 1.26+ is needed to build the test tools)" >&2; exit 1; }

# name version: the binary is $BIN/NAME-VERSION, linked as $BIN/NAME.
declare -A VERSION=(
  [registry]=v3.1.2 [cosign]=v2.6.5 [crane]=v0.22.1 [etcd]=v3.6.16 [kube-apiserver]=v1.34.2
  [syft]=v1.57.1 [trivy]=v0.74.0 [osv-scanner]=v2.6.0
  [referrers-registry]=v0.22.1
)
DEFAULT=(crane registry cosign etcd kube-apiserver)

build_one() {
  local name=$1 version=${VERSION[$1]} work
  local target="$BIN/$name-$version"
  if [ -x "$target" ]; then ln -sf "$name-$version" "$BIN/$name"; return 0; fi
  echo "building $name $version (cached in $BIN; a cold build takes minutes)" >&2
  work=$(mktemp -d)
  case $name in
    registry) go install "github.com/distribution/distribution/v3/cmd/registry@$version" ;;
    cosign) go install "github.com/sigstore/cosign/v2/cmd/cosign@$version" ;;
    crane) go install "github.com/google/go-containerregistry/cmd/crane@$version" ;;
    syft) go install "github.com/anchore/syft/cmd/syft@$version" ;;
    trivy) GOEXPERIMENT=jsonv2 go install "github.com/aquasecurity/trivy/cmd/trivy@$version" ;;
    osv-scanner) GOTOOLCHAIN=go1.27.3 go install "github.com/google/osv-scanner/v2/cmd/osv-scanner@$version" ;;
    etcd)
      # etcd has replace lines of its own, so it is built from a small wrapper module.
      (cd "$work" && printf 'module etcdbuild\n\ngo 1.26\n' > go.mod \
        && printf 'package main\nimport _ "go.etcd.io/etcd/server/v3/etcdmain"\nfunc main() {}\n' > main.go \
        && go get "go.etcd.io/etcd/server/v3@$version" && go mod tidy \
        && go build -o "$BIN/etcd" go.etcd.io/etcd/server/v3) ;;
    kube-apiserver)
      # k8s.io/kubernetes needs one replace line per staging module, at the matching v0 version.
      local staging="v0.${version#v1.}"
      (cd "$work" && printf 'module kubebuild\n\ngo 1.26\n\nrequire k8s.io/kubernetes %s\n' "$version" > go.mod \
        && for m in api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider \
             cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api \
             cri-client csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms \
             kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics \
             mount-utils pod-security-admission sample-apiserver sample-cli-plugin sample-controller; do
             echo "replace k8s.io/$m => k8s.io/$m $staging" >> go.mod; done \
        && printf 'package main\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver/app"\nfunc main() {}\n' > main.go \
        && go mod tidy && go build -o "$BIN/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver) ;;
    referrers-registry)
      # go-containerregistry's registry with the OCI 1.1 referrers API switched on
      # (`crane registry serve` leaves it off); a few lines of our own around the library.
      (cd "$work" && printf 'module referrersregistry\n\ngo 1.26\n' > go.mod \
        && cat > main.go <<'GO'
package main

import (
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	address := flag.String("address", "127.0.0.1:0", "host:port to listen on")
	flag.Parse()
	server := &http.Server{Addr: *address, ReadHeaderTimeout: 5 * time.Second,
		Handler: registry.New(registry.WithReferrersSupport(true))}
	log.Fatal(server.ListenAndServe())
}
GO
      go get "github.com/google/go-containerregistry@$version" && go mod tidy \
        && go build -o "$BIN/referrers-registry" .) ;;
    *) echo "error: unknown tool $name" >&2; rm -rf "$work"; return 1 ;;
  esac
  rm -rf "$work"
  mv "$BIN/$name" "$target"
  ln -sf "$name-$version" "$BIN/$name"
}

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=("${DEFAULT[@]}")
for t in "${tools[@]}"; do build_one "$t"; done
