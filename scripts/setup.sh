#!/usr/bin/env bash
# Installs what tcpfsm needs on a Debian machine (as root), then its npm dependencies.
#   iproute2 (ip, ss): the lab      nftables: kernel-RST suppression     ethtool: lab checksum offload off
#   tcpdump: codec cross-check      procps: sysctl                       chromium: HTML report render test
#   tmux: the exercise REPL's terminal test   nginx-light: a real third-party server for the remote-mode test
#   slirp4netns, passt: the slirp and passt lab targets (src/target/slirp.ts, passt.ts)
#   user-mode-linux: the uml target (Linux 6.1 as a second TCP stack, src/target/uml.ts)
#   golang-go, golang-gvisor-gvisor-dev: the gVisor target (stacks/gvisor), built offline from Debian's sources
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "setup.sh: run as root (apt-get and the lab need it)" >&2; exit 2; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends iproute2 nftables ethtool tcpdump procps chromium tmux nginx-light slirp4netns passt user-mode-linux golang-go golang-gvisor-gvisor-dev ${TCPFSM_EXTRA_PACKAGES:-} >/dev/null
npm ci --no-audit --no-fund
bash scripts/build-gvisor.sh
