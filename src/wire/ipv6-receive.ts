// What an AF_INET6 raw TCP socket delivers, made into a whole IPv6 packet for the decoder, the
// demux and the pcap. Linux strips the IPv6 header from what a raw IPv6 socket reads (RFC 3542
// 3: "the IPv6 header is never passed to the application"); raw-socket 1.8.1 reads with
// recvfrom(2), so only the source address comes with the segment — no ancillary data (the
// hop limit, traffic class and flow label need recvmsg(2) with IPV6_RECVHOPLIMIT/RECVTCLASS),
// and it cannot open a packet socket (its address family is AF_INET or AF_INET6 only). So the
// header is rebuilt: source from recvfrom, destination our own address (the socket is bound to
// the lab's interface, whose only routable address is ours), payload length from the bytes.
// No verdict reads hop limit, traffic class or flow label; the rebuilt header says what it does
// not know with fixed values (hop limit 64, the Linux default, traffic class 0, flow label 0)
// and the trace says the received headers are rebuilt (see README: IPv6).
import { PROTOCOL_TCP } from '../packet/checksum.js';
import { IPV6_HEADER_LENGTH, writeIPv6 } from '../packet/ipv6.js';

/** Hop limit written into a rebuilt header: the Linux default, since the real one is not delivered. */
export const REBUILT_HOP_LIMIT = 64;

/** A whole IPv6 packet: a rebuilt fixed header, then the TCP bytes as received. */
export function rebuildIPv6Packet(tcpBytes: Uint8Array, src: string, dst: string): Buffer {
  const out = Buffer.allocUnsafe(IPV6_HEADER_LENGTH + tcpBytes.length);
  writeIPv6({ src, dst, hopLimit: REBUILT_HOP_LIMIT, trafficClass: 0, flowLabel: 0, nextHeader: PROTOCOL_TCP }, out, 0, tcpBytes.length);
  out.set(tcpBytes, IPV6_HEADER_LENGTH);
  return out;
}
