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
