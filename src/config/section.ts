/**
 * One configuration section: a fragment of the root object (usually a single top-level key such as
 * `limits`) plus the cross-checks that need more than one key. `schema.ts` composes every section
 * into the root schema; the `Config` type is derived from it.
 */
import type { z } from 'zod';

/** A cross-check over the composed config; adds issues with their exact path (`['ws','idleTimeoutMs']`). */
export type SectionCheck<S extends z.ZodRawShape> = (
  config: z.output<z.ZodObject<S>>,
  ctx: { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void },
) => void;

/** What a section file exports. */
export interface ConfigSection<S extends z.ZodRawShape> {
  /** Top-level keys this section owns, each with its zod schema (leaves carry `.default()` and `.meta()`). */
  readonly shape: S;
  /** Checks between keys, run once on the merged config (after file, env and flags). */
  readonly check?: SectionCheck<S>;
}

/**
 * Declares a section. Leaves need `.default(…)` then `.meta({ description, envAliases? })` (meta
 * last): the loader, `serve --help` and docs/configuration.md read both. Nested objects use
 * `.prefault({})` so that a file may leave the whole section out.
 */
export function defineSection<S extends z.ZodRawShape>(shape: S, check?: SectionCheck<S>): ConfigSection<S> {
  return check === undefined ? { shape } : { shape, check };
}
