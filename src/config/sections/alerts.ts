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
      maxAlerts: z.number().int().min(1).max(10_000_000).default(10_000).meta({
        description:
          'Most alerts the ingest holds (firing plus recently resolved). Resolved ones are forgotten first, oldest first, to make room; when only firing alerts remain, a batch with new alerts is refused with 429 too_many_alerts. Bounds the alerts snapshot. Defaults to 10000.',
      }),
      maxEndsAtAheadMs: z.number().int().min(60_000).max(31_536_000_000).default(86_400_000).meta({
        description:
          "How far ahead of receipt an ingested alert's endsAt may lie; beyond is 400 on [i].endsAt, so no alert fires forever. Defaults to 86400000 (24 h).",
      }),
    })
    .prefault({}),
  demo: z.boolean().default(false).meta({
    description:
      'Publish synthetic demo alerts and silences (labelled demo="true", source demo) that fire, get silenced and resolve. Defaults to false.',
  }),
});
