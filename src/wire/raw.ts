// RawWire: crafted IPv4 or IPv6 TCP segments through a raw socket (npm raw-socket); the family
// is the one of the local address.
// - IP_HDRINCL / IPV6_HDRINCL: we build the whole IP packet, so the pcap holds exactly the bytes sent.
// - IPv6 receive: the kernel strips the header; ./ipv6-receive.ts rebuilds it (why there).
// - SO_MARK: the nft table (./nft.ts) lets our own RSTs through and drops the kernel's.
// - SO_BINDTODEVICE: bound to the lab's veth, a crafted packet cannot leave by any other way.
import raw from 'raw-socket';
import { decodePacket, encodePacket } from '../packet/index.js';
import type { IPv4Header, IPv6Header, IpFields, TcpSegment } from '../packet/types.js';
import { DecodeError } from '../packet/types.js';
import { onCleanup, type Registration } from '../sys/cleanup.js';
import { EnvironmentError } from '../sys/errors.js';
import { rebuildIPv6Packet } from './ipv6-receive.js';
import { PROBE_MARK, type RstScope, type RstSuppression, suppressKernelRsts } from './nft.js';
import { Demux, type Match, type Transport, type Unsubscribe, type WireSegment } from './transport.js';

const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const SO_MARK = 36;
const IPPROTO_IP = 0;
const IP_HDRINCL = 3;
const IPPROTO_IPV6 = 41;
const IPV6_HDRINCL = 36; // Linux >= 4.5

export interface RawWireOptions {
  /** interface the target is reached through; the socket is bound to it */
  iface: string;
  /** the probe's source address on that interface */
  localAddr: string;
  /** scope of the kernel-RST suppression table; omit to manage it yourself */
  suppress?: RstScope;
  mark?: number;
}

export class RawWire implements Transport {
  readonly localAddr: string;
  readonly iface: string;
  readonly family: 4 | 6;
  /** segments that arrived for nobody (other traffic on the interface, late answers) */
  unmatched = 0;
  /** bytes that did not decode as IPv4/TCP, counted not thrown */
  undecodable = 0;
  private readonly demux = new Demux();
  private readonly ipObservers = new Set<(at: bigint, bytes: Buffer) => void>();
  private ipId = (Math.random() * 0xffff) | 0;
  private closed = false;
  private readonly reg: Registration;

  private constructor(
    private readonly socket: raw.Socket,
    opts: RawWireOptions,
    readonly suppression: RstSuppression | undefined,
  ) {
    this.localAddr = opts.localAddr;
    this.iface = opts.iface;
    this.family = familyOf(opts.localAddr);
    socket.on('message', (buf, source) => this.receive(buf, source));
    socket.on('error', (e) => process.stderr.write(`tcpfsm: raw socket error: ${e.message}\n`));
    this.reg = onCleanup(
      `raw socket on ${opts.iface}`,
      () => this.closeSocket(),
      () => this.closeSocket(),
    );
  }

  static async open(opts: RawWireOptions): Promise<RawWire> {
    const socket = createBoundSocket(opts.iface, opts.mark ?? PROBE_MARK, familyOf(opts.localAddr));
    let suppression: RstSuppression | undefined;
    try {
      if (opts.suppress) suppression = await suppressKernelRsts(opts.suppress, opts.mark ?? PROBE_MARK);
    } catch (e) {
      socket.close();
      throw e;
    }
    return new RawWire(socket, opts, suppression);
  }

  send(dst: string, seg: TcpSegment, ip: IpFields = {}): Promise<WireSegment> {
    if (this.closed) return Promise.reject(new Error('send on a closed RawWire'));
    if (familyOf(dst) !== this.family) return Promise.reject(new Error(`RawWire: ${dst} is not an IPv${this.family} address`));
    this.ipId = (this.ipId + 1) & 0xffff;
    const bytes =
      this.family === 6
        ? encodePacket({ hopLimit: 64, ...(ip as Partial<IPv6Header>), version: 6, src: this.localAddr, dst }, seg)
        : encodePacket({ ttl: 64, id: this.ipId, ipFlags: 2 /* DF */, ...(ip as Partial<IPv4Header>), src: this.localAddr, dst }, seg);
    const pkt = decodePacket(bytes, 0, { keepMalformedOptions: true });
    return new Promise((resolve, reject) => {
      let at = 0n;
      this.socket.send(
        bytes,
        0,
        bytes.length,
        dst,
        () => {
          at = process.hrtime.bigint();
        },
        (err) => {
          if (err) return reject(err);
          const s: WireSegment = { dir: 'out', at, ip: pkt.ip, tcp: pkt.tcp, bytes };
          this.demux.observe(s);
          resolve(s);
        },
      );
    });
  }

  /**
   * A whole IP packet built by the caller (an ICMP error): IP_HDRINCL sends any protocol through
   * this socket, from our address (the kernel fills in only a zero id, the total length and the
   * header checksum). `about` is for pacing wires; the packet goes to `dst` and nowhere else.
   */
  sendIp(dst: string, packet: Buffer, _about?: Match): Promise<bigint> {
    if (this.closed) return Promise.reject(new Error('sendIp on a closed RawWire'));
    return new Promise((resolve, reject) => {
      let at = 0n;
      this.socket.send(
        packet,
        0,
        packet.length,
        dst,
        () => {
          at = process.hrtime.bigint();
        },
        (err) => {
          if (err) return reject(err);
          for (const o of this.ipObservers) o(at, packet);
          resolve(at);
        },
      );
    });
  }

  onIpPacket(observer: (at: bigint, bytes: Buffer) => void): Unsubscribe {
    this.ipObservers.add(observer);
    return () => this.ipObservers.delete(observer);
  }

  listen(match: Match, handler: (s: WireSegment) => void): Unsubscribe {
    return this.demux.listen(match, handler);
  }

  onSegment(observer: (s: WireSegment) => void): Unsubscribe {
    return this.demux.onSegment(observer);
  }

  async close(): Promise<void> {
    await this.reg.release();
    await this.suppression?.remove();
  }

  private closeSocket(): void {
    if (this.closed) return;
    this.closed = true;
    this.demux.clear();
    this.ipObservers.clear();
    this.socket.close();
  }

  private receive(view: Buffer, source: string): void {
    const at = process.hrtime.bigint();
    // raw-socket reuses its receive buffer: copy before anything keeps a reference.
    const bytes = this.family === 6 ? rebuildIPv6Packet(view, source, this.localAddr) : Buffer.from(view);
    let pkt;
    try {
      pkt = decodePacket(bytes, 0, { keepMalformedOptions: true });
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.undecodable++;
      return;
    }
    if (!this.demux.deliver({ dir: 'in', at, ip: pkt.ip, tcp: pkt.tcp, bytes })) this.unmatched++;
  }
}

const familyOf = (addr: string): 4 | 6 => (addr.includes(':') ? 6 : 4);

function createBoundSocket(iface: string, mark: number, family: 4 | 6): raw.Socket {
  let socket: raw.Socket;
  try {
    socket = raw.createSocket({ protocol: raw.Protocol.TCP, addressFamily: family === 6 ? raw.AddressFamily.IPv6 : raw.AddressFamily.IPv4, bufferSize: 65536 });
  } catch (e) {
    if (/not permitted|EPERM|EACCES/i.test((e as Error).message)) throw new EnvironmentError('raw sockets need root or CAP_NET_RAW (run with sudo)');
    throw e;
  }
  try {
    if (family === 6) socket.setOption(IPPROTO_IPV6, IPV6_HDRINCL, 1);
    else socket.setOption(IPPROTO_IP, IP_HDRINCL, 1);
    socket.setOption(SOL_SOCKET, SO_MARK, mark);
    const name = Buffer.from(iface + '\0');
    socket.setOption(SOL_SOCKET, SO_BINDTODEVICE, name, name.length);
  } catch (e) {
    socket.close();
    const msg = (e as Error).message;
    if (/No such device|ENODEV/i.test(msg)) throw new EnvironmentError(`interface ${iface} does not exist`);
    if (/not permitted|EPERM/i.test(msg)) throw new EnvironmentError('SO_MARK and SO_BINDTODEVICE need root or CAP_NET_ADMIN');
    throw e;
  }
  return socket;
}
