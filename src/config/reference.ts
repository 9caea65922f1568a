/**
 * The configuration reference (docs/configuration.md), rendered from {@link SETTINGS}. Written by
 * `npm run docs:config`; a unit test fails when the file is out of date, so a new section is
 * documented as soon as it is added.
 */
import { envName, flagName, SETTINGS, type Setting } from './schema.js';

const HEADER = `# Configuration reference

<!-- Generated from src/config/sections/*.ts by \`npm run docs:config\`. Do not edit by hand. -->

Every key has a flag and an environment variable derived from its path (\`limits.maxPerIp\` →
\`--limits-max-per-ip\`, \`LIVEGATE_LIMITS_MAX_PER_IP\`). Later sources win: defaults < config file
(\`--config\`) < environment < flags. How lists, booleans and \`json\` keys are written, and the
cross-checks between keys, are described in [operations.md](operations.md#configuration).
`;

/** The whole markdown page (before Prettier formats the table). */
export function renderConfigReference(settings: readonly Setting[] = SETTINGS): string {
  const rows = settings.map((s) =>
    [
      code(s.key),
      [...(s.short === undefined ? [] : [`-${s.short}`]), flagName(s.key)].map(code).join(', '),
      [envName(s.key), ...(s.envAliases ?? [])].map(code).join(', '),
      s.type,
      defaultText(s),
      allowedText(s),
      escape(s.doc),
    ].join(' | '),
  );
  return `${HEADER}
| file key | flag | env var | type | default | range / allowed | meaning |
| --- | --- | --- | --- | --- | --- | --- |
${rows.map((r) => `| ${r} |`).join('\n')}
`;
}

function code(text: string): string {
  return `\`${text}\``;
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function defaultText(s: Setting): string {
  const value = s.default;
  if (Array.isArray(value)) return value.length === 0 ? '`[]` (empty)' : code(value.join(','));
  if (value === '') return '`""` (empty)';
  // Only sizes read as KiB/MiB: a count such as a matching cost of 1024 is not 1 KiB.
  if (typeof value === 'number' && /Bytes$/.test(s.key) && value >= 1024 && value % 1024 === 0) {
    const unit = value % (1024 * 1024) === 0 ? [1024 * 1024, 'MiB'] : [1024, 'KiB'];
    return `${code(String(value))} (${value / (unit[0] as number)} ${unit[1] as string})`;
  }
  return code(String(value));
}

function allowedText(s: Setting): string {
  if (s.allowed !== undefined) return escape(s.allowed);
  if (s.values !== undefined) return s.values.map(code).join(', ');
  if (s.type === 'bool') return '`true`, `false`';
  if (s.min !== undefined && s.max !== undefined) return `${s.min} – ${s.max}`;
  return 'any';
}
