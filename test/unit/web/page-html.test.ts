import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

type Page = { file: string; entry: string; title: string; href: string; skip: { to: string; text: string } };

// A plain ES module (its JSDoc documents the shapes), loaded as the e2e support loads it.
const { PAGES, pageHtml } = (await import(new URL('../../../web/build.mjs', import.meta.url).href)) as {
  PAGES: Page[];
  pageHtml(shell: string, page: Page, main: string): string;
};

const web = (path: string) => readFile(new URL(`../../../web/${path}`, import.meta.url), 'utf8');

describe('the pages built from one shell', () => {
  it('fill every slot, load their own script and mark themselves, and only themselves, as current', async () => {
    const shell = await web('shell.html');
    for (const page of PAGES) {
      const main = await web(`pages/${page.file}`);
      const html = pageHtml(shell, page, main);
      expect(html, page.file).not.toMatch(/\{\{|\}\}/);
      expect(html).toContain(`<title>${page.title}</title>`);
      expect(html).toContain(`<script type="module" src="${page.entry}.js"></script>`);
      expect(html).toContain(`<link rel="stylesheet" href="${page.entry}.css" />`);
      expect(html.match(/aria-current="page"/g)).toHaveLength(1);
      expect(html).toContain(`<a href="${page.href}" aria-current="page">`);
      // The skip link leads to an element of the page.
      expect(html).toContain(`<a class="skip-link" href="#${page.skip.to}">${page.skip.text}</a>`);
      expect(main).toContain(`id="${page.skip.to}"`);
      // The page's <main> sits in the body, indented with it.
      expect(html).toMatch(/\n {4}<main [^\n]*>\n/);
    }
  });

  it('refuses a slot the shell does not know, rather than ship it as text', () => {
    const page = PAGES[0]!;
    expect(() => pageHtml('<a href="./">x</a>{{nope}}\n{{main}}', page, '<main></main>')).toThrow(/unknown slot/);
  });
});
