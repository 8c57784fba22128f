// A difference between the stacks the lab found, kept found: gVisor's netstack re-labels a LAST-ACK
// connection FIN-WAIT-1 when it re-sends its FIN, and the ACK of that FIN then leaves it in
// FIN-WAIT-2 instead of closing it (RFC 9293 3.10.7.4, fifth: LAST-ACK + the ACK of our FIN ->
// CLOSED). The run judges it a violation and knows it (expectations/gvisor.json); Linux closes.
import t from 'tap';
import { runTcpfsm } from '../remote/helpers.js';

const TEST = 'in LAST-ACK an unacknowledged FIN is retransmitted, and our ACK of it closes the connection';

t.test('gVisor: the ACK of a re-sent LAST-ACK FIN leaves FIN-WAIT-2, a known violation; Linux closes', { timeout: 120_000 }, async (t) => {
  const run = await runTcpfsm(['--stack', 'linux,gvisor', 'timer-fin-retransmit', '--grep', 'LAST-ACK'], { timeoutMs: 110_000 });
  t.equal(run.code, 1, 'exit 1: a test failed', { stderr: run.stderr.slice(-2000) });
  const verdict = (stack: string) => run.results.find((r) => r.stack === stack)?.tests.find((x) => x.name === TEST);
  t.match(verdict('linux'), { ok: true }, 'linux: CLOSED after our ACK');
  t.match(verdict('gvisor'), { ok: false, error: { message: /the FSM model says CLOSED but the target kernel says FIN-WAIT-2/ } }, 'gvisor: FIN-WAIT-2');
  t.match(run.stdout + run.stderr, /gvisor: 1 findings as expected, 0 new/, 'an expected finding of gvisor');
});
