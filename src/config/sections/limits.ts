/** Connection and subscription limits. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const limitsSection = defineSection({
  limits: z
    .object({
      maxConnections: z
        .number()
        .int()
        .min(1)
        .max(10_000_000)
        .default(10_000)
        .meta({ description: 'Most concurrent connections (503 beyond).' }),
      maxPerIp: z
        .number()
        .int()
        .min(1)
        .max(10_000_000)
        .default(10)
        .meta({ description: 'Most concurrent connections per client address (429 beyond).' }),
      maxSubscriptions: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(32)
        .meta({ description: 'Most subscriptions on one WebSocket.' }),
      connectsPerSecond: z.number().int().min(0).max(1_000_000).default(20).meta({
        description:
          'New connections (SSE, WebSocket, long-polls) a client address may open per second, with a burst of the same size; a long-poll continuing from the lastEventId of an answer this node gave that address (one that delivered events or waited out its timeout) is not counted, once per answer. 0 turns the limit off (429 with Retry-After beyond). Defaults to 20.',
      }),
      publishesPerSecond: z.number().int().min(0).max(1_000_000).default(100).meta({
        description:
          'Write requests (publish, alert ingest, webhook, silences) per publisher key, token subject or, without credentials, client address per second, with a burst of the same size; 0 turns the limit off (429 with Retry-After beyond). Defaults to 100.',
      }),
      retryAfterSeconds: z
        .number()
        .int()
        .min(1)
        .max(3600)
        .default(5)
        .meta({ description: 'Retry-After sent with 429/503 answers.' }),
    })
    .prefault({}),
});
