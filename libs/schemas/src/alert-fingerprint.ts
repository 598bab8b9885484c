/**
 * Label names in Go's string order (bytewise UTF-8, as `sort.Strings`), not JavaScript's
 * UTF-16 order, which differs for characters past U+FFFF.
 */
export function labelNamesInGoOrder(labels: Readonly<Record<string, string>>): string[] {
  return Object.keys(labels).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

// FNV-1a 64 on two 32-bit halves: prime 2^40 + 0x1b3, offset basis 0xcbf29ce484222325.
const primeLow = 0x1b3;
const twoTo32 = 0x1_0000_0000;

/**
 * The identity of an alert in the Alert contract (alert.avsc), computed exactly as Alertmanager
 * fingerprints an alert, so one alert has one identity in both: every producer of alerts and the
 * alerting service use this. The fingerprint Alertmanager gives an alert is FNV-1a 64 over each label name and value in name
 * order, each followed by the byte 0xff, as 16 lowercase hex digits (prometheus/common
 * `model.LabelSet.Fingerprint`, `labelSetToFingerprint` in model/signature.go).
 */
export function alertFingerprint(labels: Readonly<Record<string, string>>): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const add = (byte: number) => {
    lo ^= byte;
    // (hi·2^32 + lo) · (2^40 + 0x1b3) mod 2^64; every partial product stays below 2^53.
    const low = (lo >>> 0) * primeLow;
    hi = (hi * primeLow + Math.floor(low / twoTo32) + (lo << 8)) >>> 0;
    lo = low >>> 0;
  };
  for (const name of labelNamesInGoOrder(labels)) {
    for (const b of Buffer.from(name)) add(b);
    add(0xff);
    for (const b of Buffer.from(labels[name] ?? '')) add(b);
    add(0xff);
  }
  return hex8(hi) + hex8(lo);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
