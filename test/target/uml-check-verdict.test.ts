// Reading the one-boot check of User-Mode Linux (src/target/uml/host-check.ts): pure, no root.
import t from 'tap';
import { umlCheckVerdict } from '../../src/target/uml/host-check.js';

// What 6.1.176 printed on a Xeon with AVX-512 and AMX (host 6.18), and what a working guest prints
// when /bin/true as init has run and exited.
const FP_FAILURE = [
  'devtmpfs: mounted',
  'Run /bin/true as init process',
  'userspace - ptrace set fp regs failed, errno = 14',
  'Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b',
  'Call Trace:',
  ' [<6002c0dd>] new_thread_handler+0xae/0xb0',
].join('\n');
const INIT_EXITED = [
  'Run /bin/true as init process',
  'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000000',
  'Call Trace:',
  ' [<6002c0dd>] new_thread_handler+0xae/0xb0',
].join('\n');

t.test('the FPU register refusal is named, with its errno and what fixes it', async (t) => {
  const v = umlCheckVerdict(FP_FAILURE);
  t.equal(v.runs, false);
  t.match(!v.runs && v.why, /cannot run a process on this CPU.*PTRACE_SETREGSET errno 14.*AVX-512\/AMX.*later UML kernels/);
});

t.test('init that ran to its end: the guest runs here', async (t) => {
  t.same(umlCheckVerdict(INIT_EXITED), { runs: true });
});

t.test('any other end is no pass: init killed by a signal, or no panic line at all', async (t) => {
  const killed = umlCheckVerdict(INIT_EXITED.replace('0x00000000', '0x00000009'));
  t.match(!killed.runs && killed.why, /init ended with code 0x00000009/);
  const silent = umlCheckVerdict('Linux version 6.1.176\nVFS: Cannot open root device\n [<60000000>] panic+0x0/0x1\n');
  t.match(!silent.runs && silent.why, /last line: VFS: Cannot open root device/, 'the last line that is not a stack frame');
  const nothing = umlCheckVerdict('');
  t.match(!nothing.runs && nothing.why, /no output/);
});

t.test('a guest still booting when the check gives up is a busy machine, not a CPU UML cannot use', async (t) => {
  const booting = 'Linux version 6.1.176\nRun /bin/true as init process\n';
  t.same(umlCheckVerdict(booting, true), { runs: true }, 'no verdict against the CPU: the stack boot itself will say');
  t.equal(umlCheckVerdict(booting).runs, false, 'without the timeout the same output is no pass');
  t.match(umlCheckVerdict(FP_FAILURE.replace(/Kernel panic.*\n/, ''), true), { runs: false, why: /PTRACE_SETREGSET errno 14/ }, 'the refusal still counts');
});
