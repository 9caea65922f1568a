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
          description:
            "Browser origins allowed besides livegate's own (`localhost`, `127.0.0.1`, `[::1]` or an address of this machine, on livegate's port), as `scheme://host[:port]`; `*` allows any. The `Host` header is never trusted: a page reaching livegate by a DNS name (a proxy, `https://live.example.com`) or a dev server on another port must be listed.",
          allowed: 'origins, or `*`',
        }),
    })
    .prefault({}),
});
