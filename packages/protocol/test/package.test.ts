import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const sources = readdirSync(join(root, 'src')).filter((f) => f.endsWith('.ts'));

describe('@livegate/protocol', () => {
  it('has no runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg['name']).toBe('@livegate/protocol');
    expect(pkg['dependencies']).toBeUndefined();
    expect(pkg['peerDependencies']).toBeUndefined();
  });

  it.each(sources)('%s imports only files of the package itself (no server code, no node: modules)', (file) => {
    const text = readFileSync(join(root, 'src', file), 'utf8');
    const specifiers = [...text.matchAll(/\b(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
    expect(specifiers.filter((s) => !/^\.\/[a-z0-9-]+\.js$/.test(s))).toEqual([]);
  });

  it('exports every module from its index', () => {
    const index = readFileSync(join(root, 'src', 'index.ts'), 'utf8');
    for (const file of sources.filter((f) => f !== 'index.ts'))
      expect(index, file).toContain(`from './${file.replace(/\.ts$/, '.js')}'`);
  });
});
