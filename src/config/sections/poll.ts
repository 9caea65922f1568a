/** Long-poll transport. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const pollSection = defineSection(
  {
    poll: z
      .object({
        defaultTimeoutSeconds: z
          .number()
          .int()
          .min(0)
          .max(3600)
          .default(25)
          .meta({ description: 'Long-poll wait when `timeout` is not given.' }),
        maxTimeoutSeconds: z
          .number()
          .int()
          .min(0)
          .max(3600)
          .default(60)
          .meta({ description: 'Longest long-poll wait a client may ask for.' }),
      })
      .prefault({}),
  },
  ({ poll }, ctx) => {
    if (poll.defaultTimeoutSeconds > poll.maxTimeoutSeconds)
      ctx.addIssue({
        code: 'custom',
        path: ['poll', 'defaultTimeoutSeconds'],
        message: `${poll.defaultTimeoutSeconds} exceeds poll.maxTimeoutSeconds (${poll.maxTimeoutSeconds})`,
      });
  },
);
