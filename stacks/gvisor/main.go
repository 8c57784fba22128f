// tcpfsm-gvisor: gVisor's netstack as a tcpfsm lab target. Run inside the lab namespace
// (`ip netns exec tcpfsm-<k> tcpfsm-gvisor -dev eth0 -addr 198.18.x.2/30`): it takes over the
// namespace's veth end (link.go), answers ARP (and NDP with -addr6) and TCP for the target addresses in user space, and
// speaks the target agent's JSON-lines protocol on stdin/stdout (agent.go). It exits when stdin
// closes, so it never outlives the harness.
//
// Built offline in GOPATH mode against Debian's golang-gvisor-gvisor-dev (scripts/setup.sh).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"
)

func main() {
	dev := flag.String("dev", "eth0", "the namespace's veth end (no IP address on it)")
	addr := flag.String("addr", "", "the target's IPv4 address and prefix, e.g. 198.18.0.2/30")
	addr6 := flag.String("addr6", "", "the target's IPv6 address and prefix too, e.g. fdxx::2/64 (absent: IPv4 only)")
	flag.Parse()
	prefix, err := netip.ParsePrefix(*addr)
	if err != nil || !prefix.Addr().Is4() {
		fmt.Fprintf(os.Stderr, "tcpfsm-gvisor: -addr must be an IPv4 address with prefix length, got %q\n", *addr)
		os.Exit(2)
	}
	var prefix6 netip.Prefix
	if *addr6 != "" {
		if prefix6, err = netip.ParsePrefix(*addr6); err != nil || !prefix6.Addr().Is6() {
			fmt.Fprintf(os.Stderr, "tcpfsm-gvisor: -addr6 must be an IPv6 address with prefix length, got %q\n", *addr6)
			os.Exit(2)
		}
	}
	// Belt and braces next to the stdin rule: die with the harness even if stdin stays open.
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0)

	s, err := newStack(*dev, prefix, prefix6)
	if err != nil {
		fmt.Fprintf(os.Stderr, "tcpfsm-gvisor: %s\n", err)
		os.Exit(1)
	}
	a := newAgent(s, os.Stdout)
	a.event(map[string]any{"event": "ready", "pid": os.Getpid(), "node": a.version})

	in := bufio.NewReaderSize(os.Stdin, 1<<16)
	for lineNo := 1; ; lineNo++ {
		line, err := in.ReadString('\n')
		if line != "" {
			a.handle(line, lineNo)
		}
		if err == io.EOF {
			os.Exit(0) // the harness is gone (or done with us): netstack goes with the process
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "tcpfsm-gvisor: reading stdin: %s\n", err)
			os.Exit(1)
		}
	}
}
