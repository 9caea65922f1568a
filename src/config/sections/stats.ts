/** The `stats` topic. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const statsSection = defineSection(
  {
    stats: z
      .object({
        intervalMs: z.number().int().min(0).max(3_600_000).default(10_000).meta({
          description:
            'Interval of `stats_updated` events on the `stats` topic; 0 turns them off (minimum otherwise 100).',
          allowed: '0, or 100 – 3600000',
        }),
      })
      .prefault({}),
  },
  ({ stats }, ctx) => {
    if (stats.intervalMs > 0 && stats.intervalMs < 100)
      ctx.addIssue({
        code: 'custom',
        path: ['stats', 'intervalMs'],
        message: `${stats.intervalMs} is too short; use 0 (off) or 100 to 3600000`,
      });
  },
);
