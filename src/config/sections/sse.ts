/** Server-Sent Events transport. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const sseSection = defineSection({
  sse: z
    .object({
      heartbeatMs: z
        .number()
        .int()
        .min(100)
        .max(3_600_000)
        .default(30_000)
        .meta({ description: 'Heartbeat interval on idle SSE connections.' }),
      retryMs: z
        .number()
        .int()
        .min(0)
        .max(3_600_000)
        .default(2_000)
        .meta({ description: 'Reconnect delay sent in the SSE `retry:` line.' }),
    })
    .prefault({}),
});
