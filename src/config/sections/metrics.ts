/** PromQL metric streams (`/api/v1/metrics/stream`). */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const metricsSection = defineSection({
  metrics: z
    .object({
      maxStreams: z.number().int().min(1).max(1_000_000).default(100).meta({
        description:
          'Most open metric streams (SSE plus WebSocket `metrics` subscriptions); the next is refused with 503 and Retry-After. Defaults to 100.',
      }),
      inactivityTimeoutMs: z
        .number()
        .int()
        .min(1000)
        .max(86_400_000)
        .default(300_000)
        .meta({ description: 'A metric stream whose writes stay blocked this long is closed. Defaults to 300000.' }),
      tenantLabel: z
        .string()
        .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name')
        .default('namespace')
        .meta({ description: 'Label that carries the tenant in every scoped query. Defaults to namespace.' }),
      namespaces: z
        .array(z.string().min(1))
        .default(() => [])
        .meta({
          description:
            'Scope of every query from a principal without namespaces of its own (auth off): a matcher on tenantLabel is added to every selector. Empty leaves queries unscoped. Defaults to empty.',
        }),
    })
    .prefault({}),
});
