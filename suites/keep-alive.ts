// Keep-alives, RFC 9293 3.8.4: off unless the application asks (MUST-25).
//   > S  < S.  > .  > P. "ping"  < . ack +4     (ESTABLISHED, nothing outstanding)
//   … idle 5 s …  (nothing: no < . seq SND.NXT-1 probe)
// In the lab the kernel's socket must also have no keep-alive timer armed (ss).
import { watchForKeepAlives } from '../src/peer/keep-alive.js';
import { suite } from '../src/peer/suite.js';

const IDLE_MS = 5000;

suite({ name: 'keep-alive', title: 'Keep-alives are off by default', rfc: 'RFC 9293 3.8.4' }, (test) => {
  test(`an idle connection gets no keep-alive probe (watched for ${IDLE_MS / 1000} s)`, { rfc: 'RFC 9293 3.8.4', requirements: ['MUST-25'] }, async (ctx) => {
    const c = ctx.connect(await ctx.listen());
    await c.handshake();
    await c.send({ flags: 'P.', payload: 'ping' });
    await c.expect({ flags: '.', ack: c.sndNxt });
    ctx.finding(await watchForKeepAlives(c, { idleMs: IDLE_MS, states: ctx.target.has('agent') && ctx.target.has('states') ? ctx.target.states : undefined }));
    await c.inState('ESTABLISHED');
  });
});
