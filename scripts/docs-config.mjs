// Writes docs/configuration.md from the config schema. Run through `npm run docs:config` (builds first).
import console from 'node:console';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { renderConfigReference } from '../dist/src/config/reference.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'configuration.md');
const options = { ...(await prettier.resolveConfig(target)), filepath: target };
await writeFile(target, await prettier.format(renderConfigReference(), options));
console.log(`wrote ${target}`);
