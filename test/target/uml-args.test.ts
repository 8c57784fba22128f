// The linux.uml command line, without root: fixed MAC per lab, the target address for init,
// the protocol on con1, and a path with a blank refused (the kernel would split it).

import { existsSync } from 'node:fs';
import t from 'tap';
import { labAddresses } from '../../src/lab/addressing.js';
import { EnvironmentError } from '../../src/sys/errors.js';
import { UML_INIT, umlKernelArgs, umlMac } from '../../src/target/uml/kernel-args.js';

t.test('one MAC per lab, locally administered', async (t) => {
  t.equal(umlMac(0), '02:7c:9f:00:00:02');
  t.equal(umlMac(0x3fff), '02:7c:9f:3f:ff:02');
  t.not(umlMac(1), umlMac(256));
});

t.test('kernel parameters of lab 5', async (t) => {
  const args = umlKernelArgs({ lab: labAddresses(5), node: '/usr/bin/node', agent: '/x/main.js', umlDir: '/tmp' });
  t.ok(args.includes('tcpfsm_addr=198.18.0.22/30'), 'the target address with its prefix, for init');
  t.ok(args.includes('vec0:transport=raw,ifname=eth0,mac=02:7c:9f:00:05:02'), 'raw transport on the target-side veth end');
  t.ok(args.includes('con1=fd:3') && args.includes('con0=null,fd:1'), 'protocol on con1, boot messages on con0');
  t.ok(args.includes('ro') && args.includes('rootflags=/'), "the host's root, read-only");
  t.ok(args.includes('umid=tcpfsm-5-uml') && args.includes('uml_dir=/tmp'));
  t.ok(args.includes(`init=${UML_INIT}`));
  t.ok(existsSync(UML_INIT), 'the init script is found from the compiled module');
});

t.test('an RTO floor becomes a route to the probe with rto_min, set by init', async (t) => {
  const plain = umlKernelArgs({ lab: labAddresses(5), node: '/usr/bin/node', agent: '/x/main.js', umlDir: '/tmp' });
  t.notOk(
    plain.some((a) => a.startsWith('tcpfsm_rto_min_ms=')),
    'no floor asked: the kernel default',
  );
  const args = umlKernelArgs({ lab: labAddresses(5), node: '/usr/bin/node', agent: '/x/main.js', umlDir: '/tmp', minRtoMs: 3000 });
  t.ok(args.includes('tcpfsm_probe=198.18.0.21') && args.includes('tcpfsm_rto_min_ms=3000'));
});

t.test('a path with a blank is refused', async (t) => {
  t.throws(() => umlKernelArgs({ lab: labAddresses(5), node: '/opt/my node/bin/node', agent: '/x/main.js', umlDir: '/tmp' }), EnvironmentError);
});
