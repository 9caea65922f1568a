#!/usr/bin/env node
// Measures regex matching per event at the matching budget (docs/operations.md, "Bounds"):
// the issue-9 reproductions on RE2, then adversarial patterns filling one connection's budget and
// the server total, with long and short label values. Needs `npm run build` first (reads dist/).
// Usage: node scripts/measure-matching.mjs [perConnection=1024] [total=4096]
import console from 'node:console';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { compileFilter } from '../dist/src/core/filter.js';
import { parseMatchers } from '../dist/src/core/matchers.js';
import { clearRegexCache } from '../dist/src/core/regex.js';

const perConnection = Number(process.argv[2] ?? 1024);
const total = Number(process.argv[3] ?? 4096);

for (const [pattern, value] of [
  ['(.|.)*#', 'checkout-api-7d9f8b6c5d-x2x9z'],
  ['(a|aa)*b', 'a'.repeat(41)],
  ['.*.*.*.*.*x', 'y'.repeat(120)],
]) {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    clearRegexCache();
    const [m] = parseMatchers(`{pod=~${JSON.stringify(pattern)}}`);
    const t = performance.now();
    m.test(value);
    best = Math.min(best, performance.now() - t);
  }
  console.log(`${pattern} on ${value.length} chars: ${(best * 1000).toFixed(0)} µs (least of 5)`);
}

// Patterns whose DFA explodes: the worst case for RE2 per instruction and character.
const patterns = [
  '(a|b)*a(a|b){19}x',
  `(?:${Array.from({ length: 30 }, (_, i) => `(?:a|b)*a(?:a|b){${i % 20}}`).join('|')})x`,
  `(?:${Array.from({ length: 100 }, (_, i) => `[ab]{${(i % 5) + 1}}c?`).join('|')})*x`,
];
const randomAb = (length) => {
  let s = '';
  for (let j = 0; j < length; j++) s += Math.random() < 0.5 ? 'a' : 'b';
  return s;
};
console.log('| budget | value chars | pattern (program size) | cost filled | p50 ms | max ms |');
for (const budget of [perConnection, total]) {
  for (const length of [1024, 64]) {
    for (const pattern of patterns) {
      const weight = compileFilter({ match: [`{l0=~${JSON.stringify(pattern)}}`] }).cost;
      // Distinct (label, pattern) pairs, so that no evaluation is shared: 64 labels × variants.
      const filters = [];
      let cost = 0;
      for (let k = 0; cost + weight <= budget;) {
        const sets = [];
        for (let i = 0; i < 64 && cost + weight <= budget; i++, k++) {
          sets.push(`{l${i}=~${JSON.stringify(`${pattern}|q${Math.floor(k / 64)}`)}}`);
          cost += weight;
        }
        filters.push(compileFilter({ match: sets }));
      }
      const filled = filters.reduce((sum, f) => sum + f.cost, 0);
      const times = [];
      for (let e = 0; e < 20; e++) {
        const labels = {};
        for (let i = 0; i < 64; i++) labels[`l${i}`] = randomAb(length);
        const t = performance.now();
        for (const f of filters) f.matchesLabels(labels);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const shown = pattern.length > 24 ? `${pattern.slice(0, 24)}…` : pattern;
      console.log(
        `| ${budget} | ${length} | \`${shown}\` (${weight}) | ${filled} | ${times[10].toFixed(1)} | ${times[19].toFixed(1)} |`,
      );
    }
  }
}
