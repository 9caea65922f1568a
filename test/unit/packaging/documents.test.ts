/**
 * The documents a new user reads first say true things: the license package.json names is there in
 * full, the changelog has the version package.json carries, and the README's examples work as
 * written (tables render, the CLI example publishes what its tail filters on).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8');
const pkg = JSON.parse(read('package.json')) as { version: string; license: string };

/** Cells of a Markdown table row, splitting on `|` not escaped as `\|`. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/);
}

describe('LICENSE', () => {
  it('is the full Apache License 2.0 text package.json names', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const text = read('LICENSE');
    expect(text).toContain('Apache License');
    expect(text).toContain('Version 2.0, January 2004');
    expect(text).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
    expect(text).toContain('END OF TERMS AND CONDITIONS');
    expect(text.length).toBeGreaterThan(10_000);
    expect(read('packages/client/LICENSE')).toBe(text);
  });
});

describe('CHANGELOG.md', () => {
  it('documents the tag scheme and has an entry for the current version', () => {
    const text = read('CHANGELOG.md');
    expect(text).toContain('## [Unreleased]');
    expect(text).toContain(`## [${pkg.version}]`);
    expect(text).toMatch(/\*\*`vX\.Y\.Z`\*\*/);
    expect(text).toMatch(/\*\*`client-vX\.Y\.Z`\*\*/);
  });
});

describe('README.md', () => {
  const readme = read('README.md');

  it('has tables whose rows all have as many cells as their header', () => {
    const lines = readme.split('\n');
    let header: number | undefined;
    let checked = 0;
    for (const line of lines) {
      if (!line.startsWith('|')) {
        header = undefined;
        continue;
      }
      if (header === undefined) header = cells(line).length;
      else {
        expect(cells(line), line.slice(0, 60)).toHaveLength(header);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('publishes, in the CLI example, every label its tail filters on', () => {
    const tail = /^npx livegate tail .*(?:--match|-m) '\{(.*)\}'$/m.exec(readme);
    const publish = /^npx livegate publish .*$/m.exec(readme);
    expect(tail).not.toBeNull();
    expect(publish).not.toBeNull();
    for (const matcher of tail![1]!.split(',')) {
      const [, name, value] = /^(\w+)="([^"]*)"$/.exec(matcher)!;
      expect(publish![0]).toMatch(new RegExp(`(?:--label|-l) ${name}=${value}( |$)`));
    }
  });

  it('says how to point the CLI at a port other than 8080, and links the SDK', () => {
    expect(readme).toMatch(/LIVEGATE_URL=http:\/\/localhost:\d+/);
    expect(readme).toContain('](packages/client/README.md)');
    expect(read('docs/examples.md')).toContain("from '@livegate/client'");
  });
});
