/** Raw TCP sockets: how many, how long a request may take to arrive. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const socketsSection = defineSection(
  {
    sockets: z
      .object({
        max: z.number().int().min(0).max(10_000_000).default(0).meta({
          description:
            "Most open TCP sockets in total (Node's `server.maxConnections`): beyond it a new socket is closed on accept, before any HTTP parsing. 0 = automatic: the process's open-file limit minus 128 (descriptors for logs, outgoing connections and files), so livegate degrades instead of running out of descriptors.",
          allowed: '0 (automatic) or 1 – 10000000',
        }),
        maxPerIp: z.number().int().min(0).max(10_000_000).default(0).meta({
          description:
            'Most open TCP sockets from one peer address (counted on accept, before any HTTP parsing; trusted proxies are exempt). 0 = automatic: `limits.maxPerIp` + 64, room for every stream plus plain requests.',
          allowed: '0 (automatic) or 1 – 10000000',
        }),
        headersTimeoutMs: z.number().int().min(100).max(3_600_000).default(10_000).meta({
          description:
            'A socket that has not sent complete request headers this long after it connected (or after its previous request) is answered 408 and closed.',
        }),
        requestTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000).meta({
          description:
            'A request whose body has not fully arrived this long after it started is answered 408 and closed. Streams are not affected: their request is complete once the headers are in.',
        }),
      })
      .prefault({}),
  },
  ({ sockets }, ctx) => {
    if (sockets.headersTimeoutMs > sockets.requestTimeoutMs)
      ctx.addIssue({
        code: 'custom',
        path: ['sockets', 'headersTimeoutMs'],
        message: `${sockets.headersTimeoutMs} is longer than sockets.requestTimeoutMs (${sockets.requestTimeoutMs}); the headers are part of the request`,
      });
  },
);
