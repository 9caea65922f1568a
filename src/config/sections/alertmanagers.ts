/** Watched Alertmanagers (API v2). Entry validation lives in `../alertmanagers.ts`. */
import { z } from 'zod';
import { parseAlertmanagerTargets, type AlertmanagerTarget, type AlertmanagerTargetInput } from '../alertmanagers.js';
import { defineSection } from '../section.js';

export const alertmanagersSection = defineSection({
  alertmanagers: z
    .custom<AlertmanagerTargetInput[] | string>(() => true)
    .transform((value, ctx): AlertmanagerTarget[] => {
      const result = parseAlertmanagerTargets(value, '');
      if (result.ok) return result.value;
      // `params.field` is the path inside the value (`[1].url`); the loader prefixes the key.
      ctx.issues.push({
        code: 'custom',
        input: value,
        path: [],
        message: result.error.message,
        params: { field: result.error.field },
      });
      return z.NEVER;
    })
    .default(() => [])
    .meta({
      allowed: 'list of `{name, url, …}` (at most 64); env/flags: `name=url,…` or JSON',
      description:
        'Alertmanagers to watch through API v2. Each entry: name, url, intervalMs (poll interval; defaults to 5000, at least 500), ' +
        'timeoutMs (defaults to the interval, at most 10000), externalUrl (matches webhooks; defaults to none), ' +
        'auth {bearerToken | bearerTokenFile | username with password | passwordFile}, tls {caFile, insecureSkipVerify (defaults to false)}. ' +
        'In env and flags: name=url,name2=url2 or JSON text. Defaults to none.',
    }),
});
