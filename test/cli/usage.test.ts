// The command line itself: bad input is exit 2 with one helpful line, --help of every command
// shows examples, --version, list, fsm.
import t from 'tap';
import { AS_NOBODY, leftoversSince, processesWith, tcpfsm, tcpfsmInProcess, tcpfsmThings } from './helpers.js';

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
    [
      ['run', '--lab-sysctl', 'kernel.printk_ratelimit=6'],
      /--lab-sysctl: refused lab sysctl: kernel\.printk_ratelimit \(kernel\.\* sysctls are the host's own/,
    ],
    [
      ['run', '--target', '198.18.0.2:80', '--as-remote', '--jobs', '2'],
      /--jobs 2: remote mode runs one suite at a time \(the pacing bounds hold for the whole target\)/,
    ],
    [['run', '--expect', 'synack-retries=lots'], /--expect synack-retries wants a number, got 'lots'/],
    [
      ['run', '--expect', 'synack_retries=3'],
      /--expect: no test reads 'synack_retries' \(known: synack-retries, fin-timeout, retries2, orphan-retries, time-wait\)/,
    ],
    [['run', '--grep', '('], /--grep: not a regular expression/],
    [['run', '--profile', 'bsd'], /invalid values: Argument: profile, Given: "bsd", Choices: "linux", "rfc"/],
    [['run', '--stack', 'bsd'], /unknown stack 'bsd' \(valid: linux, uml, gvisor, slirp, passt, memory, or all\)/],
    [['run', '--stack', 'linux,'], /--stack wants stack names separated by commas/],
    [['run', '--stack', 'linux', '--target', '198.18.0.2:80'], /--stack chooses the lab's stack; --target names a remote server/],
    [['run', 'nosuchsuite'], /unknown suite 'nosuchsuite' \(available: crash, env, fail, pass, wait\)/],
    [['frob'], /unknown command 'frob'/],
    [[], /name a command: run, list, requirements, report, lab, fsm, exercise or cleanup/],
    [['report'], /name a subcommand: report open or report path; run 'tcpfsm report --help'/],
    [['report', 'open', '/nonexistent/reports'], /no report in \/nonexistent\/reports: looked for .*; run 'tcpfsm report open --help'/],
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
    [
      ['run'],
      [/--grep/, /--slow/, /--bail/, /--lab-sysctl/, /--expect/, /--report-dir/, /--tap/, /--jobs/, /--keep-lab/, /--profile/, /--target/, /--as-remote/],
    ],
    [['list'], [/--json/]],
    [['lab'], [/up/, /down/, /status/]],
    [
      ['lab', 'up'],
      [/--id/, /--lab-sysctl/],
    ],
    [
      ['lab', 'down'],
      [/--all/, /--force/],
    ],
    [['lab', 'status'], [/--json/]],
    [['fsm'], [/--dot/, /--svg/, /--profile/]],
    [['cleanup'], [/--force/]],
    [['report'], [/open/, /path/, /xdg-open/]],
    [
      ['report', 'open'],
      [/dir/, /reports/],
    ],
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
  t.same(
    listing.map((l) => l.suite),
    ['crash', 'env', 'fail', 'pass', 'wait'],
    'every suite, _fixture left out',
  );
  t.same(
    listing.flatMap((l) => l.tests.map((x) => x.name)),
    ['the final ACK makes it ESTABLISHED'],
    '--grep filters tests',
  );
});

t.test('fsm prints the table, DOT, or SVG drawn without graphviz', async (t) => {
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
  t.match(
    svg.stdout,
    /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="fsm-diagram" width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/,
  );
  for (const state of ['CLOSED', 'LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'TIME-WAIT']) t.match(svg.stdout, new RegExp(`>${state}</text>`), `${state} drawn`);
  t.match(svg.stdout, /<g class="arrow plain" data-from="LISTEN" data-to="SYN-RECEIVED">/, 'one arrow per pair of states');
  t.match(svg.stdout, /<g class="loops plain" data-state="ESTABLISHED"><title>ESTABLISHED keeps its state on 11 rows:/, 'self-loops as a badge per state');
  t.match(svg.stdout, /rcv SYN \/ snd SYN,ACK/);
  const file = t.testdir() + '/fsm.svg';
  const written = await tcpfsmInProcess(['fsm', '--svg', '-o', file]);
  t.equal(written.code, 0);
  t.equal(written.stdout, '', '-o writes the file, not stdout');
  t.equal((await import('node:fs')).readFileSync(file, 'utf8'), svg.stdout);
});

// Bad input as a new user types it, across every command (issue 17's sweep). Each must be one
// line naming the problem, exit 2, no stack trace, and nothing left behind: no lab, link or nft
// table, no process, no report directory. Network safety by construction: targets are lab or
// loopback addresses, addresses refused by their class before any route lookup, or run inside
// `unshare -n` (a network namespace with nothing in it: no route, no resolver, nowhere to send).
t.test('bad input: one line, exit 2, nothing left behind', async (t) => {
  const root = process.getuid?.() === 0;
  const dir = t.testdir({ 'a-file': 'not a directory\n', ro: {} });
  const ro = `${dir}/ro`;
  const inNoNetwork = ['unshare', '-n'];
  const readOnly = (cmd: string) => ['unshare', '-m', 'sh', '-c', `mount -t tmpfs -o ro tmpfs ${ro} && exec "$@"`, cmd]; // private mount namespace: the host sees no mount
  const nobody = AS_NOBODY;
  type Case = [args: string[], message: RegExp, prefix?: string[]];
  const cases: Case[] = [
    // output paths
    [['run', '--report-dir', '/proc/x'], /--report-dir '\/proc\/x': lies in \/proc, a kernel file system/],
    [['run', '--report-dir', '/sys/x'], /--report-dir '\/sys\/x': lies in \/sys, a kernel file system/],
    [['run', '--report-dir', `${dir}/a-file`], /--report-dir '.*\/a-file': .*\/a-file is a file, not a directory/],
    [['run', '--report-dir', `${dir}/a-file/sub`], /--report-dir '.*\/a-file\/sub': .*\/a-file is a file, not a directory/],
    [['run', '--report-dir', ''], /--report-dir wants a path, got an empty string/],
    [['run', '--report-dir'], /not enough arguments following: report-dir/],
    [
      ['run', '--report-dir', `${ro}/reports`],
      /--report-dir '.*\/ro\/reports': cannot create .*\/ro\/reports: read-only file system \(EROFS\)/,
      readOnly(process.execPath),
    ],
    [['run', '--report-dir', ro], /--report-dir '.*\/ro': cannot write in .*\/ro: read-only file system \(EROFS\)/, readOnly(process.execPath)],
    [['fsm', '--svg', '-o', '/proc/x.svg'], /--output '\/proc\/x\.svg': lies in \/proc, a kernel file system/],
    [
      ['fsm', '-o', '/nonexistent-tcpfsm/x.txt'],
      /--output '\/nonexistent-tcpfsm\/x\.txt': directory \/nonexistent-tcpfsm: no such file or directory \(ENOENT\)/,
    ],
    [['fsm', '-o', dir], /--output '.*': is a directory; give a file name/],
    [['fsm', '-o', ''], /--output wants a path, got an empty string/],
    [['fsm', '-o', `${ro}/x.txt`], /--output '.*\/ro\/x\.txt': cannot write: read-only file system \(EROFS\)/, readOnly(process.execPath)],
    // numbers, names, flags
    [['run', '--jobs', '0'], /--jobs wants an integer from 1 to 64, got '0'/],
    [['run', '--jobs', '1000'], /--jobs wants an integer from 1 to 64, got '1000'/],
    [['run', '--jobs', '-1'], /--jobs wants an integer from 1 to 64, got '-1'/],
    [['run', '--jobs', '1.5'], /--jobs wants an integer from 1 to 64, got '1\.5'/],
    [['run', '--jobs', ''], /--jobs wants an integer from 1 to 64, got ''/],
    [['run', '--grep', '('], /--grep: not a regular expression: .*Unterminated group/],
    [['run', '--grep'], /not enough arguments following: grep/],
    [['run', 'pass', '--grep', 'no-such-test'], /--grep 'no-such-test' matches no test in suite pass \(see: tcpfsm list\)/],
    [['run', '--lab-sysctl', 'tcp_fin_timeout'], /--lab-sysctl wants key=value, got 'tcp_fin_timeout'/],
    [['run', '--lab-sysctl', ''], /--lab-sysctl wants key=value, got ''/],
    [['run', '--expect', 'synack_retries'], /--expect wants key=value, got 'synack_retries'/],
    [['run', '--profile', 'bsd'], /invalid values: Argument: profile, Given: "bsd", Choices: "linux", "rfc"/],
    [['run', 'nosuchsuite'], /unknown suite 'nosuchsuite'/],
    [['run', '--rate', '5'], /--rate only apply to remote mode/],
    // remote targets: malformed
    [['run', '--target', '198.18.0.2:0'], /--target: port must be 1\.\.65535, got 0/],
    [['run', '--target', '198.18.0.2:65536'], /--target: port must be 1\.\.65535, got 65536/],
    [['run', '--target', '198.18.0.2'], /--target wants host:port or \[ipv6\]:port, got '198\.18\.0\.2'/],
    [['run', '--target', ''], /--target wants host:port or \[ipv6\]:port, got ''/],
    // IPv6 literals are targets now; what no TCP server can be is refused up front (exit 2)
    [['run', '--target', '[::]:80'], /--target :: is the unspecified address/],
    [['run', '--target', '[ff02::1]:80'], /--target ff02::1 is a multicast address/],
    [['run', '--target', '[fe80::1]:80'], /--target fe80::1 is a link-local address \(fe80::\/10\): it needs a zone/],
    [['run', '--target', '[fe80::1%lo]:80'], /--target fe80::1%lo carries a zone id/],
    [['run', '--target', '[::ffff:198.18.0.2]:80'], /--target ::ffff:198\.18\.0\.2 is an IPv4-mapped address/],
    [
      ['run', '--target', '[::1]:45000'],
      /--target \[::1\]:45000: on loopback the target port must lie outside the probe's source ports/,
      ['unshare', '-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh'],
    ],
    [['run', '--as-remote', '--target', '[fd00::2]:80'], /--as-remote: fd00::2 is not a lab address \(198\.18\.0\.0\/15, fd00:7c9f:<lab>::\/64\)/],
    [['run', '--family', 'both', '--target', '198.18.0.2:80'], /--family both runs a lab twice; with --target give 4 or 6/],
    [['run', '--family', '6', '--target', '198.18.0.2:80'], /--target 198\.18\.0\.2 is not an IPv6 address \(--family 6\)/],
    [
      ['run', '--family', '6', '--stack', 'slirp'],
      /--family 6: stack slirp is IPv4-only in tcpfsm's lab \(slirp: slirp4netns 1\.2 fixes its IPv6 network at fd00::\/64.*; IPv6: linux, uml, gvisor\)/,
    ],
    [['run', '--family', '5'], /invalid values: Argument: family, Given: "5", Choices: "4", "6", "both"/],
    // documentation addresses parse, but are never sent to in tests: no network here
    [['run', '--target', '[2001:db8::1]:80'], /--target \[2001:db8::1\]:80: no route to 2001:db8::1: .*Network is unreachable/, inNoNetwork],
    [['run', '--as-remote', '--target', '[fd00:7c9f:3fff::2]:80'], /--target \[fd00:7c9f:3fff::2\]:80: no route to fd00:7c9f:3fff::2/, inNoNetwork],
    [['run', '--target', '::1:80'], /--target wants host:port or \[ipv6\]:port, got '::1:80'/],
    [['run', '--target', '198.18.0.2:80', '--rate', '0'], /--rate wants segments per second, a number in \(0, 1000\], got '0'/],
    [['run', '--target', '198.18.0.2:80', '--max-conns', '0'], /--max-conns wants an integer from 1 to 64, got '0'/],
    [['run', '--target', '198.18.0.2:80', '--close-trigger', 'idle:0'], /--close-trigger wants 'http' or 'idle:SECONDS'/],
    // remote targets: set-up errors, once and up front (not one failing suite after another)
    [['run', '--target', '255.255.255.255:80'], /--target 255\.255\.255\.255 is the limited broadcast address/],
    [['run', '--target', '224.0.0.1:80'], /--target 224\.0\.0\.1 is a multicast address/],
    [['run', '--target', '0.0.0.0:80'], /--target 0\.0\.0\.0 is an unspecified address/],
    [['run', '--target', '240.0.0.1:80'], /--target 240\.0\.0\.1 is a reserved address/],
    [['run', '--target', 'nosuch.invalid:80'], /--target: cannot resolve 'nosuch\.invalid'/, inNoNetwork],
    [['run', '--target', '198.19.255.2:80'], /--target 198\.19\.255\.2:80: no route to 198\.19\.255\.2: .*Network is unreachable/, inNoNetwork],
    [
      ['run', '--target', '127.255.255.255:80'],
      /--target 127\.255\.255\.255:80: the route to 127\.255\.255\.255 is of type broadcast/,
      ['unshare', '-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh'],
    ],
    [['run', '--as-remote', '--target', '198.18.255.254:80'], /--target 198\.18\.255\.254:80: no route to 198\.18\.255\.254/, inNoNetwork],
    [['run', '--target', '127.0.0.1:80'], /remote mode needs root \(CAP_NET_RAW .*CAP_NET_ADMIN.*\); running as uid 65534/, nobody],
    [['run'], /the lab needs root/, nobody],
    // the other commands
    [['list', 'nosuchsuite'], /unknown suite 'nosuchsuite'/],
    [['list', '--grep', '['], /--grep: not a regular expression/],
    [['list', '--bogus'], /unknown argument: bogus/],
    // After '--' words are not the command's positionals: `cleanup -- 7` used to run as a bare
    // cleanup of every leftover. Checked here with harmless commands (the check is global).
    [['list', '--', 'pass'], /unexpected argument 'pass' \(after '--'\?\)/],
    [['fsm', '--', '-o', 'x.svg'], /unexpected arguments '-o' 'x\.svg' \(after '--'\?\)/],
    [['lab'], /lab needs an action: up, down or status/],
    [['lab', 'frob'], /unknown argument: frob/],
    [['lab', 'up', '--id', '-1'], /--id wants an integer from 0 to 16383, got '-1'/],
    [['lab', 'up', '--id', '99999'], /--id wants an integer from 0 to 16383, got '99999'/],
    [['lab', 'up', '--lab-sysctl', 'tcp_fin_timeout'], /--lab-sysctl wants key=value/],
    [['lab', 'down', 'abc'], /--ids wants an integer from 0 to 16383, got 'abc'/],
    [['lab', 'status', '--bogus'], /unknown argument: bogus/],
    [['fsm', '--profile', 'bsd'], /invalid values: Argument: profile, Given: "bsd"/],
    [['exercise', '--walkthrough', 'nosuch'], /invalid values: Argument: walkthrough, Given: "nosuch"/],
    [['exercise', '--lab-sysctl', 'tcp_fin_timeout'], /--lab-sysctl wants key=value/],
    [['exercise', '--walkthrough', 'handshake', '--auto'], /the lab needs root/, nobody],
    [['cleanup', 'abc'], /cleanup: 'abc' is not a lab id/],
    [['cleanup', '99999'], /cleanup: '99999' is not a lab id/],
    [['cleanup', '-1'], /cleanup: '-1' is not a lab id/],
    [['frob'], /unknown command 'frob'/],
  ];
  const cwd = process.cwd();
  t.teardown(() => process.chdir(cwd));
  for (const [i, [args, message, prefix]] of cases.entries()) {
    const name = `${prefix ? `(${prefix.slice(0, 2).join(' ')}) ` : ''}tcpfsm ${args.map((a) => (a === '' || /\s/.test(a) ? `'${a}'` : a)).join(' ')}`;
    if (prefix && !root) {
      t.pass(`${name}: skipped, needs root (unshare, setpriv)`, { skip: true });
      continue;
    }
    const marker = `TCPFSM_BAD_INPUT_CASE=${process.pid}-${i}`;
    const work = `${dir}/case-${i}`;
    (await import('node:fs')).mkdirSync(work);
    const before = tcpfsmThings();
    let r: { code: number | null; stdout: string; stderr: string };
    if (prefix) {
      r = await tcpfsm(args, { prefix, cwd: work, env: { [marker.split('=')[0]!]: marker.split('=')[1] } });
    } else {
      // In this process (fast); the marker reaches any suite process through the environment.
      process.chdir(work);
      process.env[marker.split('=')[0]!] = marker.split('=')[1];
      try {
        r = await tcpfsmInProcess(args);
      } finally {
        delete process.env[marker.split('=')[0]!];
        process.chdir(cwd);
      }
    }
    t.equal(r.code, 2, `${name}: exit 2`);
    t.match(r.stderr, message, `${name}: says what is wrong`);
    t.match(r.stderr, /^tcpfsm: [^\n]+\n$/, `${name}: one line`);
    t.notMatch(r.stderr, /internal error|\n\s+at /, `${name}: no stack trace`);
    t.same(await leftoversSince(before), [], `${name}: no lab, link or nft table left`);
    t.same(processesWith(marker), [], `${name}: no process left`);
    t.same((await import('node:fs')).readdirSync(work), [], `${name}: no report directory or file made`);
  }
});
