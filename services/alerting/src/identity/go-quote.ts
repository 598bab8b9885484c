// Go's strconv.Quote, which Alertmanager's group keys use for label values (`%q`). Unlike
// JSON.stringify it keeps printable non-ASCII as is, writes other control characters as \x..,
// and escapes what Go does not count as printable (U+00A0, U+200B, U+2028, ...) as \u.... or
// \U........ (strconv/quote.go, appendEscapedRune).

// Go's unicode.IsPrint: categories L, M, N, P, S and the ASCII space. Node's Unicode tables can be
// newer than those of the Go that built an Alertmanager; only characters assigned in between differ.
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const named: Readonly<Record<string, string>> = {
  '\u0007': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    // A lone surrogate cannot come from UTF-8; as Buffer.from does, it stands for U+FFFD (printable).
    if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd';
    else out += named[ch] ?? (printable.test(ch) ? ch : escape(cp));
  }
  return `${out}"`;
}

function escape(cp: number): string {
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}
