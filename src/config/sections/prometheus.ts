/** The Prometheus that PromQL metric streams query. */
import { z } from 'zod';
import { defineSection } from '../section.js';

const text = (description: string) => z.string().default('').meta({ description });

export const prometheusSection = defineSection(
  {
    prometheus: z
      .object({
        url: text(
          'Prometheus base URL for metric streams (`http(s)://host:9090`, a path prefix is kept). Empty turns `/api/v1/metrics/stream` off. Defaults to empty.',
        ),
        timeoutMs: z
          .number()
          .int()
          .min(100)
          .max(300_000)
          .default(10_000)
          .meta({ description: 'Time limit of one Prometheus query. Defaults to 10000.' }),
        maxResponseBytes: z
          .number()
          .int()
          .min(1024)
          .max(1024 * 1024 * 1024)
          .default(8 * 1024 * 1024)
          .meta({ description: 'Largest Prometheus answer read; a larger one is a query error. Defaults to 8 MiB.' }),
        auth: z
          .object({
            bearerToken: text('Bearer token sent to Prometheus. Defaults to none.'),
            bearerTokenFile: text('File holding the bearer token (read at start). Defaults to none.'),
            username: text('Basic auth user name. Defaults to none.'),
            password: text('Basic auth password. Defaults to none.'),
            passwordFile: text('File holding the basic auth password (read at start). Defaults to none.'),
          })
          .prefault({}),
        tls: z
          .object({
            caFile: text('PEM CA bundle trusted for an https Prometheus. Defaults to the system CAs.'),
            insecureSkipVerify: z
              .boolean()
              .default(false)
              .meta({ description: 'Skip TLS certificate verification (testing only). Defaults to false.' }),
          })
          .prefault({}),
      })
      .prefault({}),
  },
  ({ prometheus }, ctx) => {
    const issue = (path: string[], message: string) =>
      ctx.addIssue({ code: 'custom', path: ['prometheus', ...path], message });
    const { url, auth, tls } = prometheus;
    if (url !== '') {
      let parsed: URL | null = null;
      try {
        parsed = new URL(url);
      } catch {
        issue(['url'], 'must be an http(s) URL such as http://prometheus:9090');
      }
      if (parsed && parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        issue(['url'], 'must use http or https');
      }
      if (parsed?.protocol === 'http:' && (tls.caFile !== '' || tls.insecureSkipVerify)) {
        issue(['tls'], 'CA file and insecureSkipVerify need an https:// url');
      }
    }
    const bearer = auth.bearerToken !== '' || auth.bearerTokenFile !== '';
    const basic = auth.username !== '' || auth.password !== '' || auth.passwordFile !== '';
    if (bearer && basic) issue(['auth'], 'use either a bearer token or basic auth, not both');
    if (auth.bearerToken !== '' && auth.bearerTokenFile !== '') {
      issue(['auth', 'bearerTokenFile'], 'give bearerToken or bearerTokenFile, not both');
    }
    if (auth.password !== '' && auth.passwordFile !== '') {
      issue(['auth', 'passwordFile'], 'give password or passwordFile, not both');
    }
    if (basic && auth.username === '') issue(['auth', 'username'], 'basic auth needs a username');
  },
);
