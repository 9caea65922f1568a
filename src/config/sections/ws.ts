/** WebSocket transport. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const wsSection = defineSection(
  {
    ws: z
      .object({
        pingIntervalMs: z.number().int().min(100).max(3_600_000).default(54_000).meta({
          description:
            'WebSocket protocol ping interval; also the `heartbeat` op interval on idle WebSocket connections.',
        }),
        idleTimeoutMs: z
          .number()
          .int()
          .min(200)
          .max(3_600_000)
          .default(60_000)
          .meta({ description: 'A WebSocket peer silent this long is dropped.' }),
        maxPayloadBytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024)
          .default(512 * 1024)
          .meta({ description: 'Largest incoming WebSocket message.' }),
        maxMessagesPerSecond: z.number().int().min(0).max(100_000).default(50).meta({
          description:
            'Messages a WebSocket client may send per second, with a burst of the same size; a flood is closed with 1008 (`rate_limited`). 0 turns the limit off. Defaults to 50.',
        }),
      })
      .prefault({}),
  },
  ({ ws }, ctx) => {
    if (ws.idleTimeoutMs <= ws.pingIntervalMs)
      ctx.addIssue({
        code: 'custom',
        path: ['ws', 'idleTimeoutMs'],
        message: `must be greater than ws.pingIntervalMs (${ws.pingIntervalMs}) so a pong can arrive`,
      });
  },
);
