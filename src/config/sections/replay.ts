/** The replay window kept for resume. */
import { z } from 'zod';
import { defineSection } from '../section.js';

const MiB = 1024 * 1024;

export const replaySection = defineSection({
  replay: z
    .object({
      maxEvents: z
        .number()
        .int()
        .min(1)
        .max(10_000_000)
        .default(10_000)
        .meta({ description: 'Most events kept for resume.' }),
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * MiB)
        .default(64 * MiB)
        .meta({ description: 'Most envelope bytes kept for resume.' }),
      maxHistoryReads: z.number().int().min(1).max(10_000).default(16).meta({
        description:
          'Most resumes older than the replay window that read a page (512 events) of the bus history (bus.kind redis) or hold one in memory at once, across all connections; the others wait their turn, keeping their position (a waiting long-poll answers at its timeout with no events and the same lastEventId). Defaults to 16.',
      }),
    })
    .prefault({}),
});
