/** What livegate's own `/metrics` exposes. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const observabilitySection = defineSection({
  observability: z
    .object({
      maxEventSeries: z.number().int().min(1).max(1_000_000).default(1000).meta({
        description:
          'Most topic×type series of livegate_events_published_total; events of pairs first seen after that are counted under topic="other",type="other", so publishers cannot grow /metrics without bound. Defaults to 1000.',
      }),
    })
    .prefault({}),
});
