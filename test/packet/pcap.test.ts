import t from 'tap';
import {
  type DecodedPcapHeader,
  decodePcap,
  decodePcapHeader,
  decodePcapRecord,
  encodePcap,
  encodePcapHeader,
  encodePcapRecord,
  encodingLengthPcapHeader,
  encodingLengthPcapRecord,
  LINKTYPE_RAW,
  type PcapHeader,
  type PcapRecord,
} from '../../src/packet/pcap.js';
import { type Codec, testCodec } from './codec-helper.js';

const headerCodec: Codec<PcapHeader, DecodedPcapHeader> = {
  encode: encodePcapHeader,
  decode: decodePcapHeader,
  encodingLength: encodingLengthPcapHeader,
};
const recordCodec = (nanoseconds: boolean): Codec<PcapRecord, Required<PcapRecord>> => ({
  encode: (r, buf, offset) => encodePcapRecord(r, buf, offset, nanoseconds),
  decode: (buf, offset = 0) => decodePcapRecord(buf, offset, { nanoseconds, littleEndian: true }),
  encodingLength: encodingLengthPcapRecord,
});

t.test('file header', async (t) => {
  const bytes = encodePcapHeader();
  // magic a1b23c4d (nanoseconds) little-endian, version 2.4, zone 0, sigfigs 0, snaplen 262144, linktype 101
  t.equal(bytes.toString('hex'), '4d3cb2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '65000000');
  t.strictSame(decodePcapHeader(bytes), { nanoseconds: true, versionMajor: 2, versionMinor: 4, snaplen: 262144, linktype: LINKTYPE_RAW, littleEndian: true });
  testCodec(t, headerCodec, { nanoseconds: false, snaplen: 65535, linktype: 12 });
  testCodec(t, headerCodec, {});
});

t.test('big-endian files are read too', async (t) => {
  const be = Buffer.from('a1b2c3d4' + '0002' + '0004' + '00000000' + '00000000' + '0000ffff' + '00000065', 'hex');
  const header = decodePcapHeader(be);
  t.strictSame(header, { nanoseconds: false, versionMajor: 2, versionMinor: 4, snaplen: 65535, linktype: 101, littleEndian: false });
  const record = Buffer.from('00000001' + '000003e8' + '00000002' + '00000003' + 'abcd', 'hex');
  t.strictSame(
    decodePcapRecord(record, 0, header),
    { timestamp: 1_001_000_000n, data: Buffer.from('abcd', 'hex'), origLength: 3 },
    'microseconds scaled to ns',
  );
});

t.test('records keep nanosecond timestamps', async (t) => {
  const record: PcapRecord = { timestamp: 1_700_000_000_123_456_789n, data: Buffer.from('450000', 'hex') };
  const bytes = encodePcapRecord(record);
  t.equal(bytes.toString('hex'), '00f15365' + '15cd5b07' + '03000000' + '03000000' + '450000');
  testCodec(t, recordCodec(true), record);
  testCodec(t, recordCodec(true), { timestamp: 0n, data: Buffer.alloc(0), origLength: 1500 });
  const micro = encodePcapRecord(record, undefined, 0, false);
  t.equal(micro.readUInt32LE(4), 123456, 'a microsecond file truncates to microseconds');
  t.throws(() => encodePcapRecord({ timestamp: -1n, data: Buffer.alloc(0) }), { name: 'RangeError', message: /outside the 32-bit seconds field/ });
  t.throws(() => encodePcapRecord({ timestamp: 2n ** 32n * 1_000_000_000n, data: Buffer.alloc(0) }), RangeError);
});

t.test('whole files', async (t) => {
  const records = [
    { timestamp: 5n, data: Buffer.from('01', 'hex'), origLength: 1 },
    { timestamp: 1_000_000_007n, data: Buffer.from('0203', 'hex'), origLength: 2 },
  ];
  const file = encodePcap(records);
  t.equal(file.length, 24 + 17 + 18);
  const decoded = decodePcap(file);
  t.equal(decoded.header.nanoseconds, true);
  t.strictSame(decoded.records, records);
  t.strictSame(decodePcap(encodePcap([])).records, [], 'an empty capture is just the header');
});

t.test('hostile files throw DecodeError', async (t) => {
  const file = encodePcap([{ timestamp: 5n, data: Buffer.alloc(10) }]);
  t.throws(() => decodePcap(file.subarray(0, 23)), { name: 'DecodeError', layer: 'pcap', problem: /truncated file header: 23 bytes/ });
  t.throws(() => decodePcap(Buffer.alloc(24)), { name: 'DecodeError', layer: 'pcap', problem: 'bad magic 0x00000000: not a pcap file' });
  t.throws(() => decodePcap(file.subarray(0, 24 + 15)), { name: 'DecodeError', layer: 'pcap', problem: /truncated record header: 15 bytes/, offset: 24 });
  t.throws(() => decodePcap(file.subarray(0, file.length - 1)), {
    name: 'DecodeError',
    layer: 'pcap',
    problem: 'truncated record: 10 bytes captured but 9 remain',
    offset: 32,
  });
});
