import t from 'tap';
import { formatFlags, parseFlags } from '../../src/packet/flags.js';
import { ACK, CWR, ECE, FIN, PSH, RST, SYN, URG } from '../../src/packet/types.js';

t.test('formatFlags spells flags like tcpdump (FSRP.UEW order)', async (t) => {
  const cases: Array<[number, string]> = [
    [SYN, 'S'],
    [SYN | ACK, 'S.'],
    [ACK, '.'],
    [FIN | ACK, 'F.'],
    [RST, 'R'],
    [RST | ACK, 'R.'],
    [PSH | ACK, 'P.'],
    [FIN | PSH | ACK, 'FP.'],
    [SYN | ECE | CWR, 'SEW'],
    [SYN | ACK | ECE, 'S.E'],
    [URG | ACK, '.U'],
    [0xff, 'FSRP.UEW'],
    [0, 'none'],
  ];
  for (const [flags, text] of cases) t.equal(formatFlags(flags), text, text);
});

t.test('parseFlags reads scapy letters and tcpdump strings', async (t) => {
  const cases: Array<[string, number]> = [
    ['S', SYN],
    ['SA', SYN | ACK],
    ['S.', SYN | ACK],
    ['AS', SYN | ACK],
    ['FA', FIN | ACK],
    ['F.', FIN | ACK],
    ['R', RST],
    ['RA', RST | ACK],
    ['R.', RST | ACK],
    ['PA', PSH | ACK],
    ['P.', PSH | ACK],
    ['FP.', FIN | PSH | ACK],
    ['SEC', SYN | ECE | CWR],
    ['SEW', SYN | ECE | CWR],
    ['U', URG],
    ['', 0],
    ['none', 0],
  ];
  for (const [text, flags] of cases) t.equal(parseFlags(text), flags, `"${text}"`);
  const all = Array.from({ length: 256 }, (_, flags) => flags);
  t.strictSame(
    all.map((flags) => parseFlags(formatFlags(flags))),
    all,
    'parseFlags(formatFlags(x)) === x for all 256 flag bytes',
  );
  t.throws(() => parseFlags('SX'), { name: 'UsageError', message: /unknown TCP flag 'X' in "SX"/ });
  t.throws(() => parseFlags('s'), { name: 'UsageError' }, 'letters are upper case');
});
