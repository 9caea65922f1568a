/** Authentication, tenancy claims, publisher keys and protected writes. */
import { z } from 'zod';
import { defineSection } from '../section.js';
import { isIpOrCidr } from './server.js';

const text = (description: string) => z.string().default('').meta({ description });
const path = (right: string) =>
  z
    .string()
    .default(right)
    .meta({
      description: `Dotted path of the \`${right}\` right inside the claim (e.g. \`realm_access.${right}\`). Defaults to \`${right}\`.`,
    });

/** One publisher key as written in the config: its name, the SHA-256 of the key, the topics it may publish. */
const publishKey = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only'),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits: printf %s "$KEY" | sha256sum'),
  topics: z.array(z.string().min(1).max(256)).min(1).max(256),
  admin: z.boolean().optional(),
});

export const authSection = defineSection(
  {
    auth: z
      .object({
        mode: z.enum(['none', 'jwt']).default('none').meta({
          description:
            '`none`: reading is open to every client (logged once at start); `jwt`: every read needs a verified token whose claims scope what it sees. Writes are protected in both modes. Defaults to `none`.',
        }),
        adminToken: text(
          'A static token with every right (publish, admin endpoints), sent as `Authorization: Bearer <token>`. Setting it counts as configuring credentials: loopback then needs it to write. Defaults to none.',
        ),
        writeAllowFrom: z
          .array(z.string())
          .default(() => [])
          .meta({
            description:
              'Client addresses (IPs or CIDRs) that may write without credentials, besides loopback while no credentials are configured. Addresses come through `trustedProxies`. Defaults to none.',
            allowed: 'IPs / CIDRs',
          }),
        publishKeys: z
          .array(publishKey)
          .max(1000)
          .default(() => [])
          .meta({
            allowed: 'list of `{name, sha256, topics, admin?}`; env/flags: JSON',
            description:
              'Publisher keys: only the SHA-256 of each key is configured (`printf %s "$KEY" | sha256sum`). A key is sent as `Authorization: Bearer <key>` or as the password of basic auth with its name as user. `topics` are topic names or `prefix*` patterns it may publish to; a reserved state topic (`alerts`) must be named exactly. `admin: true` also opens the admin endpoints. Defaults to none.',
          }),
        jwt: z
          .object({
            secret: text(
              'HS256/384/512 shared secret (at least 32 bytes). One of secret, publicKeyFile, jwksUrl. Defaults to none.',
            ),
            publicKeyFile: text(
              'PEM file with an RSA, EC or Ed25519 public key (or certificate) that signs tokens. Defaults to none.',
            ),
            jwksUrl: text(
              'URL of a JSON Web Key Set; cached, fetched again when a token names an unknown `kid`. Defaults to none.',
            ),
            issuer: text('Required `iss` claim. Defaults to none (not checked).'),
            audience: text("Required `aud` claim (one of the token's audiences). Defaults to none (not checked)."),
            clockSkewSeconds: z
              .number()
              .int()
              .min(0)
              .max(600)
              .default(30)
              .meta({ description: 'Tolerance for `exp` and `nbf`, in seconds. Defaults to 30.' }),
            maxTokenBytes: z
              .number()
              .int()
              .min(256)
              .max(64 * 1024)
              .default(8192)
              .meta({ description: 'Longest token accepted; longer ones are refused unparsed. Defaults to 8192.' }),
            jwksCooldownSeconds: z.number().int().min(0).max(3600).default(30).meta({
              description:
                'Shortest time between two fetches of auth.jwt.jwksUrl caused by tokens naming an unknown `kid` (a rotated key is picked up on the first such token after it). Defaults to 30.',
            }),
            claim: z.string().default('livegate').meta({
              description:
                'Name of the claim holding the rights object `{subscribe, match, namespaces, publish, admin}`; empty reads the rights from the payload itself. Defaults to `livegate`.',
            }),
            paths: z
              .object({
                subscribe: path('subscribe'),
                match: path('match'),
                namespaces: path('namespaces'),
                publish: path('publish'),
                admin: path('admin'),
              })
              .prefault({}),
          })
          .prefault({}),
      })
      .prefault({}),
  },
  ({ auth }, ctx) => {
    const issue = (p: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path: ['auth', ...p], message });
    for (const [i, entry] of auth.writeAllowFrom.entries()) {
      if (!isIpOrCidr(entry))
        issue(['writeAllowFrom', i], `${JSON.stringify(entry)} is not an IP address or CIDR (e.g. 10.0.0.0/8)`);
    }
    const sources = (['secret', 'publicKeyFile', 'jwksUrl'] as const).filter((k) => auth.jwt[k] !== '');
    if (auth.mode === 'jwt' && sources.length !== 1) {
      issue(
        ['jwt'],
        sources.length === 0
          ? 'auth.mode jwt needs one key source: auth.jwt.secret, auth.jwt.publicKeyFile or auth.jwt.jwksUrl'
          : `give one key source, not ${sources.map((s) => `auth.jwt.${s}`).join(' and ')}`,
      );
    }
    if (auth.jwt.secret !== '' && Buffer.byteLength(auth.jwt.secret) < 32) {
      issue(['jwt', 'secret'], 'must be at least 32 bytes; generate one with `openssl rand -base64 48`');
    }
    if (auth.jwt.jwksUrl !== '' && !/^https?:\/\/\S+$/.test(auth.jwt.jwksUrl)) {
      issue(['jwt', 'jwksUrl'], 'must be an http: or https: URL');
    }
    const names = new Set<string>();
    const digests = new Set<string>();
    for (const [i, key] of auth.publishKeys.entries()) {
      if (names.has(key.name)) issue(['publishKeys', i, 'name'], `"${key.name}" is used by another key`);
      if (digests.has(key.sha256.toLowerCase())) issue(['publishKeys', i, 'sha256'], "is the same as another key's");
      names.add(key.name);
      digests.add(key.sha256.toLowerCase());
    }
  },
);
