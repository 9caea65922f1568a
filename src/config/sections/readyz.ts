/** What `/readyz` requires besides the bus and shutdown. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const readyzSection = defineSection({
  readyz: z
    .object({
      requireSources: z.boolean().default(false).meta({
        description:
          'Also answer /readyz 503 while a source (a watched Alertmanager, Prometheus, the demo …) is unhealthy. Off: readiness is the bus and shutdown only, and sources report on the health topic and /healthz?verbose, so one Alertmanager outage does not take every node out of the load balancer.',
      }),
    })
    .prefault({}),
});
