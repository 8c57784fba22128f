// A small runner for the exercise session until the CLI wires `tcpfsm exercise` to runExercise:
//   node dist/src/exercise/main.js [--walkthrough <name>] [--auto] [--lang en|zh] [--list]
import { isUserFacing } from '../sys/errors.js';
import { type Lang, runExercise, WALKTHROUGHS } from './index.js';

function usage(): never {
  process.stderr.write(`usage: main.js [--walkthrough <${WALKTHROUGHS.map((w) => w.name).join('|')}>] [--auto] [--lang en|zh] [--list]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let walkthrough: string | undefined;
let auto = false;
let lang: Lang | undefined;
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--auto') auto = true;
  else if (a === '--walkthrough') walkthrough = args[++i] ?? usage();
  else if (a.startsWith('--walkthrough=')) walkthrough = a.slice('--walkthrough='.length);
  else if (a === '--lang') lang = (args[++i] ?? usage()) as Lang;
  else if (a === '--list') {
    for (const w of WALKTHROUGHS) process.stdout.write(`${w.name.padEnd(12)} ${w.description}\n`);
    process.exit(0);
  } else usage();
}

try {
  process.exitCode = await runExercise({ walkthrough, auto, lang });
} catch (e) {
  if (!isUserFacing(e)) throw e;
  process.stderr.write(`tcpfsm exercise: ${e.message}\n`);
  process.exitCode = e.exitCode;
}
