/**
 * The Node.js floor package.json declares (`engines.node`) is one every installed package supports,
 * so `npm ci` prints no engine warning on it, and the types we compile against are of that Node.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url);
const readJson = <T>(path: string): T => JSON.parse(readFileSync(new URL(path, ROOT), 'utf8')) as T;

const pkg = readJson<{ engines: { node: string }; devDependencies: Record<string, string> }>('package.json');
const lock = readJson<{ packages: Record<string, { version?: string; engines?: unknown; optional?: boolean }> }>(
  'package-lock.json',
);
const floor = semver.minVersion(pkg.engines.node)!.version;

describe('the declared Node.js floor', () => {
  it('is a plain lower bound, 20.19 or later', () => {
    expect(pkg.engines.node).toMatch(/^>=\d+\.\d+(\.\d+)?$/);
    expect(semver.gte(floor, '20.19.0')).toBe(true);
  });

  it('satisfies the engines.node range of every package in package-lock.json', () => {
    const refusing: string[] = [];
    let checked = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = (entry.engines as { node?: unknown } | undefined)?.node;
      if (typeof range !== 'string') continue;
      checked++;
      if (!semver.satisfies(floor, range)) refusing.push(`${path}@${entry.version ?? ''} wants node ${range}`);
    }
    expect(checked).toBeGreaterThan(20);
    expect(refusing).toEqual([]);
  });

  it('is the Node.js major whose type definitions the code compiles against', () => {
    expect(semver.minVersion(pkg.devDependencies['@types/node']!)!.major).toBe(semver.major(floor));
  });

  it('is not above the Node.js running the suite', () => {
    expect(semver.gte(process.versions.node, floor)).toBe(true);
  });
});
