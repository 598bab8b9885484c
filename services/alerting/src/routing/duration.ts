/**
 * Prometheus duration strings (`30s`, `5m`, `1h30m`, `500ms`, `1w`), as Alertmanager's config
 * takes them: units largest first, each at most once, integers only, `y` = 365d, `w` = 7d.
 */
const durationPattern = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

const unitMs = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1] as const;

/** Parses a Prometheus duration to milliseconds; `undefined` when the text is not one (or overflows). */
export function parseDuration(text: string): number | undefined {
  // Prometheus accepts a bare "0"; the empty string is not a duration.
  if (text === '0') return 0;
  if (text === '') return undefined;
  const m = durationPattern.exec(text);
  if (m === null) return undefined;
  let total = 0;
  unitMs.forEach((ms, i) => {
    const digits = m[i + 1];
    if (digits !== undefined) total += Number(digits) * ms;
  });
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Formats milliseconds back to the shortest Prometheus duration (for logs and docs). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const units = ['y', 'w', 'd', 'h', 'm', 's', 'ms'] as const;
  let rest = ms;
  let out = '';
  units.forEach((unit, i) => {
    const size = unitMs[i] ?? 1;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  });
  return out;
}
