/** The publish API. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const publishSection = defineSection({
  publish: z
    .object({
      maxBodyBytes: z
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .default(512 * 1024)
        .meta({ description: 'Largest publish request body.' }),
      maxEvents: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .default(1000)
        .meta({ description: 'Most events in one publish request.' }),
    })
    .prefault({}),
});
