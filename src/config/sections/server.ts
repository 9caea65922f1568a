/** Listening address, port, enabled transports and trusted proxies. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { TRANSPORT_NAMES } from '@livegate/protocol';
import { defineSection } from '../section.js';

/** True for an IP address or a CIDR block (`10.0.0.0/8`, `fd00::/8`). */
export function isIpOrCidr(entry: string): boolean {
  const [addr, bits, extra] = entry.split('/');
  const family = isIP(addr ?? '');
  const maxBits = family === 6 ? 128 : 32;
  return family !== 0 && extra === undefined && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits));
}

export const serverSection = defineSection(
  {
    host: z
      .string()
      .default('0.0.0.0')
      .meta({
        description:
          'Address to listen on. The default 0.0.0.0 accepts connections on every interface; use 127.0.0.1 for this machine only.',
        envAliases: ['HOST'],
        short: 'H',
      }),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(8080)
      .meta({ description: 'TCP port (0 picks a free one).', envAliases: ['PORT'], short: 'p' }),
    transports: z
      .array(z.enum(TRANSPORT_NAMES))
      .default(() => [...TRANSPORT_NAMES])
      .meta({ description: 'Enabled transports.' }),
    trustedProxies: z
      .array(z.string())
      .default(() => [])
      .meta({ description: 'Peers (IPs or CIDRs) whose X-Forwarded-For is believed.', allowed: 'IPs / CIDRs' }),
  },
  (config, ctx) => {
    if (config.transports.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['transports'],
        message: `at least one transport must be enabled; allowed: ${TRANSPORT_NAMES.join(', ')}`,
      });
    for (const proxy of config.trustedProxies) {
      if (!isIpOrCidr(proxy))
        ctx.addIssue({
          code: 'custom',
          path: ['trustedProxies'],
          message: `${JSON.stringify(proxy)} is not an IP address or CIDR (e.g. 10.0.0.0/8)`,
        });
    }
  },
);
