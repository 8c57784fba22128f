import fc from 'fast-check';
import t from 'tap';
import { add, diff, ge, gt, inWindow, le, lt, max, min, sub } from '../../src/packet/seq.js';

const uint32 = fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((x) => x >>> 0);

t.test('add and sub wrap modulo 2^32', async (t) => {
  t.equal(add(0xffffffff, 1), 0);
  t.equal(add(0xfffffff0, 0x20), 0x10);
  t.equal(add(5, -10), 0xfffffffb);
  t.equal(add(0, 0), 0);
  t.equal(sub(0, 1), 0xffffffff);
  t.equal(sub(0x10, 0x20), 0xfffffff0);
  t.equal(sub(1000, 1), 999);
});

t.test('diff is the signed distance, in (-2^31, 2^31]', async (t) => {
  t.equal(diff(5, 0xfffffff0), 21, '5 is 21 after 0xfffffff0');
  t.equal(diff(0xfffffff0, 5), -21);
  t.equal(diff(0, 0xffffffff), 1);
  t.equal(diff(0xffffffff, 0), -1);
  t.equal(diff(7, 7), 0);
  t.equal(diff(0x80000000, 0), 0x80000000, 'exactly 2^31 apart counts as after');
  t.equal(diff(0, 0x80000000), 0x80000000, '... both ways (RFC 1982: undefined)');
  t.equal(diff(0x80000001, 0), -0x7fffffff);
  t.equal(diff(0x7fffffff, 0), 0x7fffffff);
});

t.test('comparisons at the wrap', async (t) => {
  t.ok(lt(0xfffffff0, 5), '0xfffffff0 < 5 across the wrap');
  t.notOk(lt(5, 0xfffffff0));
  t.ok(gt(5, 0xfffffff0));
  t.ok(gt(0, 0xffffffff));
  t.ok(le(0xffffffff, 0));
  t.ok(le(3, 3));
  t.notOk(lt(3, 3));
  t.ok(ge(3, 3));
  t.notOk(gt(3, 3));
  t.ok(lt(1, 2), 'ordinary numbers still compare normally');
  t.ok(ge(0, 0xfffffffe));
  t.equal(max(0xfffffff0, 5), 5);
  t.equal(min(0xfffffff0, 5), 0xfffffff0);
});

t.test('inWindow: start <= x < start + length, modulo 2^32', async (t) => {
  t.ok(inWindow(0xfffffffe, 0xfffffff0, 0x20));
  t.ok(inWindow(0x0f, 0xfffffff0, 0x20), 'past the wrap, inside');
  t.notOk(inWindow(0x10, 0xfffffff0, 0x20), 'start + length is outside');
  t.ok(inWindow(0xfffffff0, 0xfffffff0, 1), 'start itself is inside');
  t.notOk(inWindow(0xffffffef, 0xfffffff0, 0x20), 'just before start is outside');
  t.notOk(inWindow(100, 100, 0), 'an empty window holds nothing');
  t.ok(inWindow(100 + 65534, 100, 65535));
  t.notOk(inWindow(100 + 65535, 100, 65535));
});

t.test('properties against bigint arithmetic', async (t) => {
  const M = 2n ** 32n;
  t.doesNotThrow(
    () =>
      fc.assert(
        fc.property(uint32, uint32, (a, b) => {
          const d = diff(a, b);
          // add(b, diff(a, b)) gets back to a, and d is in (-2^31, 2^31].
          if (add(b, d) !== a || d <= -0x80000000 || d > 0x80000000) return false;
          if (add(a, b) !== Number((BigInt(a) + BigInt(b)) % M)) return false;
          if (sub(a, b) !== Number((((BigInt(a) - BigInt(b)) % M) + M) % M)) return false;
          // exactly one of lt / eq / gt, except at the undefined distance 2^31
          if (d !== 0x80000000 && Number(lt(a, b)) + Number(a === b) + Number(gt(a, b)) !== 1) return false;
          return lt(a, b) === !ge(a, b) && gt(a, b) === !le(a, b);
        }),
        { numRuns: 20000 },
      ),
    'diff/add/sub/lt/le/gt/ge agree with bigint arithmetic on 20000 random pairs',
  );
  t.doesNotThrow(
    () =>
      fc.assert(
        fc.property(uint32, fc.integer({ min: 0, max: 0x7fffffff }), fc.integer({ min: 0, max: 0x7fffffff }), (start, length, k) => {
          return inWindow(add(start, k), start, length) === k < length;
        }),
        { numRuns: 20000 },
      ),
    'inWindow agrees with the unwrapped comparison on 20000 random windows',
  );
});
