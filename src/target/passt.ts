// passt/pasta (Debian's 2023-03-09 snapshot): passt's own TCP translation layer, which keeps no
// buffers of its own and mirrors the host-side socket's windows and ACKs to the probe, as a lab
// target. The plumbing (namespaces, bridge, process lifetime, safety) is ./proxy.ts.
//
// No ground truth (states: null): pasta's connection table lives inside the process and cannot be
// read; verdicts rest on the segments alone. The host-side agent owns the socket pasta connect()s
// to, the application side of the proxied connection (passtTool.appControl, measured by
// test/target/passt.test.ts). Its one start-time option that touches TCP is -m (the MSS it
// announces is MTU - 40, capped at 8192); nothing is tunable while it runs.

import { NETNS_DIR } from '../lab/netns.js';
import { mtuOption, openProxy, PROXY_TAP, type ProxyHost, type ProxyTool } from './proxy.js';
import type { StackOptions } from './stack.js';

export const passtTool: ProxyTool = {
  stack: 'passt',
  program: 'pasta',
  // pasta needs a "template" interface with a default route in its own namespace; a bridge with no
  // ports takes the route and drops whatever would use it (see proxy.ts, Safety); no IPv6
  // link-local address on it either, so loopback's stay the namespace's only addresses.
  hostLinks: ['link add sink0 type bridge', 'link set dev sink0 addrgenmode none', 'link set dev sink0 up', 'route add default dev sink0'],
  readiness: 'pid-file',
  options: { mtu: mtuOption },
  args: (lab, options, pidFile) => [
    '-f',
    '-q',
    '-4',
    // As root without --runas it switches to nobody and cannot enter the namespaces.
    '--runas',
    '0:0',
    '-I',
    PROXY_TAP,
    '-a',
    lab.probe.ipv4,
    '-n',
    '25',
    '-g',
    lab.target.ipv4,
    '-m',
    options.mtu!,
    '--no-dhcp',
    '--no-ndp',
    '--no-dhcpv6',
    '--no-ra',
    '--no-udp',
    '--no-icmp',
    '-t',
    'none',
    '-u',
    'none',
    '-T',
    'none',
    '-U',
    'none',
    '-D',
    'none',
    '-S',
    'none',
    '-P',
    pidFile,
    '--netns',
    `${NETNS_DIR}/${lab.namespace}`,
  ],
  groundTruth:
    "No ground truth: pasta's connection table lives inside the process and cannot be read; the agent sees only the host-side sockets, which pasta connect()s from 127.0.0.1 and an ephemeral port of its own (not the probe's)",
  appControl:
    'App control is the host-side socket: its close() or shutdown() makes pasta send FIN at once, an abort (host-side RST) makes it send a bare RST (no ACK), and a close() with unread data, which resets the host side, still reaches the probe as a FIN',
};

export function openStack(opts: StackOptions = {}): Promise<ProxyHost> {
  return openProxy(passtTool, opts);
}
