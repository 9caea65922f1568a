/** Logging. */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const logSection = defineSection({
  log: z
    .object({
      level: z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info')
        .meta({ description: 'Log level.', envAliases: ['LOG_LEVEL'], short: 'l' }),
    })
    .prefault({}),
});
