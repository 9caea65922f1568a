/** Authentication. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const authSection = defineSection({
  auth: z
    .object({
      adminToken: z.string().default('').meta({
        description: 'When set, publishing and the connections API require `Authorization: Bearer <token>`.',
      }),
    })
    .prefault({}),
});
