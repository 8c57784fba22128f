// What a test needs of its target (needs, settings by name or by role) against what the target
// has: the reason a test is skipped, or none.
import t from 'tap';
import { lacking } from '../../src/peer/suite.js';

const full = { agent: true, states: true, settings: true, appClose: true, appSend: true };

t.test('capabilities: each missing one is the skip reason', async (t) => {
  t.equal(lacking(['agent', 'states'], full), undefined);
  t.equal(lacking(['agent'], { ...full, agent: false }), 'needs the lab agent');
  t.match(lacking(['states'], { ...full, states: false }), /needs ground truth/);
  t.match(lacking(['settings'], { ...full, settings: false }), /does not expose/);
  t.match(lacking(['icmp'], { ...full, icmp: false }), /needs ICMP/);
  t.equal(lacking(['icmp'], full), undefined, 'ICMP not known to be missing: the test runs');
});

t.test('settings: a stack name or a role the target does not have skips the test', async (t) => {
  const memory = { ...full, settingNames: ['synack_retries', 'rfc5961', 'synack-retries'] };
  const linux = { ...full, settingNames: ['net.ipv4.tcp_synack_retries', 'net.ipv4.tcp_rfc1337', 'synack-retries'] };
  t.equal(lacking([], memory, ['synack-retries']), undefined, 'a role both stacks fill');
  t.equal(lacking([], linux, ['synack-retries']), undefined);
  t.equal(lacking([], memory, ['net.ipv4.tcp_rfc1337']), 'needs the setting net.ipv4.tcp_rfc1337, which this stack does not have');
  t.equal(lacking([], linux, ['net.ipv4.tcp_rfc1337']), undefined);
  t.match(lacking([], { ...full, settings: false }, ['synack-retries']), /does not expose/, 'no settings at all');
});
