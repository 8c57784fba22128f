// Option parsers: what each accepts, how it normalises, and the message when it refuses.
import t from 'tap';
import { parseExpect, parseGrep, parseKeyValue, parseLabSysctls, parsePositiveInt, parseTarget } from '../../src/cli/args.js';
import { labSysctlsFrom } from '../../src/lab/index.js';
import { UsageError } from '../../src/sys/errors.js';

t.test('--target', async (t) => {
  t.same(parseTarget('198.18.0.2:80'), { host: '198.18.0.2', port: 80, text: '198.18.0.2:80' });
  t.same(parseTarget('[fd00::2]:8080'), { host: 'fd00::2', port: 8080, text: '[fd00::2]:8080' });
  t.same(parseTarget('target.example:443').host, 'target.example');
  for (const bad of ['198.18.0.2', ':80', '198.18.0.2:0', 'h:65536', 'fd00::2:80', '[nothost]:80', 'bad_host!:80', 'h:8o']) {
    t.throws(() => parseTarget(bad), UsageError, `refuses ${bad}`);
  }
});

t.test('--lab-sysctl', async (t) => {
  t.same(
    parseLabSysctls(['tcp_fin_timeout=5', 'net.ipv4.tcp_synack_retries=3', 'net.ipv4.tcp_rmem=4096 8192 16384']),
    {
      tcp_fin_timeout: '5',
      tcp_synack_retries: '3',
      'net.ipv4.tcp_rmem': '4096 8192 16384',
    },
    'a dotted name with a short form is stored under the short form',
  );
  t.same(labSysctlsFrom({ tcp_fin_timeout: '5', 'net.ipv4.tcp_rmem': '1 2 3' }), { tcp_fin_timeout: 5, extra: { 'net.ipv4.tcp_rmem': '1 2 3' } });
  t.same(
    labSysctlsFrom({ tcp_fin_timeout: '5' }, { tcp_rfc1337: 1, tcp_fin_timeout: 3 }),
    { tcp_rfc1337: 1, tcp_fin_timeout: 5 },
    "the user's value wins over a suite's own",
  );
  t.same(parseLabSysctls(undefined), {});
  t.throws(() => parseLabSysctls(['tcp_fin_timeout']), { message: /wants key=value/ });
  t.throws(() => parseLabSysctls(['=5']), { message: /wants key=value/ });
  t.throws(() => parseLabSysctls(['tcp_fin_timeout=1.5']), { message: /wants an integer, got '1\.5'/ });
  t.throws(() => parseLabSysctls(['rm -rf=1']), { message: /unknown sysctl 'rm -rf'/ });
});

t.test('--expect, --jobs, --grep, key=value', async (t) => {
  t.same(parseExpect(['synack-retries=3', 'time-wait=60.5']), { 'synack-retries': 3, 'time-wait': 60.5 });
  t.throws(() => parseExpect(['fin-timeout=abc']), { message: /--expect fin-timeout wants a number, got 'abc'/ });
  t.throws(() => parseExpect(['rto.ms=1']), { message: /no test reads 'rto.ms' \(known: synack-retries, / });
  t.equal(parsePositiveInt('jobs', '4'), 4);
  for (const bad of ['0', '-1', '1.5', 'x', '', '65']) t.throws(() => parsePositiveInt('jobs', bad, { max: 64 }), UsageError, `--jobs ${bad}`);
  t.equal(parseGrep('TIME-WAIT|SYN'), 'TIME-WAIT|SYN');
  t.throws(() => parseGrep('[a'), { message: /--grep: not a regular expression/ });
  t.same(parseKeyValue('expect', 'a=b=c'), ['a', 'b=c']);
});
