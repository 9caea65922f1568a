/** The printed table and the JSON results file. */
import fs from 'node:fs';
import path from 'node:path';
import { livegateCounterpart, type Transport } from '../targets/index.js';
import type { RunResult } from './runner.js';

const fmt = (v: number, d = 1): string => (Number.isFinite(v) ? v.toFixed(d) : '-');
const int = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-');

function ratio(a: number | null | undefined, b: number | null | undefined): string {
  if (
    a === null ||
    a === undefined ||
    b === null ||
    b === undefined ||
    !Number.isFinite(a) ||
    !Number.isFinite(b) ||
    b === 0
  )
    return '-';
  return `${(a / b).toFixed(2)}×`;
}

function scenarioLabel(r: RunResult): string {
  return r.variant && r.variant !== r.scenario ? `${r.scenario}/${r.variant}` : r.scenario;
}

/** The livegate row a baseline row is compared with. */
function counterpart(rows: RunResult[], r: RunResult): RunResult | undefined {
  if (r.target === 'livegate') return undefined;
  const want =
    r.transport === 'mixed' ? 'mixed' : r.scenario === 'idle' ? 'mixed' : livegateCounterpart(r.transport as Transport);
  return rows.find(
    (x) =>
      x.target === 'livegate' &&
      x.scenario === r.scenario &&
      x.variant === r.variant &&
      x.transport === want &&
      !x.skipped &&
      !x.failed,
  );
}

function vsLivegate(rows: RunResult[], r: RunResult): string {
  const lg = counterpart(rows, r);
  if (!lg || r.skipped || r.failed) return '';
  if (r.idle && lg.idle)
    return `rss ${ratio(lg.idle.rssPerConnKB, r.idle.rssPerConnKB)} heap ${ratio(lg.idle.heapPerConnKB, r.idle.heapPerConnKB)}`;
  return `thr ${ratio(lg.deliveriesPerSec, r.deliveriesPerSec)} p99 ${ratio(lg.latencyMs.p99, r.latencyMs.p99)} cpu ${ratio(lg.server.cpuMsPer1kDeliveries, r.server.cpuMsPer1kDeliveries)}`;
}

export function renderTable(rows: RunResult[]): string {
  const head = [
    'scenario',
    'target',
    'transport',
    'subs',
    'deliv/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'max ms',
    'missing',
    'dup',
    'err/disc',
    'CPU ms/1k',
    'RSS MB',
    'mem/conn KB',
    'vs livegate',
  ];
  const body: string[][] = [];
  const notes: string[] = [];
  for (const r of rows) {
    const label = scenarioLabel(r);
    if (r.skipped || r.failed) {
      body.push([
        label,
        r.target,
        r.transport,
        int(r.subscribers),
        r.skipped ? 'skipped' : 'FAILED',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
      ]);
      notes.push(`${label} ${r.target}/${r.transport}: ${r.skipped ?? r.failed}`);
      continue;
    }
    const idle = r.idle !== undefined;
    body.push([
      label,
      r.target,
      r.transport,
      r.connected === r.subscribers ? int(r.subscribers) : `${int(r.connected)}/${int(r.subscribers)}`,
      idle ? '-' : int(r.deliveriesPerSec),
      idle ? '-' : fmt(r.latencyMs.p50, 2),
      idle ? '-' : fmt(r.latencyMs.p95, 2),
      idle ? '-' : fmt(r.latencyMs.p99, 2),
      idle ? '-' : fmt(r.latencyMs.max, 1),
      idle ? '-' : int(r.missing),
      idle ? '-' : int(r.duplicates + r.outOfOrder + r.unexpected),
      `${r.errors}/${r.disconnects}`,
      idle ? '-' : fmt(r.server.cpuMsPer1kDeliveries, 2),
      fmt(r.server.rssPeakMB, 0),
      idle
        ? `${fmt(r.idle!.rssPerConnKB, 1)} / ${r.idle!.heapPerConnKB === null ? '-' : fmt(r.idle!.heapPerConnKB, 1)}`
        : '',
      vsLivegate(rows, r),
    ]);
    const extra: string[] = [...r.notes];
    if (r.scenario === 'churn') {
      extra.push(r.target === 'livegate' ? `${r.reconnects} resumes, ${r.resets} resets` : 'no resume: n/a');
    }
    if (r.slow) {
      const ctl = rows.find(
        (x) =>
          x.scenario === r.scenario &&
          x.variant === 'control' &&
          x.target === r.target &&
          x.transport === r.transport &&
          !x.failed,
      );
      const shift =
        ctl && ctl.latencyMs.p99 > 0
          ? ` (control ${fmt(ctl.latencyMs.p99, 2)} ms, ${ratio(r.latencyMs.p99, ctl.latencyMs.p99)})`
          : '';
      extra.push(
        `healthy p99 ${fmt(r.latencyMs.p99, 2)} ms${shift}; ${r.slow.connections} slow: ${r.slow.disconnects} cut off, ${r.slow.missing} events missed by them, RSS peak ${fmt(r.server.rssPeakMB, 0)} MB`,
      );
    }
    if (r.duplicates + r.outOfOrder + r.unexpected > 0)
      extra.push(`dup ${r.duplicates}, out of order ${r.outOfOrder}, unexpected ${r.unexpected}`);
    if (r.publishFailedEvents > 0)
      extra.push(
        `${r.publishFailedEvents} events in failed publish requests (missing counts them if the server dropped them)`,
      );
    if (r.errors > 0 && r.errorSamples.length > 0) extra.push(`errors: ${r.errorSamples.slice(0, 3).join(' | ')}`);
    for (const e of extra) notes.push(`${label} ${r.target}/${r.transport}: ${e}`);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i >= 3 && i <= 14 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join(' | ')
      .trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)];
  out.push(
    '',
    'vs livegate = livegate ÷ baseline (same transport family): thr > 1, p99/cpu/rss/heap < 1 favour livegate.',
  );
  out.push(
    'dup = duplicates + out-of-order + unexpected (filter-violating); mem/conn = RSS / heap KB per idle connection.',
  );
  if (notes.length > 0) out.push('', ...notes.map((n) => `- ${n}`));
  return out.join('\n');
}

export interface Session {
  startedAt: string;
  finishedAt: string;
  argv: string[];
  smoke: boolean;
  host: { node: string; cpus: number; cpuModel: string; pinning: string; generatorWorkers: number };
  results: RunResult[];
}

/** Append a session to `file` (created if missing); atomic rename through `<file>.tmp`. */
export function writeResults(file: string, session: Session): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let doc: { schema: number; sessions: Session[] } = { schema: 1, sessions: [] };
  if (fs.existsSync(file)) {
    try {
      const prev = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof doc;
      if (Array.isArray(prev.sessions)) doc = prev;
    } catch {
      /* unreadable: start over */
    }
  }
  doc.sessions.push(session);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
