// Prints the plain closing line CI reads ("N passed, N failed") from the log of `npm test`,
// using tap's own final count line: `# { total: 12, pass: 10, fail: 1, skip: 1 }`.
import { readFileSync } from 'node:fs';

const counts = readFileSync(process.argv[2], 'utf8')
  .split('\n')
  .filter((l) => /^# \{ total: \d+/.test(l))
  .at(-1);
if (!counts) {
  console.log('0 passed, 1 failed (tap printed no final count: the run crashed)');
  process.exit(0);
}
const get = (k) => Number(new RegExp(`${k}: (\\d+)`).exec(counts)?.[1] ?? 0);
console.log(`${get('pass')} passed, ${get('fail')} failed, ${get('skip')} skipped`);
