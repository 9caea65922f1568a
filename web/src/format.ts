/** Number, byte and age formatting for the views. Pure. */

/** A compact duration: `45s`, `3m 05s`, `2h 14m`, `3d 4h`. Negative durations count as zero. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** Milliseconds since an ISO time, or `null` when the time does not parse. */
export function ageMs(iso: string | undefined, now = Date.now()): number | null {
  if (iso === undefined) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : now - t;
}

/** `12`, `3.4`, `0.25`, `1.2k`, `3.4M`; `–` for null. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(abs >= 1e5 ? 0 : 1)}k`;
  if (abs >= 100 || Number.isInteger(value)) return String(Math.round(value));
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2).replace(/\.?0+$/, '') || '0';
}

/** `512 B`, `1.5 KiB`, `64 MiB`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** A full local date-time for tooltips. */
export function formatTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString();
}

/**
 * Writes a relative time into a `<time>` element from its data attributes: `data-since` (elapsed,
 * "for 3m 05s") or `data-until` (remaining, "ends in 2h"; "ended" once past), wrapped in
 * `data-prefix` and `data-suffix`. Called when the element is made and then every second.
 */
export function renderAge(el: HTMLElement, now = Date.now()): void {
  const since = el.dataset.since;
  const t = Date.parse(since ?? el.dataset.until ?? '');
  if (Number.isNaN(t)) return;
  const ms = since !== undefined ? now - t : t - now;
  const text =
    since === undefined && ms <= 0
      ? 'ended'
      : `${el.dataset.prefix ?? ''}${formatDuration(ms)}${el.dataset.suffix ?? ''}`;
  if (el.textContent !== text) el.textContent = text;
}

/** `1 subscription`, `3 subscriptions`. */
export function plural(count: number | null | undefined, one: string, many = `${one}s`): string {
  return `${formatNumber(count)} ${count === 1 ? one : many}`;
}
