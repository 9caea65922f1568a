/**
 * A small client of the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`) with basic or
 * bearer auth, a custom CA or skipped TLS verification, a per-request timeout and a bound on the
 * answer size. Built on `node:http(s)` because `fetch` cannot take a CA without undici's API.
 * One instance per data source; {@link PrometheusDataSource} is the seam a second source would fill.
 *
 * @module
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { LivegateError } from '../../errors.js';

/** Credentials sent with every request. */
export type PrometheusAuth =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string };

/** Options of {@link PrometheusClient}. */
export interface PrometheusClientOptions {
  /** Base URL, e.g. `http://prometheus:9090` or `https://host/prom` (a path prefix is kept). */
  readonly url: string;
  /** Credentials. Defaults to none. */
  readonly auth?: PrometheusAuth | null;
  /** PEM CA bundle trusted for `https` (contents, not a path). Defaults to the system CAs. */
  readonly ca?: string | null;
  /** Skip TLS certificate verification. Defaults to `false`. */
  readonly insecureSkipVerify?: boolean;
  /** Time limit of one request, in milliseconds. Defaults to `10000`. */
  readonly timeoutMs?: number;
  /** Largest answer body read, in bytes; a larger one fails the query. Defaults to 8 MiB. */
  readonly maxResponseBytes?: number;
}

/** The `data` of a successful query: `result` exactly as Prometheus returned it. */
export interface PromQueryResult {
  readonly resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  readonly result: unknown;
}

/** What runners need from a data source; {@link PrometheusClient} implements it. */
export interface PrometheusDataSource {
  /** Instant query at `time` (Unix seconds). Rejects with a `LivegateError` (see {@link PrometheusClient}). */
  query(promql: string, time: number): Promise<PromQueryResult>;
  /** Range query from `start` to `end` (Unix seconds) every `step` seconds. */
  queryRange(promql: string, start: number, end: number, step: number): Promise<PromQueryResult>;
}

const DEFAULTS = { timeoutMs: 10_000, maxResponseBytes: 8 * 1024 * 1024 } as const;

interface ApiAnswer {
  status?: unknown;
  data?: { resultType?: unknown; result?: unknown };
  errorType?: unknown;
  error?: unknown;
}

/**
 * Prometheus HTTP API client. Failures reject with a `LivegateError`:
 * `prometheus_unavailable` when Prometheus could not be reached, timed out or answered a 5xx;
 * `prometheus_query_failed` when it answered a query error (bad data, execution error) or an
 * answer larger than `maxResponseBytes`.
 */
export class PrometheusClient implements PrometheusDataSource {
  private readonly base: URL;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(options: PrometheusClientOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch (cause) {
      throw new TypeError(`prometheus.url ${JSON.stringify(options.url)} is not a URL; use http(s)://host:port`, {
        cause,
      });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TypeError(`prometheus.url must be http:// or https://, got ${base.protocol}`);
    }
    if (base.protocol === 'http:' && (options.ca || options.insecureSkipVerify)) {
      throw new TypeError('prometheus CA / insecure TLS options need an https:// URL');
    }
    this.base = new URL(base.href.endsWith('/') ? base.href : `${base.href}/`);
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
    if (!(this.timeoutMs > 0)) throw new TypeError(`prometheus.timeoutMs must be > 0, got ${this.timeoutMs}`);
    this.agent =
      base.protocol === 'https:'
        ? new HttpsAgent({
            keepAlive: true,
            maxSockets: 32,
            ...(options.ca ? { ca: options.ca } : {}),
            rejectUnauthorized: options.insecureSkipVerify !== true,
          })
        : new HttpAgent({ keepAlive: true, maxSockets: 32 });
    this.headers = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
    const auth = options.auth ?? null;
    if (auth?.kind === 'basic') {
      this.headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    } else if (auth?.kind === 'bearer') {
      this.headers.authorization = `Bearer ${auth.token}`;
    }
  }

  /** The base URL without credentials, for logs and status. */
  get url(): string {
    return this.base.href;
  }

  query(promql: string, time: number): Promise<PromQueryResult> {
    return this.post('api/v1/query', { query: promql, time: String(time) });
  }

  queryRange(promql: string, start: number, end: number, step: number): Promise<PromQueryResult> {
    return this.post('api/v1/query_range', {
      query: promql,
      start: String(start),
      end: String(end),
      step: String(step),
    });
  }

  /** Closes idle keep-alive sockets. The client stays usable. */
  close(): void {
    this.agent.destroy();
  }

  private async post(path: string, form: Record<string, string>): Promise<PromQueryResult> {
    const url = new URL(path, this.base);
    const body = new URLSearchParams(form).toString();
    const { status, text } = await this.send(url, body);
    let answer: ApiAnswer;
    try {
      answer = JSON.parse(text) as ApiAnswer;
    } catch {
      const code = status >= 500 ? 'prometheus_unavailable' : 'prometheus_query_failed';
      throw new LivegateError(code, `Prometheus answered ${status} without a JSON body: ${text.slice(0, 200)}`);
    }
    if (answer.status === 'success' && answer.data && typeof answer.data.resultType === 'string') {
      return answer.data as PromQueryResult;
    }
    const detail = `${String(answer.errorType ?? 'error')}: ${String(answer.error ?? 'no message')}`;
    if (status >= 500 && answer.errorType !== 'execution' && answer.errorType !== 'timeout') {
      throw new LivegateError('prometheus_unavailable', `Prometheus answered ${status} (${detail})`);
    }
    throw new LivegateError('prometheus_query_failed', `Prometheus refused the query (${detail})`);
  }

  private send(url: URL, body: string): Promise<{ status: number; text: string }> {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const fail = (err: Error) =>
        settle(() =>
          reject(
            new LivegateError('prometheus_unavailable', `Prometheus at ${this.url} did not answer: ${err.message}`, {
              cause: err,
            }),
          ),
        );
      const req = request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { ...this.headers, 'content-length': Buffer.byteLength(body) },
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= this.maxResponseBytes) {
              chunks.push(chunk);
              return;
            }
            settle(() =>
              reject(
                new LivegateError(
                  'prometheus_query_failed',
                  `the answer is larger than ${this.maxResponseBytes} bytes; narrow the query`,
                ),
              ),
            );
            req.destroy();
          });
          res.on('end', () =>
            settle(() => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })),
          );
          res.on('error', fail);
        },
      );
      const timer = setTimeout(
        () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms (prometheus.timeoutMs)`)),
        this.timeoutMs,
      );
      req.on('error', fail);
      req.end(body);
    });
  }
}
