// formatIPv6 keeps the text of the last few addresses: the cache must never hand back another
// address's text, however many addresses come and go, and wherever in a buffer they sit.
import t from 'tap';
import { formatIPv6, parseIPv6 } from '../../src/packet/address.js';

t.test('the IPv6 text cache returns each address its own text, through evictions', async (t) => {
  const texts = Array.from({ length: 40 }, (_, i) => `fd00:7c9f:${(i + 1).toString(16)}::${(i % 3) + 1}`);
  texts.push('::', '::1', '::ffff:198.18.0.2', '2001:db8::1:0:0:1', 'fe80::1');
  const buf = Buffer.alloc(16 * texts.length + 3);
  for (const [i, text] of texts.entries()) parseIPv6(text, buf, 3 + 16 * i);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < texts.length; i++) {
      // Each address twice in a row (a hit), then the next (a miss that may evict).
      t.equal(formatIPv6(buf, 3 + 16 * i), texts[i]);
      t.equal(formatIPv6(buf, 3 + 16 * i), texts[i]);
    }
  }
  // The same offset with new bytes in it: the text follows the bytes, not the place.
  const one = parseIPv6('fd00::1', Buffer.alloc(16)) as Buffer;
  t.equal(formatIPv6(one), 'fd00::1');
  parseIPv6('fd00::2', one);
  t.equal(formatIPv6(one), 'fd00::2');
});
