import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/options.js';

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');
const readme = read('../README.md');

describe('README', () => {
  it.each(['../examples/react-dashboard.tsx', '../examples/vue-dashboard.ts'])(
    'shows %s exactly as type-checked',
    (file) => {
      expect(readme).toContain(read(file));
    },
  );

  it('documents every default the code uses', () => {
    const numbers = [
      'minReconnectDelayMs',
      'maxReconnectDelayMs',
      'healthyAfterMs',
      'connectTimeoutMs',
      'heartbeatMs',
      'reprobeAfterMs',
      'pollTimeoutSeconds',
    ] as const;
    // Table cells may be padded (Prettier aligns Markdown tables).
    for (const name of numbers) expect(readme).toMatch(new RegExp(`\\| \`${name}\` +\\| \`${DEFAULTS[name]}\` +\\|`));
    const topics = `[${DEFAULTS.stateTopics.map((t) => `'${t}'`).join(', ')}]`.replace(/[[\]]/g, '\\$&');
    expect(readme).toMatch(new RegExp(`\\| \`stateTopics\` +\\| \`${topics}\` +\\|`));
  });
});
