/** Browser origins. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const corsSection = defineSection({
  cors: z
    .object({
      origins: z
        .array(z.string())
        .default(() => [])
        .meta({
          description: 'Allowed browser origins besides same-origin and localhost; `*` allows any.',
          allowed: 'origins, or `*`',
        }),
    })
    .prefault({}),
});
