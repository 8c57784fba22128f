// The command line itself: bad input is exit 2 with one helpful line, --help of every command
// shows examples, --version, list, fsm.
import t from 'tap';
import { tcpfsm, tcpfsmInProcess } from './helpers.js';

t.test('usage errors exit 2 with one line that names the problem and where help is', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['run', '--bogus'], /unknown argument: bogus; run 'tcpfsm run --help' for usage/],
    [['run', '--jobs', 'abc'], /--jobs wants an integer from 1 to 64, got 'abc'/],
    [['run', '--jobs', '0'], /--jobs wants an integer from 1 to 64, got '0'/],
    [['run', '--target', 'example.org'], /--target wants host:port or \[ipv6\]:port, got 'example.org'/],
    [['run', '--target', '198.18.0.2:70000'], /--target: port must be 1\.\.65535, got 70000/],
    [['run', '--target', '[198.18.0.2]:80'], /in brackets is not an IPv6 address/],
    [['run', '--lab-sysctl', 'tcp_fin_timeout'], /--lab-sysctl wants key=value, got 'tcp_fin_timeout'/],
    [['run', '--lab-sysctl', 'tcp_fin_timeout=soon'], /--lab-sysctl tcp_fin_timeout wants an integer, got 'soon'/],
    [['run', '--lab-sysctl', 'tcp_bogus=1'], /--lab-sysctl: unknown sysctl 'tcp_bogus'/],
    [['run', '--expect', 'synack_retries=lots'], /--expect synack_retries wants a number, got 'lots'/],
    [['run', '--grep', '('], /--grep: not a regular expression/],
    [['run', '--profile', 'bsd'], /invalid values: Argument: profile, Given: "bsd", Choices: "linux", "rfc"/],
    [['run', '--stack', 'bsd'], /unknown stack 'bsd' \(valid: linux, uml, gvisor, slirp, passt, or all\)/],
    [['run', '--stack', 'linux,'], /--stack wants stack names separated by commas/],
    [['run', '--stack', 'linux', '--target', '198.18.0.2:80'], /--stack chooses the lab's stack; --target names a remote server/],
    [['run', 'nosuchsuite'], /unknown suite 'nosuchsuite' \(available: crash, env, fail, pass, wait\)/],
    [['frob'], /unknown command 'frob'/],
    [[], /name a command: run, list, lab, fsm, exercise or cleanup/],
    [['lab'], /lab needs an action: up, down or status; run 'tcpfsm lab --help'/],
    [['lab', 'up', '--id', 'x'], /--id wants an integer from 0 to 16383, got 'x'; run 'tcpfsm lab up --help'/],
    [['fsm', '--dot', '--svg'], /arguments dot and svg are mutually exclusive/],
  ];
  const results = [];
  for (const [args] of cases) results.push(await tcpfsmInProcess(args));
  for (const [i, [args, message]] of cases.entries()) {
    const r = results[i]!;
    t.equal(r.code, 2, `tcpfsm ${args.join(' ')}: exit 2`);
    t.match(r.stderr, message, `tcpfsm ${args.join(' ')}: says what is wrong`);
    t.equal(r.stderr.trim().split('\n').length, 1, `tcpfsm ${args.join(' ')}: one line, no stack`);
    t.match(r.stderr, /^tcpfsm: /);
    t.equal(r.stdout, '', 'nothing on stdout');
  }
});

t.test('--help of each command explains it with examples', async (t) => {
  const commands: Array<[string[], RegExp[]]> = [
    [[], [/tcpfsm <command>/, /run \[suites\.\.\]/, /cleanup/]],
    [['run'], [/--grep/, /--slow/, /--bail/, /--lab-sysctl/, /--expect/, /--report-dir/, /--tap/, /--jobs/, /--keep-lab/, /--profile/, /--target/, /--as-remote/]],
    [['list'], [/--json/]],
    [['lab'], [/up/, /down/, /status/]],
    [['lab', 'up'], [/--id/, /--lab-sysctl/]],
    [['lab', 'down'], [/--all/, /--force/]],
    [['lab', 'status'], [/--json/]],
    [['fsm'], [/--dot/, /--svg/, /--profile/]],
    [['cleanup'], [/--force/]],
  ];
  const results = [];
  for (const [cmd] of commands) results.push(await tcpfsmInProcess([...cmd, '--help']));
  for (const [i, [cmd, options]] of commands.entries()) {
    const r = results[i]!;
    t.equal(r.code, 0, `${cmd.join(' ') || '(top)'} --help exits 0`);
    t.match(r.stdout, /Examples:/, `${cmd.join(' ') || '(top)'} --help has examples`);
    for (const o of options) t.match(r.stdout, o, `${cmd.join(' ') || '(top)'} --help mentions ${o.source}`);
    t.notMatch(r.stdout, /_lab-hold/, 'the internal holder command stays hidden');
  }
});

t.test('the executable: --version, and a usage error as a real exit status', async (t) => {
  const bad = await tcpfsm(['run', '--jobs', 'many']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /^tcpfsm: --jobs wants an integer from 1 to 64, got 'many'; run 'tcpfsm run --help' for usage\n$/);
  const r = await tcpfsm(['--version']);
  t.equal(r.code, 0);
  t.match(r.stdout.trim(), /^\d+\.\d+\.\d+/);
});

t.test('list asks each suite for its tests without a lab', async (t) => {
  const text = await tcpfsmInProcess(['list', 'pass', 'fail']);
  t.equal(text.code, 0);
  t.match(text.stdout, /^pass — Passing fixture \(RFC 9293 3\.5\)$/m);
  t.match(text.stdout, /^ {2}TIME-WAIT lasts 2MSL {2}\[RFC 9293 3\.10\.7\.4\] {2}\(slow\)$/m);
  t.match(text.stdout, /^5 tests in 2 suites$/m);
  const json = await tcpfsmInProcess(['list', '--json', '--grep', 'ESTABLISHED']);
  t.equal(json.code, 0);
  const listing = JSON.parse(json.stdout) as Array<{ suite: string; tests: Array<{ name: string }> }>;
  t.same(listing.map((l) => l.suite), ['crash', 'env', 'fail', 'pass', 'wait'], 'every suite, _fixture left out');
  t.same(listing.flatMap((l) => l.tests.map((x) => x.name)), ['the final ACK makes it ESTABLISHED'], '--grep filters tests');
});

t.test('fsm prints the table, DOT, or SVG rendered without system graphviz', async (t) => {
  const table = await tcpfsmInProcess(['fsm', '--profile', 'linux']);
  t.equal(table.code, 0);
  t.match(table.stdout, /^listen-rcv-syn +LISTEN +rcv-syn +-> SYN-RECEIVED +send S\. +RFC 9293/m);
  t.match(table.stdout, /# Linux deviations \(\d+\)/);
  const dot = await tcpfsmInProcess(['fsm', '--dot']);
  t.equal(dot.code, 0);
  t.match(dot.stdout, /^digraph tcp \{/);
  t.match(dot.stdout, /"LISTEN" -> "SYN-RECEIVED" \[label="rcv SYN \/ snd SYN,ACK"/);
  const svg = await tcpfsmInProcess(['fsm', '--svg']);
  t.equal(svg.code, 0);
  t.match(svg.stdout, /<svg [^>]*width="\d+pt"/);
  // graphviz writes '-' in text as the entity &#45;
  for (const state of ['CLOSED', 'LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'TIME-WAIT']) t.match(svg.stdout, new RegExp(`>${state.replace(/-/g, '&#45;')}</text>`), `${state} drawn`);
  t.match(svg.stdout, /rcv SYN \/ snd SYN,ACK/);
  const file = t.testdir() + '/fsm.svg';
  const written = await tcpfsmInProcess(['fsm', '--svg', '-o', file]);
  t.equal(written.code, 0);
  t.equal(written.stdout, '', '-o writes the file, not stdout');
  t.equal((await import('node:fs')).readFileSync(file, 'utf8'), svg.stdout);
});
