/** Several nodes: node identity and the leases of work that runs once per cluster. */
import { hostname } from 'node:os';
import { z } from 'zod';
import { defineSection } from '../section.js';

/** The default node id: host name and process id, e.g. `web-1:4242`. */
export function defaultNodeId(): string {
  return `${hostname()}:${process.pid}`;
}

export const clusterSection = defineSection({
  node: z
    .object({
      id: z
        .string()
        .max(100)
        .regex(/^[A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only')
        .default('')
        .meta({
          description:
            "This node's name in `/api/v2/info`, logs, metrics and the connections list; empty = host name and pid.",
        }),
    })
    .prefault({}),
  cluster: z
    .object({
      leaseMs: z.number().int().min(1000).max(600_000).default(10_000).meta({
        description:
          'Lease of work that runs on one node at a time (Alertmanager watcher, console); renewed every third of it. With `bus.kind: redis` only.',
      }),
    })
    .prefault({}),
});
