/** TLS (HTTPS, and HTTP/2 for event streams). */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const tlsSection = defineSection(
  {
    tls: z
      .object({
        certFile: z.string().default('').meta({
          description:
            'PEM certificate chain. With keyFile, livegate serves HTTPS with HTTP/2 (HTTP/1.1 still accepted, WebSocket over it); both files are read again on SIGHUP. Defaults to none (plain HTTP).',
        }),
        keyFile: z.string().default('').meta({ description: 'PEM private key of certFile. Defaults to none.' }),
      })
      .prefault({}),
  },
  ({ tls }, ctx) => {
    if ((tls.certFile === '') !== (tls.keyFile === ''))
      ctx.addIssue({
        code: 'custom',
        path: ['tls', tls.certFile === '' ? 'certFile' : 'keyFile'],
        message: 'tls.certFile and tls.keyFile go together: set both or neither',
      });
  },
);
