package main

// The link: netstack reads and writes Ethernet frames on the namespace's veth end through an
// AF_PACKET socket (link/fdbased). The namespace's own kernel must stay silent on that link:
// the veth end has no IPv4 address (so the kernel neither answers ARP nor delivers TCP) and IPv6
// is off on it before it comes up (no link-local address, no DAD, no router solicitations).

import (
	"fmt"
	"net"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/fdbased"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

const nicID tcpip.NICID = 1

// quietLink turns IPv6 off on dev, then brings it up (the kernel keeps no address on it).
func quietLink(dev string) error {
	// /proc/sys/net follows the reader's network namespace: this is the lab's own value.
	if err := os.WriteFile(fmt.Sprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", dev), []byte("1"), 0); err != nil {
		return fmt.Errorf("turning IPv6 off on %s: %w", dev, err)
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket for ioctl: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(dev)
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("reading flags of %s: %w", dev, err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("bringing %s up: %w", dev, err)
	}
	return nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// packetSocket opens an AF_PACKET socket bound to dev that sees every frame (ETH_P_ALL).
// The kernel never loops a socket's own outgoing frames back to it.
func packetSocket(ifindex int) (int, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return -1, fmt.Errorf("AF_PACKET socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("binding the AF_PACKET socket: %w", err)
	}
	return fd, nil
}

// newStack builds netstack (IPv4, ARP, TCP; IPv6 with NDP when prefix6 is valid) on dev with the
// target addresses and a route to each subnet.
func newStack(dev string, prefix, prefix6 netip.Prefix) (*stack.Stack, error) {
	iface, err := net.InterfaceByName(dev)
	if err != nil {
		return nil, fmt.Errorf("interface %s: %w", dev, err)
	}
	if err := quietLink(dev); err != nil {
		return nil, err
	}
	fd, err := packetSocket(iface.Index)
	if err != nil {
		return nil, err
	}
	link, err := fdbased.New(&fdbased.Options{
		FDs:                []int{fd},
		MTU:                uint32(iface.MTU),
		EthernetHeader:     true,
		Address:            tcpip.LinkAddress(iface.HardwareAddr),
		PacketDispatchMode: fdbased.RecvMMsg,
	})
	if err != nil {
		return nil, fmt.Errorf("fdbased link on %s: %w", dev, err)
	}
	s := stack.New(stack.Options{
		NetworkProtocols:   networkProtocols(prefix6.IsValid()),
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol},
	})
	if err := s.CreateNIC(nicID, link); err != nil {
		return nil, fmt.Errorf("creating the NIC: %s", err)
	}
	var routes []tcpip.Route
	for _, p := range []netip.Prefix{prefix, prefix6} {
		if !p.IsValid() {
			continue
		}
		protoAddr := tcpip.ProtocolAddress{
			Protocol:          ipv4.ProtocolNumber,
			AddressWithPrefix: tcpip.AddressWithPrefix{Address: tcpip.Address(p.Addr().AsSlice()), PrefixLen: p.Bits()},
		}
		if p.Addr().Is6() {
			protoAddr.Protocol = ipv6.ProtocolNumber
		}
		if err := s.AddProtocolAddress(nicID, protoAddr, stack.AddressProperties{}); err != nil {
			return nil, fmt.Errorf("adding %s: %s", p, err)
		}
		routes = append(routes, tcpip.Route{Destination: protoAddr.AddressWithPrefix.Subnet(), NIC: nicID})
	}
	s.SetRouteTable(routes)
	return s, nil
}

// networkProtocols: IPv4 and ARP, and IPv6 (NDP included) when asked. The zero ipv6.Options mean
// no duplicate address detection (the address answers at once, as the probe's nodad one), no
// link-local address and no router advertisements: the lab's link has only the probe on it.
func networkProtocols(withIPv6 bool) []stack.NetworkProtocolFactory {
	protocols := []stack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol}
	if withIPv6 {
		protocols = append(protocols, ipv6.NewProtocolWithOptions(ipv6.Options{}))
	}
	return protocols
}
