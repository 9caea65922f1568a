import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, sourceFiles } from './source-files.js';

/**
 * Keeps docs/architecture.md true: layers import downward only, and no module imports itself
 * through others. The same rules as the picture there:
 *
 *   cli → http → transports | sources → bus → core → errors (and packages/protocol)
 *                                        config ↗
 */

/** What each folder of src/ may import besides itself. */
const ALLOWED: Record<string, readonly string[]> = {
  cli: ['http', 'transports', 'sources', 'bus', 'config', 'core', 'errors'],
  http: ['transports', 'sources', 'bus', 'config', 'core', 'errors'],
  transports: ['config', 'core', 'errors'],
  sources: ['config', 'core', 'errors'],
  bus: ['core', 'errors'],
  config: ['core', 'errors'],
  core: ['errors'],
  errors: [],
};

/** Relative imports of a file (static, re-exports and dynamic), resolved to .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g;
  for (const match of text.matchAll(pattern)) {
    out.push(resolve(dirname(file), match[1]!).replace(/\.js$/, '.ts'));
  }
  return out;
}

/** The layer of a file under src/: its first folder, or `errors` for files at the top. */
function layerOf(file: string): string | null {
  const rel = relative(join(ROOT, 'src'), file);
  if (rel.startsWith('..')) return null;
  const parts = rel.split('/');
  return parts.length === 1 ? parts[0]!.replace(/\.ts$/, '') : parts[0]!;
}

const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'packages/client/src'))];
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('the layering of src/', () => {
  it('has every folder in the layer table', () => {
    const layers = new Set(files.map(layerOf).filter((l) => l !== null));
    expect([...layers].filter((l) => !(l in ALLOWED))).toEqual([]);
  });

  it('imports downward only', () => {
    const violations: string[] = [];
    for (const [file, imports] of graph) {
      const from = layerOf(file);
      if (from === null) continue;
      for (const target of imports) {
        const to = layerOf(target);
        if (to === null) {
          // Outside src/: only the shared protocol package may be imported.
          if (!relative(ROOT, target).startsWith('packages/protocol/'))
            violations.push(`${relative(ROOT, file)} → ${relative(ROOT, target)}`);
          continue;
        }
        if (to !== from && !ALLOWED[from]!.includes(to))
          violations.push(`${relative(ROOT, file)} (${from}) → ${relative(ROOT, target)} (${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps the SDK free of server code', () => {
    const violations: string[] = [];
    for (const [file, imports] of graph) {
      if (!relative(ROOT, file).startsWith('packages/client/')) continue;
      for (const target of imports)
        if (layerOf(target) !== null) violations.push(`${relative(ROOT, file)} → ${relative(ROOT, target)}`);
    }
    expect(violations).toEqual([]);
  });

  it('has no import cycle among modules (type-only imports included)', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'visiting');
      stack.push(file);
      for (const target of graph.get(file) ?? []) {
        if (!graph.has(target)) continue;
        const s = state.get(target);
        if (s === 'visiting') {
          const cycle = stack.slice(stack.indexOf(target)).map((f) => relative(ROOT, f));
          cycles.push([...cycle, relative(ROOT, target)].join(' → '));
        } else if (s === undefined) visit(target);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
