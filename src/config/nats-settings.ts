/**
 * The console's NATS connection settings and their check, shared by the config section (which
 * refuses a bad value at load, naming the key) and the source (which builds the client options).
 *
 * @module
 */

/** TLS settings of the NATS connection. */
export interface NatsTlsOptions {
  /** PEM file of the CA that signed the servers' certificates. Defaults to the system CAs. */
  readonly caFile?: string;
  /** PEM client certificate, for servers that verify clients. Needs `keyFile`. Defaults to none. */
  readonly certFile?: string;
  /** PEM private key of `certFile`. Defaults to none. */
  readonly keyFile?: string;
}

/** How to reach and authenticate to one NATS cluster. */
export interface NatsConnectionSettings {
  /** Server URLs, e.g. `nats://127.0.0.1:4222`; the client fails over between them. */
  readonly servers: readonly string[];
  /** User name; needs `password`. Defaults to none. */
  readonly user?: string;
  /** Password of `user`. Defaults to none. */
  readonly password?: string;
  /** Authentication token. Defaults to none. */
  readonly token?: string;
  /** NKey seed (`SU…`) to sign the server's nonce. Defaults to none. */
  readonly nkeySeed?: string;
  /** `.creds` file holding a user JWT and its NKey seed. Defaults to none. */
  readonly credsFile?: string;
  /** TLS settings; TLS is used when any is set or a server URL starts with `tls://`. Defaults to none. */
  readonly tls?: NatsTlsOptions;
  /** Client name shown in the server's monitoring. Defaults to `livegate-console`. */
  readonly name?: string;
}

const URL_SCHEMES = new Set(['nats:', 'tls:', 'ws:', 'wss:']);

/**
 * Checks the settings and returns the problem as `{ field, message }` (field relative to
 * `console.nats`), or `null` when they are usable.
 */
export function checkNatsSettings(settings: NatsConnectionSettings): { field: string; message: string } | null {
  for (const [i, server] of settings.servers.entries()) {
    let url: URL;
    try {
      url = new URL(server.includes('://') ? server : `nats://${server}`);
    } catch {
      return { field: `servers[${i}]`, message: `"${server}" is not a URL like nats://127.0.0.1:4222` };
    }
    if (!URL_SCHEMES.has(url.protocol))
      return { field: `servers[${i}]`, message: `scheme ${url.protocol} is not one of nats:, tls:, ws:, wss:` };
  }
  const methods = (['user', 'token', 'nkeySeed', 'credsFile'] as const).filter(
    (key) => settings[key] !== undefined && settings[key] !== '',
  );
  if (methods.length > 1)
    return { field: methods[1]!, message: `choose one way to authenticate; ${methods.join(' and ')} are both set` };
  if (settings.user && !settings.password) return { field: 'password', message: 'user is set without a password' };
  if (settings.password && !settings.user) return { field: 'user', message: 'password is set without a user' };
  if (settings.nkeySeed && !/^S[A-Z2-7]{57}$/.test(settings.nkeySeed))
    return { field: 'nkeySeed', message: 'an NKey seed is 58 base32 characters starting with S (e.g. SUA…)' };
  if (settings.tls?.certFile && !settings.tls.keyFile)
    return { field: 'tls.keyFile', message: 'tls.certFile is set without tls.keyFile' };
  if (settings.tls?.keyFile && !settings.tls.certFile)
    return { field: 'tls.certFile', message: 'tls.keyFile is set without tls.certFile' };
  return null;
}
