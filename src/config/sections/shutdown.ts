/** Graceful shutdown. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const shutdownSection = defineSection({
  shutdown: z
    .object({
      timeoutMs: z
        .number()
        .int()
        .min(0)
        .max(600_000)
        .default(10_000)
        .meta({ description: 'Longest graceful shutdown before exit.' }),
    })
    .prefault({}),
});
