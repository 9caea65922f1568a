/**
 * Builds the dashboard: `web/src/main.ts` → `web/dist/app.js`, the stylesheets it imports (ours and
 * uPlot's) → `web/dist/app.css`; the Console page `web/src/console-page.ts` → `console.js` and
 * `console.css`; and `web/index.html`, `web/console.html` and `web/favicon.svg` copied as they are. Minified, with
 * source maps written beside them but not referenced or served, no CDN: everything the page loads comes from livegate itself.
 *
 * `node web/build.mjs` builds and prints the sizes; `import { buildWeb } from './build.mjs'` builds
 * programmatically (the e2e tests use it when `web/dist` is missing).
 */
import console from 'node:console';
import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const WEB = dirname(fileURLToPath(import.meta.url));

/**
 * Builds the dashboard into `outdir`.
 *
 * @param {{ outdir?: string, quiet?: boolean }} [options] - `outdir` defaults to `web/dist`; `quiet`
 *   (defaults to `false`) skips the size report.
 * @returns {Promise<{ outdir: string, files: { name: string, bytes: number }[] }>}
 */
export async function buildWeb(options = {}) {
  const outdir = options.outdir ?? join(WEB, 'dist');
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  await esbuild.build({
    // main.ts imports styles.css (which imports uPlot's stylesheet): esbuild writes app.css beside app.js.
    entryPoints: { app: join(WEB, 'src', 'main.ts'), console: join(WEB, 'src', 'console-page.ts') },
    outdir,
    bundle: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    platform: 'browser',
    // The protocol package from source: the bundle needs no prior `build:protocol`.
    alias: { '@livegate/protocol': join(WEB, '..', 'packages', 'protocol', 'src', 'index.ts') },
    minify: true,
    // `external`: maps are written beside the files for local debugging but not referenced from
    // them, and livegate does not serve them (src/http/dashboard.ts).
    sourcemap: 'external',
    logLevel: options.quiet ? 'silent' : 'warning',
  });
  await copyFile(join(WEB, 'index.html'), join(outdir, 'index.html'));
  await copyFile(join(WEB, 'console.html'), join(outdir, 'console.html'));
  await copyFile(join(WEB, 'favicon.svg'), join(outdir, 'favicon.svg'));

  const files = [];
  for (const name of (await readdir(outdir)).sort()) files.push({ name, bytes: (await stat(join(outdir, name))).size });
  if (!options.quiet) {
    const shipped = files.filter((f) => !f.name.endsWith('.map'));
    for (const f of shipped)
      console.log(`web/dist/${f.name.padEnd(16)} ${(f.bytes / 1024).toFixed(1).padStart(7)} KiB`);
    console.log(`web/dist total (without maps) ${(shipped.reduce((n, f) => n + f.bytes, 0) / 1024).toFixed(1)} KiB`);
  }
  return { outdir, files };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildWeb().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
