import t from 'tap';
import { decodeOptions, encodeOptions, encodingLengthOptions } from '../../src/packet/options.js';
import { DecodeError, type TcpOption } from '../../src/packet/types.js';
import { type Codec, testCodec } from './codec-helper.js';

// The option list as a codec of its own: an object wrapper so testCodec's field checks apply.
interface OptionList {
  options: TcpOption[];
}
const optionsCodec: Codec<OptionList, OptionList> = {
  encode(value, buf, offset = 0) {
    const length = encodingLengthOptions(value.options);
    if (buf === undefined) {
      buf = Buffer.alloc(length);
      offset = 0;
    }
    encodeOptions(value.options, buf, offset);
    return buf.subarray(offset, offset + length);
  },
  decode: (buf, offset = 0) => ({ options: decodeOptions(buf, offset, buf.length) }),
  encodingLength: (value) => encodingLengthOptions(value.options),
};

const hex = (value: OptionList) => optionsCodec.encode(value).toString('hex');

t.test('each option round-trips, with its RFC layout', async (t) => {
  const cases: Array<[TcpOption[], string]> = [
    [[{ kind: 'mss', value: 1460 }], '020405b4'],
    [[{ kind: 'nop' }, { kind: 'wscale', shift: 7 }], '01030307'],
    [[{ kind: 'sackOK' }, { kind: 'nop' }, { kind: 'nop' }], '04020101'],
    [[{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: 0xdeadbeef, ecr: 1 }], '0101080adeadbeef00000001'],
    [
      [
        { kind: 'nop' },
        { kind: 'nop' },
        {
          kind: 'sack',
          blocks: [
            [0xfffffff0, 0x10],
            [100, 200],
          ],
        },
      ],
      '01010512fffffff00000001000000064000000c8',
    ],
    [[{ kind: 'unknown', type: 99, data: Buffer.from([1, 2]) }], '63040102'],
    [[{ kind: 'unknown', type: 2, data: Buffer.from([5]) }, { kind: 'eol' }], '02030500'],
    [[{ kind: 'eol' }], '00000000'],
    [[], ''],
  ];
  for (const [options, bytes] of cases) {
    t.test(options.map((o) => o.kind).join(',') || 'empty', async (t) => {
      testCodec(t, optionsCodec, { options });
      t.equal(hex({ options }), bytes, 'bytes');
    });
  }
});

t.test('padding to a 4-byte boundary with zeros (EOL)', async (t) => {
  t.equal(hex({ options: [{ kind: 'nop' }] }), '01000000');
  t.equal(hex({ options: [{ kind: 'wscale', shift: 14 }] }), '03030e00');
  t.equal(hex({ options: [{ kind: 'sackOK' }] }), '04020000');
  t.equal(encodingLengthOptions([{ kind: 'ts', val: 1, ecr: 2 }]), 12);
  t.equal(encodingLengthOptions(undefined), 0);
  // The padding decodes as one EOL, which ends the list.
  t.strictSame(decodeOptions(Buffer.from('01000000', 'hex'), 0, 4), [{ kind: 'nop' }, { kind: 'eol' }]);
});

t.test('known kinds with a wrong length are kept as unknown, byte-exact', async (t) => {
  const odd: Array<[string, number]> = [
    ['020305', 2], // MSS with length 3 (RFC 9293 3.2 says 4)
    ['03040700', 3], // window scale with length 4
    ['040301', 4], // SACK-permitted with length 3
    ['050a0000000100000002', -1], // a valid single SACK block, for contrast
    ['0506aabbccdd', 5], // SACK that is not 8n + 2
    ['0502', 5], // SACK with no blocks
    ['08060000000a', 8], // timestamps with length 6
  ];
  for (const [bytes, type] of odd) {
    const buf = Buffer.from(bytes, 'hex');
    const option = decodeOptions(buf, 0, buf.length)[0]!;
    if (type === -1) {
      t.strictSame(option, { kind: 'sack', blocks: [[1, 2]] }, 'a well-formed SACK decodes as sack');
      continue;
    }
    t.strictSame(option, { kind: 'unknown', type, data: buf.subarray(2) }, `${bytes} decodes as unknown kind ${type}`);
    const out = Buffer.alloc(encodingLengthOptions([option]));
    encodeOptions([option], out, 0);
    t.equal(out.subarray(0, buf.length).toString('hex'), bytes, `${bytes} re-encodes byte for byte`);
  }
});

t.test('decoding stops at EOL; what follows is kept unless it is the zero padding encoding adds', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['020405b400000000', undefined], // EOL + 3 zeros: the padding to the boundary, nothing to keep
    ['00000000', undefined],
    ['020405b40001ffff', '01ffff'], // non-zero bytes after EOL (a NOP and an unknown kind among them)
    ['020405b40000000000000000', '00000000000000'], // MSS, EOL, 7 zeros: a whole zero word more than needed
    ['020405b400fe02fe', 'fe02fe'],
    ['0000000000000000', '00000000000000'],
  ];
  for (const [bytes, trailing] of cases) {
    const buf = Buffer.from(bytes, 'hex');
    const options = decodeOptions(buf, 0, buf.length);
    const eol: TcpOption = trailing === undefined ? { kind: 'eol' } : { kind: 'eol', trailing: Buffer.from(trailing, 'hex') };
    t.strictSame(options.at(-1), eol, `${bytes}: ${trailing === undefined ? 'plain EOL' : `EOL keeps ${trailing}`}`);
    t.equal(encodingLengthOptions(options), buf.length, `${bytes}: the same length again`);
    t.equal(hex({ options }), bytes, `${bytes}: re-encodes byte for byte`);
  }
});

t.test('hostile option bytes throw DecodeError naming the option and its offset', async (t) => {
  const cases: Array<[string, number, RegExp]> = [
    ['0200', 0, /option kind 2 has length 0 \(the minimum is 2\)/],
    ['01010801', 2, /option kind 8 has length 1/],
    ['0101080a00000001', 2, /option kind 8 has length 10 but only 6 bytes of options remain/],
    ['010101fe', 3, /option kind 254 has no length byte/],
    ['63ff', 0, /length 255 but only 2 bytes/],
  ];
  for (const [bytes, at, problem] of cases) {
    // Decode from an offset inside a larger buffer: the error offset is absolute.
    const buf = Buffer.concat([Buffer.alloc(20), Buffer.from(bytes, 'hex')]);
    t.throws(() => decodeOptions(buf, 20, buf.length), { name: 'DecodeError', layer: 'tcp-option', problem, offset: 20 + at }, bytes);
  }
  const err = (() => {
    try {
      decodeOptions(Buffer.from('0200', 'hex'), 0, 2);
    } catch (e) {
      return e;
    }
  })();
  t.type(err, DecodeError);
  t.match((err as Error).message, /^Cannot decode tcp-option: option kind 2 has length 0 .* \(at byte 0\)$/);
});

t.test('values that do not fit their field are refused when encoding', async (t) => {
  const out = Buffer.alloc(64);
  t.throws(() => encodeOptions([{ kind: 'mss', value: 65536 }], out, 0), { name: 'RangeError', message: /mss.value/ });
  t.throws(() => encodeOptions([{ kind: 'wscale', shift: -1 }], out, 0), { name: 'RangeError', message: /wscale.shift/ });
  t.throws(() => encodeOptions([{ kind: 'ts', val: 2 ** 32, ecr: 0 }], out, 0), { name: 'RangeError', message: /ts.val/ });
  t.throws(() => encodeOptions([{ kind: 'sack', blocks: [[1.5, 2]] }], out, 0), { name: 'RangeError', message: /sack left/ });
  t.throws(() => encodeOptions([{ kind: 'unknown', type: 256, data: Buffer.alloc(0) }], out, 0), RangeError);
  t.throws(() => encodeOptions([{ kind: 'unknown', type: 99, data: Buffer.alloc(254) }], Buffer.alloc(300), 0), {
    name: 'RangeError',
    message: /unknown option length/,
  });
});
