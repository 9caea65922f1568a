/** Per-connection queue bounds. */
import { z } from 'zod';
import { defineSection } from '../section.js';

const MiB = 1024 * 1024;

export const queueSection = defineSection({
  queue: z
    .object({
      maxEvents: z.number().int().min(1).max(1_000_000).default(256).meta({
        description: 'Per-connection queue bound in events; overflow disconnects the slow consumer.',
      }),
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .max(1024 * MiB)
        .default(1 * MiB)
        .meta({ description: 'Per-connection queue bound in bytes (queued plus socket-buffered).' }),
    })
    .prefault({}),
});
