// Remote mode's set-up checks, no packets: what no TCP server can be (address class), what the
// suites receive from the CLI (the resolved address), and which privileges remote mode needs.
import t from 'tap';
import { missingRemoteCapabilities } from '../../src/lab/privileges.js';
import { addressClassProblem, readRemoteOptions, resolveTarget } from '../../src/peer/remote.js';

t.test('address class: unspecified, broadcast, multicast and reserved addresses are no server', async (t) => {
  const refused: Array<[string, RegExp]> = [
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['255.255.255.255', /limited broadcast/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['240.0.0.1', /reserved/],
  ];
  for (const [addr, why] of refused) {
    t.match(addressClassProblem(addr), why, addr);
    await t.rejects(
      resolveTarget(addr),
      { message: new RegExp(`--target ${addr.replace(/\./g, '\\.')} .*${why.source}`) },
      `${addr}: refused before any lookup or route`,
    );
  }
  for (const addr of ['198.18.0.2', '198.19.255.254', '127.0.0.1', '223.255.255.255', '1.0.0.0'])
    t.equal(addressClassProblem(addr), undefined, `${addr} may be a server`);
  t.equal(await resolveTarget('198.18.0.2'), '198.18.0.2');
});

t.test('the suites take the address the CLI resolved, checked again', async (t) => {
  t.equal(readRemoteOptions(JSON.stringify({ addr: '198.18.0.2' })).addr, '198.18.0.2');
  t.throws(() => readRemoteOptions(JSON.stringify({ addr: 'example.org' })), /addr wants a unicast IP address, got 'example\.org'/);
  t.throws(() => readRemoteOptions(JSON.stringify({ addr: '224.0.0.1' })), /addr wants a unicast IP address/);
});

t.test('remote mode needs CAP_NET_RAW and CAP_NET_ADMIN (not CAP_SYS_ADMIN: no namespace)', async (t) => {
  t.same(missingRemoteCapabilities(0n), ['CAP_NET_RAW', 'CAP_NET_ADMIN']);
  t.same(missingRemoteCapabilities(1n << 13n), ['CAP_NET_ADMIN']);
  t.same(missingRemoteCapabilities((1n << 12n) | (1n << 13n)), []);
});
