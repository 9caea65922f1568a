/**
 * What `livegate_build_info{version,revision,node,node_id}` reports: the package version, the git
 * commit it was built from, the Node.js version running it and the node's id in a cluster (so every
 * series of a node can be joined to its `node.id` without a label on each).
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** Labels of `livegate_build_info`. */
export interface BuildInfo {
  /** `version` of package.json. */
  readonly version: string;
  /** Git commit of the build, or `unknown` (a build outside a git checkout without `LIVEGATE_REVISION`). */
  readonly revision: string;
  /** `process.version`, e.g. `v20.19.0`. */
  readonly node: string;
  /** `node.id` (host name and pid by default). */
  readonly nodeId: string;
}

/**
 * The revision: `LIVEGATE_REVISION` when set, else what `npm run build` wrote to
 * `dist/build-info.json` (scripts/write-build-info.mjs), else `unknown`.
 */
export function readRevision(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['LIVEGATE_REVISION'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  // `dist/src/http/build-info.js` when built, `src/http/build-info.ts` when run from source (tests).
  for (const path of ['../../build-info.json', '../../dist/build-info.json']) {
    try {
      const info = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { revision?: unknown };
      if (typeof info.revision === 'string' && info.revision !== '') return info.revision;
    } catch {
      // Not at this path; try the next.
    }
  }
  return 'unknown';
}

/** The build info of this process, for a given package version and node id. */
export function buildInfo(version: string, nodeId: string): BuildInfo {
  return { version, revision: readRevision(), node: process.version, nodeId };
}

/** The package version, read once. */
export const VERSION: string = (() => {
  // `dist/src/http/build-info.js` when built, `src/http/build-info.ts` when run from source (tests, tsx).
  for (const path of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'livegate' && pkg.version !== undefined) return pkg.version;
    } catch {
      // Not at this path; try the next.
    }
  }
  return '0.0.0';
})();
