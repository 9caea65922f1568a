/**
 * RFC 3339 timestamps as Prometheus and Alertmanager write them.
 *
 * Go marshals `time.Time` with up to nine fractional digits and any UTC offset
 * (`2020-01-01T00:00:00.123456789Z`, `2099-01-01T00:00:00.000+02:00`), and writes the zero
 * `time.Time` as `0001-01-01T00:00:00Z`. `Date.parse` accepts far more than RFC 3339 (and differs
 * between engines for some inputs), so the grammar is checked here and the instant is computed
 * from the parts. Precision is milliseconds: extra fractional digits are truncated, as
 * Alertmanager itself shows them.
 */

/** Epoch milliseconds of Go's zero `time.Time` (`0001-01-01T00:00:00Z`), which Go code writes for "unset". */
export const GO_ZERO_TIME_MS = -62_135_596_800_000;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Parses an RFC 3339 date-time into epoch milliseconds.
 *
 * @returns the instant, or `undefined` when `text` is not an RFC 3339 date-time (wrong shape,
 *   impossible date such as February 30, or out-of-range time fields; leap second 60 is refused as
 *   Go refuses it).
 */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offHours = Number(m[10]);
    const offMinutes = Number(m[11]);
    if (offHours > 23 || offMinutes > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offHours * 60 + offMinutes);
  }
  // Date.UTC maps years 0–99 to 1900–1999, so set the year separately.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime() - offsetMinutes * 60_000;
}

/** Renders epoch milliseconds as a UTC RFC 3339 string with milliseconds (`toISOString`). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}
