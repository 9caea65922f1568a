/** The event bus. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const busSection = defineSection({
  bus: z
    .object({
      kind: z.enum(['memory']).default('memory').meta({ description: 'Event bus implementation.' }),
    })
    .prefault({}),
});
