import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderConfigReference } from '../../../src/config/reference.js';
import { SETTINGS } from '../../../src/config/schema.js';
import { describeLeaves } from '../../../src/config/settings.js';

const target = fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url));

describe('docs/configuration.md', () => {
  it('is what `npm run docs:config` writes from the schema (run it after changing a section)', async () => {
    const options = { ...(await prettier.resolveConfig(target)), filepath: target };
    const expected = await prettier.format(renderConfigReference(), options);
    expect(await readFile(target, 'utf8')).toBe(expected);
  });

  it('has one row per key with its flag and env var', async () => {
    const text = await readFile(target, 'utf8');
    for (const s of SETTINGS) expect(text, s.key).toMatch(new RegExp(`\\| \`${s.key.replace('.', '\\.')}\` +\\|`));
    expect(text).toContain('`LIVEGATE_LIMITS_MAX_PER_IP`');
    expect(text).toContain('`--ws-idle-timeout-ms`');
  });
});

describe('describeLeaves', () => {
  it('derives kind, bounds, allowed values, default and doc from the zod leaves', () => {
    const leaves = describeLeaves({
      a: z
        .object({
          n: z.number().int().min(2).max(9).default(3).meta({ description: 'n' }),
          e: z
            .enum(['x', 'y'])
            .default('x')
            .meta({ description: 'e', envAliases: ['E'] }),
          l: z
            .array(z.enum(['p', 'q']))
            .default(() => ['p' as const])
            .meta({ description: 'l' }),
        })
        .prefault({}),
      b: z.boolean().default(false).meta({ description: 'b', allowed: 'yes or no' }),
    });
    expect(leaves.map(({ schema: _schema, ...rest }) => rest)).toEqual([
      { key: 'a.n', type: 'int', min: 2, max: 9, default: 3, doc: 'n' },
      { key: 'a.e', type: 'enum', values: ['x', 'y'], default: 'x', doc: 'e', envAliases: ['E'] },
      { key: 'a.l', type: 'list', values: ['p', 'q'], default: ['p'], doc: 'l' },
      { key: 'b', type: 'bool', default: false, doc: 'b', allowed: 'yes or no' },
    ]);
  });

  it('refuses a leaf without a default or a description, naming the key', () => {
    expect(() => describeLeaves({ s: z.object({ k: z.string().meta({ description: 'k' }) }) })).toThrow(
      'config key s.k needs a .default(…) before .meta(…)',
    );
    expect(() => describeLeaves({ k: z.string().default('') })).toThrow('config key k needs .meta({ description })');
  });
});
