/**
 * A small HTTP client for one Alertmanager's API v2, on `node:http`/`node:https`.
 *
 * Not `fetch`: Node's fetch (undici) cannot take a CA or `rejectUnauthorized` per request without
 * undici's own `Agent`, which is not a dependency. `node:https` takes both, per agent, and the
 * agent keeps connections alive between rounds.
 *
 * Every failure is an {@link AlertmanagerRequestError} whose message is short, stable between
 * rounds (it becomes the `detail` of a health change, and a detail that changed every round would
 * publish a `health_changed` every round) and free of credentials.
 */
import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AlertmanagerTarget } from '../../config/alertmanagers.js';

/** A request to an Alertmanager failed; `message` says how, naming the path. */
export class AlertmanagerRequestError extends Error {
  override readonly name = 'AlertmanagerRequestError';
}

/** What the watcher needs from an Alertmanager. */
export interface AlertmanagerApi {
  /** GETs `path` (e.g. `/api/v2/alerts`) and resolves with the decoded JSON. */
  getJson(path: string, signal: AbortSignal): Promise<unknown>;
  /**
   * Sends a write (`POST /api/v2/silences`, `DELETE /api/v2/silence/{id}`) with a JSON body and
   * resolves with the status and body as answered, whatever the status; rejects with an
   * {@link AlertmanagerRequestError} only when no answer came.
   */
  send(method: 'POST' | 'DELETE', path: string, body: unknown, signal: AbortSignal): Promise<AlertmanagerAnswer>;
  /** Releases kept-alive connections. Idempotent. */
  close(): void;
}

/** An Alertmanager's answer to {@link AlertmanagerApi.send}. */
export interface AlertmanagerAnswer {
  readonly status: number;
  /** The body, as text (Alertmanager answers JSON, or plain text for some errors). */
  readonly text: string;
}

/** Options of {@link HttpAlertmanagerClient}. */
export interface AlertmanagerClientOptions {
  /** Largest answer accepted, in bytes. Defaults to 64 MiB (some 50,000 alerts). */
  readonly maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

async function readSecret(path: string, field: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    throw new AlertmanagerRequestError(
      `cannot read ${field} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** The `Authorization` header for a target, reading token/password files now (they may rotate). */
export async function authorizationHeader(auth: AlertmanagerTarget['auth']): Promise<string | undefined> {
  if (auth === undefined) return undefined;
  if (auth.bearerToken !== undefined) return `Bearer ${auth.bearerToken}`;
  if (auth.bearerTokenFile !== undefined)
    return `Bearer ${await readSecret(auth.bearerTokenFile, 'auth.bearerTokenFile')}`;
  if (auth.username !== undefined) {
    const password =
      auth.password ??
      (auth.passwordFile === undefined ? '' : await readSecret(auth.passwordFile, 'auth.passwordFile'));
    return `Basic ${Buffer.from(`${auth.username}:${password}`).toString('base64')}`;
  }
  return undefined;
}

/** Describes a network error without its volatile parts (ports of the local end, stack). */
function describeNetworkError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  if (e?.name === 'TimeoutError') return 'timed out';
  if (e?.name === 'AbortError') return 'aborted';
  if (typeof e?.code === 'string') {
    // `connect ECONNREFUSED 127.0.0.1:9093` is stable; TLS errors carry a clear code too.
    return e.message !== undefined && e.message.includes(e.code) ? e.message : `${e.code}: ${e.message ?? ''}`.trim();
  }
  return e instanceof Error ? e.message : String(err);
}

/** {@link AlertmanagerApi} over HTTP(S) for one target. Create after reading the CA (see {@link create}). */
export class HttpAlertmanagerClient implements AlertmanagerApi {
  readonly #target: AlertmanagerTarget;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #https: boolean;
  readonly #maxBodyBytes: number;

  private constructor(target: AlertmanagerTarget, ca: Buffer | undefined, options: AlertmanagerClientOptions) {
    this.#target = target;
    this.#https = target.url.startsWith('https:');
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#agent = this.#https
      ? new HttpsAgent({
          keepAlive: true,
          maxSockets: 4,
          ...(ca === undefined ? {} : { ca }),
          rejectUnauthorized: target.tls?.insecureSkipVerify !== true,
        })
      : new HttpAgent({ keepAlive: true, maxSockets: 4 });
  }

  /**
   * Builds a client, reading `tls.caFile` once. Rejects with an {@link AlertmanagerRequestError}
   * naming the file when it cannot be read: a wrong path is a configuration error worth failing
   * start-up for.
   */
  static async create(
    target: AlertmanagerTarget,
    options: AlertmanagerClientOptions = {},
  ): Promise<HttpAlertmanagerClient> {
    let ca: Buffer | undefined;
    if (target.tls?.caFile !== undefined) {
      try {
        ca = await readFile(target.tls.caFile);
      } catch (err) {
        throw new AlertmanagerRequestError(
          `alertmanager ${target.name}: cannot read tls.caFile ${target.tls.caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
      }
    }
    return new HttpAlertmanagerClient(target, ca, options);
  }

  async getJson(path: string, signal: AbortSignal): Promise<unknown> {
    const { status, text } = await this.#request('GET', path, undefined, signal);
    if (status !== 200) {
      // The status alone keeps the detail stable; the body start helps with 401/403/404.
      throw new AlertmanagerRequestError(
        `GET ${path}: answered HTTP ${status}${text.trim() === '' ? '' : `: ${JSON.stringify(text.trim().slice(0, 120))}`}`,
      );
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new AlertmanagerRequestError(`GET ${path}: answer is not JSON (${(err as Error).message.slice(0, 120)})`);
    }
  }

  async send(method: 'POST' | 'DELETE', path: string, body: unknown, signal: AbortSignal): Promise<AlertmanagerAnswer> {
    return this.#request(method, path, body === undefined ? undefined : JSON.stringify(body), signal);
  }

  async #request(
    method: string,
    path: string,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<AlertmanagerAnswer> {
    const url = `${this.#target.url}${path}`;
    const authorization = await authorizationHeader(this.#target.auth);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'livegate-alertmanager-watcher',
    };
    if (authorization !== undefined) headers['authorization'] = authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const request = this.#https ? httpsRequest : httpRequest;
    return new Promise<AlertmanagerAnswer>((resolve, reject) => {
      const fail = (message: string): void => reject(new AlertmanagerRequestError(`${method} ${path}: ${message}`));
      const req = request(url, { method, headers, agent: this.#agent, signal }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.#maxBodyBytes) {
            res.destroy();
            fail(`answer larger than ${this.#maxBodyBytes} bytes`);
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (err) => fail(describeNetworkError(signal.aborted ? signal.reason : err)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', (err) => fail(describeNetworkError(signal.aborted ? signal.reason : err)));
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
