// With TCPFSM_TEST_CPU=<file> (.taprc node-arg), each test process appends one line at exit: its
// file, wall seconds, and the CPU seconds of itself and of every descendant it reaped (utime,
// stime, cutime, cstime of /proc/self/stat), to find which test files the CI's CPU goes to.
import { appendFileSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const out = process.env.TCPFSM_TEST_CPU;
if (out) {
  const started = performance.now();
  process.on('exit', () => {
    // Fields after the command name's closing parenthesis: utime is the 14th field of the line.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const hz = 100; // USER_HZ on Linux
    const [ut, st, cut, cst] = [11, 12, 13, 14].map((i) => Number(f[i]) / hz);
    const file = relative(process.cwd(), process.argv[1] ?? '?');
    appendFileSync(out, `${file} ${((performance.now() - started) / 1000).toFixed(1)} ${ut} ${st} ${cut} ${cst}\n`);
  });
}
