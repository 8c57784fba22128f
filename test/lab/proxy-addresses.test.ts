// Proxy labs' addresses: one /25 of 198.19.0.0/16 per id < 512, gateway .2 (the target), probe
// .100; never inside 198.18.0.0/16, where every lab's /30 lives.
import t from 'tap';
import { labAddresses, PROXY_LAB_IDS, proxyLabAddresses } from '../../src/lab/addressing.js';

t.test('one /25 per proxy lab id, after the /30s', async (t) => {
  const first = proxyLabAddresses(0);
  t.same([first.cidr, first.target.ipv4, first.probe.ipv4, first.prefixLength.ipv4], ['198.19.0.0/25', '198.19.0.2', '198.19.0.100', 25]);
  t.same([first.namespace, first.hostNamespace, first.probeInterface], ['tcpfsm-0', 'tcpfsm-0-host', 'tcpfsm-0']);
  t.equal(proxyLabAddresses(1).cidr, '198.19.0.128/25');
  const last = proxyLabAddresses(PROXY_LAB_IDS - 1);
  t.same([last.cidr, last.target.ipv4, last.probe.ipv4], ['198.19.255.128/25', '198.19.255.130', '198.19.255.228'], 'the last id ends 198.19.0.0/16');
  t.throws(() => proxyLabAddresses(PROXY_LAB_IDS), RangeError);
  t.throws(() => proxyLabAddresses(-1), RangeError);
  t.same(proxyLabAddresses(7).probe.ipv6, labAddresses(7).probe.ipv6, 'names and IPv6 as the plain lab of the same id');
});
