#!/usr/bin/env node
// Writes dist/build-info.json ({ "revision": "<git commit>" }) for livegate_build_info. Run by
// `npm run build`. The revision comes from LIVEGATE_REVISION when set (a Docker build passes it, as
// the build context has no .git), else `git rev-parse HEAD`, else "unknown" (a tarball build).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

function revision() {
  if (process.env.LIVEGATE_REVISION) return process.env.LIVEGATE_REVISION;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

const root = new URL('../', import.meta.url);
mkdirSync(new URL('dist/', root), { recursive: true });
writeFileSync(new URL('dist/build-info.json', root), `${JSON.stringify({ revision: revision() })}\n`);
