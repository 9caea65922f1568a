/** The Alertmanager-compatible alert ingest and the demo alerts. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const alertsSection = defineSection({
  alerts: z
    .object({
      ingest: z.boolean().default(true).meta({
        description:
          'Serve the Alertmanager-compatible ingest POST /api/v2/alerts, so Prometheus can send alerts straight to livegate. Defaults to true.',
      }),
      resolveTimeoutMs: z.number().int().min(1_000).max(86_400_000).default(300_000).meta({
        description:
          "How long an ingested alert without endsAt stays firing without being re-sent (Alertmanager's resolve_timeout). Defaults to 300000 (5 m).",
      }),
    })
    .prefault({}),
  demo: z.boolean().default(false).meta({
    description:
      'Publish synthetic demo alerts and silences (labelled demo="true", source demo) that fire, get silenced and resolve. Defaults to false.',
  }),
});
