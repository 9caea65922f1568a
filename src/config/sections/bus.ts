/** The event bus: in memory (one node) or a Redis stream shared by several nodes. */
import { z } from 'zod';
import { defineSection } from '../section.js';

const HOST_PORT = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;

export const busSection = defineSection(
  {
    bus: z
      .object({
        kind: z.enum(['memory', 'redis']).default('memory').meta({
          description: 'Event bus implementation: `memory` (one node) or `redis` (several nodes, see docs/deploy.md).',
        }),
        redis: z
          .object({
            url: z.string().default('redis://127.0.0.1:6379').meta({
              description:
                'Redis server (or Cluster seed node) for `bus.kind: redis`: `redis://[user:password@]host:port[/db]`.',
            }),
            stream: z
              .string()
              .min(1)
              .max(200)
              .default('livegate:events')
              .meta({ description: 'Stream key; its epoch and counter live in `<stream>:meta`.' }),
            maxLen: z.number().int().min(1000).max(100_000_000).default(100_000).meta({
              description:
                'Approximate number of events the stream keeps (`XADD MAXLEN ~`): how far back a client can resume.',
            }),
            sentinels: z
              .array(z.string().regex(HOST_PORT, 'expected host:port'))
              .default(() => [])
              .meta({
                description:
                  'Sentinels (`host:port`) to ask for the master named `bus.redis.sentinelName`; empty for none.',
                allowed: 'host:port list',
              }),
            sentinelName: z
              .string()
              .min(1)
              .default('mymaster')
              .meta({ description: 'Master name known to the sentinels.' }),
            cluster: z
              .boolean()
              .default(false)
              .meta({ description: 'Treat `bus.redis.url` as a seed node of a Redis Cluster.' }),
          })
          .prefault({}),
      })
      .prefault({}),
  },
  ({ bus }, ctx) => {
    if (bus.kind !== 'redis') return;
    let url: URL | undefined;
    try {
      url = new URL(bus.redis.url);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:'))
      ctx.addIssue({
        code: 'custom',
        path: ['bus', 'redis', 'url'],
        message: `"${bus.redis.url}" is not a redis:// or rediss:// URL`,
      });
    if (bus.redis.cluster && bus.redis.sentinels.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['bus', 'redis', 'sentinels'],
        message: 'use either Sentinel or Cluster, not both',
      });
  },
);
