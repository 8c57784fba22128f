// Initial sequence numbers as RFC 9293 3.4.1 (MUST-8) and RFC 6528 ask: ISN = M + F(4-tuple,
// secret), M a clock ticking every 4 microseconds, F a keyed hash, so a new incarnation of a
// 4-tuple starts above the old one and nobody outside can predict it.
import { createHash, randomBytes } from 'node:crypto';

const secret = randomBytes(16);
const started = process.hrtime.bigint();

export function initialSequence(localAddr: string, localPort: number, remoteAddr: string, remotePort: number): number {
  const ticks = Number(((process.hrtime.bigint() - started) / 4000n) & 0xffff_ffffn);
  const f = createHash('sha256').update(`${localAddr}|${localPort}|${remoteAddr}|${remotePort}|`).update(secret).digest().readUInt32BE(0);
  return (ticks + f) >>> 0;
}
