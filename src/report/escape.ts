// Text into XML, SVG and HTML. Suite output is untrusted here: test names, tcpdump lines and
// error messages can hold any character, including ones XML 1.0 forbids outright.

/** XML 1.0 §2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Element content: & < > escaped, characters XML cannot carry replaced by U+FFFD. */
export const xmlText = (value: unknown): string =>
  String(value).replace(NOT_XML_CHAR, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Attribute values (double- or single-quoted); newlines kept as character references. */
export const xmlAttr = (value: unknown): string =>
  xmlText(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');

/** A file-name-safe stem for a test name: lower case, [a-z0-9-], at most 60 characters. */
export function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return s || 'test';
}
