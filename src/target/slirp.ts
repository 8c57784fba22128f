// slirp (libslirp 4.7 through slirp4netns 1.2): a BSD-derived TCP stack in user space, as a lab
// target. The plumbing (namespaces, bridge, process lifetime, safety) is ./proxy.ts.
//
// What tcpfsm can and cannot see: libslirp's TCBs live inside the slirp4netns process and are not
// exported, so there is no ground truth (states: null); verdicts rest on the segments alone. The
// host-side agent owns the other end of slirp's connect() — the application side of the proxied
// connection — so close/shutdown on it are app control of a sort (slirpTool.appControl, measured
// by test/target/slirp.test.ts).
// slirp4netns takes no option that touches TCP besides --mtu (slirp's MSS is MTU - 40), and that
// only at start: settings are start-time options (StackOptions.settings), never changed at run time.

import { NETNS_DIR } from '../lab/netns.js';
import { mtuOption, openProxy, PROXY_TAP, type ProxyHost, type ProxyTool } from './proxy.js';
import type { StackOptions } from './stack.js';

export const slirpTool: ProxyTool = {
  stack: 'slirp',
  program: 'slirp4netns',
  hostLinks: [],
  readiness: 'fd3',
  options: { mtu: mtuOption },
  args: (lab, options) => [
    `--mtu=${options.mtu}`,
    `--cidr=${lab.cidr}`,
    '--disable-dns',
    '--ready-fd=3',
    '--netns-type=path',
    `${NETNS_DIR}/${lab.namespace}`,
    PROXY_TAP,
  ],
  groundTruth:
    "No ground truth: libslirp's TCBs live inside slirp4netns and cannot be read; the agent sees only the host-side sockets, which slirp connect()s from 127.0.0.1 and an ephemeral port of its own (not the probe's)",
  appControl:
    'App control is the host-side socket: its close() or shutdown() makes slirp send FIN at once, an abort (host-side RST) makes it send RST-ACK, and a close() with unread data, which resets the host side, still reaches the probe as a FIN',
};

export function openStack(opts: StackOptions = {}): Promise<ProxyHost> {
  return openProxy(slirpTool, opts);
}
