#!/usr/bin/env bash
# Builds the gVisor target's program (stacks/gvisor) into dist/bin/tcpfsm-gvisor: GOPATH mode
# against Debian's Go sources of gVisor, so no module proxy and no network. Used by setup.sh and,
# when the binary is missing or older than its source, by src/target/gvisor-build.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
packages="golang-go golang-gvisor-gvisor-dev"
if ! command -v go >/dev/null; then
  echo "'go' was not found on PATH: the gVisor target is a Go program; install the Debian packages $packages (apt-get install $packages, or run scripts/setup.sh)" >&2
  exit 2
fi
if [ ! -d /usr/share/gocode/src/gvisor.dev/gvisor/pkg/tcpip ]; then
  echo "gVisor's netstack sources are missing (/usr/share/gocode/src/gvisor.dev): install the Debian packages $packages (apt-get install $packages, or run scripts/setup.sh)" >&2
  exit 2
fi
mkdir -p dist/bin
out=dist/bin/tcpfsm-gvisor
tmp="$out.$$.tmp"
trap 'rm -f "$tmp"' EXIT
# Each build writes its own file and renames it into place: two builds at once cannot mix.
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$PWD/.cache/go" GOFLAGS= CGO_ENABLED=0 go build -o "$tmp" ./stacks/gvisor
mv -f "$tmp" "$out"
