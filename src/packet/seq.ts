// Sequence number arithmetic modulo 2^32 (RFC 9293 3.4: "all arithmetic dealing with sequence
// numbers must be performed modulo 2**32"; comparisons as in RFC 1982 serial number arithmetic).
// Every comparison of seq/ack numbers in tcpfsm goes through here; plain < is wrong at the wrap.
// Values are uint32 numbers; every result is normalised back to 0..2^32-1.

const TWO_31 = 0x80000000;
const TWO_32 = 0x100000000;

/** a + n mod 2^32 (n may be negative). */
export function add(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** a - n mod 2^32: the sequence number n before a. */
export function sub(a: number, n: number): number {
  return (a - n) >>> 0;
}

/**
 * The signed distance from b to a, in (-2^31, 2^31]: positive when a is after b.
 * At exactly 2^31 apart the order is undefined (RFC 1982 3.2); we call a after b both ways.
 */
export function diff(a: number, b: number): number {
  const d = (a - b) >>> 0;
  return d > TWO_31 ? d - TWO_32 : d;
}

/** a comes before b. */
export function lt(a: number, b: number): boolean {
  return diff(a, b) < 0;
}

export function le(a: number, b: number): boolean {
  return diff(a, b) <= 0;
}

/** a comes after b. */
export function gt(a: number, b: number): boolean {
  return diff(a, b) > 0;
}

export function ge(a: number, b: number): boolean {
  return diff(a, b) >= 0;
}

/**
 * start <= x < start + length, modulo 2^32: the shape of every window test in RFC 9293 3.10.7.4
 * (e.g. RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND). An empty window holds nothing.
 */
export function inWindow(x: number, start: number, length: number): boolean {
  return (x - start) >>> 0 < length;
}

/** The later of a and b. */
export function max(a: number, b: number): number {
  return ge(a, b) ? a : b;
}

/** The earlier of a and b. */
export function min(a: number, b: number): number {
  return le(a, b) ? a : b;
}
