/** The streaming-platform console: one NATS JetStream cluster followed on the `console` topic. */
import { z } from 'zod';
import { checkNatsSettings } from '../nats-settings.js';
import { defineSection } from '../section.js';

const text = (description: string) => z.string().default('').meta({ description });

export const consoleSection = defineSection(
  {
    console: z
      .object({
        cluster: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,64}$/, '1-64 letters, digits, "_", "-" or "."')
          .default('nats')
          .meta({
            description:
              'Name of the followed cluster: the health component is `console/<cluster>` and console events carry the label `cluster`. Defaults to nats.',
          }),
        nats: z
          .object({
            servers: z
              .array(z.string())
              .default(() => [])
              .meta({
                description:
                  'NATS server URLs of the cluster to follow (`nats://127.0.0.1:4222`); the client fails over between them. Empty turns the console off. Defaults to none.',
                allowed: 'URLs (`nats://`, `tls://`, `ws://`, `wss://`)',
              }),
            user: text('NATS user name (needs `password`). Defaults to none.'),
            password: text('Password of `console.nats.user`. Defaults to none.'),
            token: text('NATS authentication token. Defaults to none.'),
            nkeySeed: text('NKey seed (`SU…`) that signs the server nonce. Defaults to none.'),
            credsFile: text('`.creds` file holding a user JWT and its NKey seed. Defaults to none.'),
            monitorUrl: text(
              'NATS monitoring base URL (`http://host:8222`), read for the connection count and JetStream limits. Defaults to none.',
            ),
            tls: z
              .object({
                caFile: text('PEM CA bundle that signed the NATS servers. Defaults to the system CAs.'),
                certFile: text(
                  'PEM client certificate, for servers that verify clients (needs keyFile). Defaults to none.',
                ),
                keyFile: text('PEM private key of `console.nats.tls.certFile`. Defaults to none.'),
              })
              .prefault({}),
          })
          .prefault({}),
        metricsIntervalMs: z.number().int().min(500).max(600_000).default(2_000).meta({
          description:
            'Interval of `metrics_updated` and of the rounds that read the cluster; one round never takes longer than half of it. Defaults to 2000.',
        }),
        reconcileMs: z.number().int().min(1_000).max(3_600_000).default(30_000).meta({
          description:
            'Longest a full re-read of every consumer group may take (advisories make changes immediate; this catches what they missed). A slower sweep turns the health degraded. Defaults to 30000.',
        }),
        canary: z.boolean().default(false).meta({
          description:
            'Measure publish→ack latency (p50/p95/p99 in `metrics_updated`) with a small in-memory canary stream `LIVEGATE_CANARY`. Defaults to false.',
        }),
        lagAlertThreshold: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(1_000).meta({
          description: 'Lag at which the dashboard raises a toast for a consumer group. Defaults to 1000.',
        }),
        maxRequestsPerRound: z.number().int().min(2).max(100_000).default(500).meta({
          description:
            'Most JetStream API requests in one round (each page of 256 streams or consumers counts one); groups not reached wait for the next round. Defaults to 500.',
        }),
      })
      .prefault({}),
  },
  ({ console: section }, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path: ['console', ...path], message });
    const { nats } = section;
    if (section.reconcileMs < section.metricsIntervalMs) issue(['reconcileMs'], 'must be at least metricsIntervalMs');
    const problem = checkNatsSettings({
      servers: nats.servers,
      user: nats.user,
      password: nats.password,
      token: nats.token,
      nkeySeed: nats.nkeySeed,
      credsFile: nats.credsFile,
      tls: { caFile: nats.tls.caFile, certFile: nats.tls.certFile, keyFile: nats.tls.keyFile },
    });
    if (problem !== null) {
      const path = problem.field.replace(/\[(\d+)\]/g, '.$1').split('.');
      issue(['nats', ...path.map((p) => (/^\d+$/.test(p) ? Number(p) : p))], problem.message);
    }
    if (nats.monitorUrl !== '') {
      let url: URL | null = null;
      try {
        url = new URL(nats.monitorUrl);
      } catch {
        issue(['nats', 'monitorUrl'], 'must be an http(s) URL such as http://127.0.0.1:8222');
      }
      if (url !== null && url.protocol !== 'http:' && url.protocol !== 'https:')
        issue(['nats', 'monitorUrl'], 'must use http or https');
    }
  },
);
