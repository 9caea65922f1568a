/** The matching budget of subscription filters (see src/core/matcher-budget.ts). */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const filtersSection = defineSection({
  filters: z
    .object({
      maxCostPerConnection: z.number().int().min(64).max(1_000_000).default(1024).meta({
        description:
          "Most matching cost one connection's subscriptions may add up to: a literal matcher costs 1, a regex its RE2 program size (about 2 per pattern character). Beyond: 400 invalid_filter. Defaults to 1024.",
      }),
      maxCostTotal: z.number().int().min(64).max(100_000_000).default(4096).meta({
        description:
          'Most cost of the distinct regex matchers of all live subscriptions (identical ones share one program and count once). Bounds the regex work per event; beyond: 503 matcher_budget_exhausted. Defaults to 4096.',
      }),
    })
    .prefault({}),
});
