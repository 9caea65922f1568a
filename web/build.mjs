/**
 * Builds the dashboard, one page per entry of {@link PAGES}: its script (`web/src/main.ts` →
 * `web/dist/app.js`, with the stylesheets it imports, ours and uPlot's, → `app.css`; the Console
 * page `web/src/console-page.ts` → `console.js` and `console.css`) and its HTML: the page's
 * `<main>` (`web/pages/<file>`) in the shell every page shares (`web/shell.html`: head, top bar,
 * toasts, footer). `web/favicon.svg` is copied as it is. Minified, with source maps written beside
 * them but not referenced or served, no CDN: everything the page loads comes from livegate itself.
 *
 * `node web/build.mjs` builds and prints the sizes; `import { buildWeb } from './build.mjs'` builds
 * programmatically (the e2e tests use it when `web/dist` is missing).
 */
import console from 'node:console';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const WEB = dirname(fileURLToPath(import.meta.url));

/**
 * The pages: `file` (in `web/pages/` and `web/dist/`), `script` (in `web/src/`) bundled as `entry`
 * (`<entry>.js`, `<entry>.css`), the `<title>`, where the skip link goes, the footer (HTML), and
 * `href`, the page's link in the top bar's navigation (marked `aria-current` on the page itself).
 */
export const PAGES = [
  {
    file: 'index.html',
    script: 'main.ts',
    entry: 'app',
    title: 'livegate',
    href: './',
    skip: { to: 'alerts', text: 'Skip to alerts' },
    footer: 'livegate dashboard · <a href="api/v2/info">server info</a> · <a href="metrics">metrics</a>',
  },
  {
    file: 'console.html',
    script: 'console-page.ts',
    entry: 'console',
    title: 'Console · livegate',
    href: 'console.html',
    skip: { to: 'topics', text: 'Skip to topics' },
    footer: 'livegate console · <a href="api/v1/console/topics">topics API</a> · <a href="api/v2/info">server info</a>',
  },
];

/**
 * The HTML of `page`: the shell with the page's values, its `<main>` indented where the shell
 * holds `{{main}}`, and its navigation link marked as the current page.
 *
 * @param {string} shell - `web/shell.html`.
 * @param {(typeof PAGES)[number]} page
 * @param {string} main - the page's `<main>` element.
 * @returns {string}
 */
export function pageHtml(shell, page, main) {
  const link = `<a href="${page.href}">`;
  if (!shell.includes(link)) throw new Error(`web/shell.html has no navigation link ${link}`);
  const values = {
    title: page.title,
    entry: page.entry,
    skipTo: page.skip.to,
    skipText: page.skip.text,
    footer: page.footer,
  };
  return shell
    .replace(link, `<a href="${page.href}" aria-current="page">`)
    .replace(/^( *)\{\{main\}\}$/m, (_, indent) =>
      main
        .trimEnd()
        .split('\n')
        .map((line) => (line === '' ? line : indent + line))
        .join('\n'),
    )
    .replace(/\{\{(\w+)\}\}/g, (slot, name) => {
      if (!(name in values)) throw new Error(`web/shell.html: unknown slot ${slot}`);
      return values[name];
    });
}

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
    entryPoints: Object.fromEntries(PAGES.map((page) => [page.entry, join(WEB, 'src', page.script)])),
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
  const shell = await readFile(join(WEB, 'shell.html'), 'utf8');
  for (const page of PAGES) {
    const main = await readFile(join(WEB, 'pages', page.file), 'utf8');
    await writeFile(join(outdir, page.file), pageHtml(shell, page, main));
  }
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
