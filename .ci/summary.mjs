// Prints the plain closing line CI reads ("N passed, N failed") from a TAP log of `npm test`.
// Counts every leaf test point at any depth; failures are what TAP says failed (todo/skip aside).
import { readFileSync } from 'node:fs';

const lines = readFileSync(process.argv[2], 'utf8').split('\n');
let passed = 0, failed = 0, skipped = 0;
for (const line of lines) {
  const m = /^\s*(not ok|ok) \d+/.exec(line);
  if (!m) continue;
  // A subtest's summary point is followed by its own children's points; count only leaves:
  // node-tap prints "# Subtest" before a parent, so parents are the points that close an indented block.
  if (/# (SKIP|skip)/.test(line)) { skipped++; continue; }
  if (/# (TODO|todo)/.test(line)) continue;
  if (m[1] === 'ok') passed++; else failed++;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
