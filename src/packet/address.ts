// IP address text <-> bytes. Parsing is strict (inet_pton rules, no zone ids): a pseudo-header
// built from a mistyped address would silently produce bad checksums. Formatting follows glibc's
// inet_ntop, so our lines match what tcpdump prints.
import { UsageError } from '../sys/errors.js';

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

const notIPv4 = (text: string) => new UsageError(`not an IPv4 address: "${text}"`);

/**
 * Write the 4 bytes of a dotted-quad address into out at offset (a new buffer when out is omitted).
 * Hand-rolled rather than split + regex: every encoded packet parses two addresses.
 */
export function parseIPv4(text: string, out: Uint8Array = Buffer.alloc(4), offset = 0): Uint8Array {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e /* . */ && digits > 0 && part < 3) {
      out[offset + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && !(digits > 0 && value === 0) /* no leading zeros */) {
      value = value * 10 + (c - 0x30);
      digits++;
      if (value > 255) throw notIPv4(text);
    } else {
      throw notIPv4(text);
    }
  }
  if (part !== 3 || digits === 0) throw notIPv4(text);
  out[offset + 3] = value;
  return out;
}

/** Write the 16 bytes of an IPv6 address (RFC 4291 2.2 text forms) into out at offset. */
export function parseIPv6(text: string, out: Uint8Array = Buffer.alloc(16), offset = 0): Uint8Array {
  const bad = () => new UsageError(`not an IPv6 address: "${text}"`);
  const halves = text.split('::');
  if (halves.length > 2) throw bad();
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1]!.split(':') : [];
  const groups: number[] = [];
  const readGroups = (list: string[], last: boolean): number[] => {
    const words: number[] = [];
    list.forEach((g, i) => {
      if (last && i === list.length - 1 && g.includes('.')) {
        const v4 = parseIPv4Strict(g, bad);
        words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (HEX_GROUP.test(g)) {
        words.push(parseInt(g, 16));
      } else {
        throw bad();
      }
    });
    return words;
  };
  const headWords = readGroups(head, halves.length === 1);
  const tailWords = readGroups(tail, true);
  if (halves.length === 1) {
    if (headWords.length !== 8) throw bad();
    groups.push(...headWords);
  } else {
    // '::' stands for at least one zero group (RFC 4291 2.2 item 2).
    const zeros = 8 - headWords.length - tailWords.length;
    if (zeros < 1) throw bad();
    groups.push(...headWords, ...new Array<number>(zeros).fill(0), ...tailWords);
  }
  for (let i = 0; i < 8; i++) {
    out[offset + 2 * i] = groups[i]! >> 8;
    out[offset + 2 * i + 1] = groups[i]! & 0xff;
  }
  return out;
}

function parseIPv4Strict(text: string, bad: () => UsageError): Uint8Array {
  try {
    return parseIPv4(text);
  } catch {
    throw bad();
  }
}

/** 4 or 16 address bytes, by the form of the text (a ':' means IPv6). */
export function parseAddress(text: string): Uint8Array {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

/** Text of recently seen IPv4 addresses by their 32-bit value: a capture sees few distinct ones. */
const ipv4Text = new Map<number, string>();
const IPV4_TEXT_CACHE_SIZE = 1024;

export function formatIPv4(buf: Uint8Array, offset = 0): string {
  const key = ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
  let text = ipv4Text.get(key);
  if (text === undefined) {
    text = `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
    if (ipv4Text.size >= IPV4_TEXT_CACHE_SIZE) ipv4Text.clear();
    ipv4Text.set(key, text);
  }
  return text;
}

/**
 * Text of the last IPv6 addresses formatted, by their four 32-bit words: a connection's packets
 * carry the same two, and formatting both cost more than the rest of decodePacket.
 */
const IPV6_TEXT_CACHE_SIZE = 8;
const ipv6Words = new Uint32Array(4 * IPV6_TEXT_CACHE_SIZE);
const ipv6Texts: string[] = [];
let ipv6Next = 0;

const word32 = (buf: Uint8Array, i: number): number => ((buf[i]! << 24) | (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!) >>> 0;

/** RFC 5952 text, as glibc's inet_ntop writes it (embedded IPv4 for ::a.b.c.d and ::ffff:a.b.c.d). */
export function formatIPv6(buf: Uint8Array, offset = 0): string {
  const a = word32(buf, offset);
  const b = word32(buf, offset + 4);
  const c = word32(buf, offset + 8);
  const d = word32(buf, offset + 12);
  for (let k = 0; k < ipv6Texts.length; k++) {
    const w = 4 * k;
    if (ipv6Words[w] === a && ipv6Words[w + 1] === b && ipv6Words[w + 2] === c && ipv6Words[w + 3] === d) return ipv6Texts[k]!;
  }
  const text = ipv6Text(buf, offset);
  const k = ipv6Next;
  ipv6Next = (ipv6Next + 1) % IPV6_TEXT_CACHE_SIZE;
  ipv6Words.set([a, b, c, d], 4 * k);
  ipv6Texts[k] = text;
  return text;
}

function ipv6Text(buf: Uint8Array, offset: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((buf[offset + 2 * i]! << 8) | buf[offset + 2 * i + 1]!);
  // The longest run of at least two zero words is written '::' (the first one on a tie).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    if (i === 6 && bestStart === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      return text + formatIPv4(buf, offset + 12);
    }
    text += words[i]!.toString(16) + (i < 7 ? ':' : '');
  }
  return text;
}
