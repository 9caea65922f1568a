/**
 * Waiting on conditions with deadlines: the harness never sleeps and hopes.
 *
 * @module
 */
import { connect } from 'node:net';
import { inspect } from 'node:util';

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** How long to keep trying before rejecting, in milliseconds. Required: every wait has a deadline. */
  timeoutMs: number;
  /** Pause between two attempts, in milliseconds. Defaults to `50`. */
  intervalMs?: number;
  /** What is awaited, for the error message, e.g. `'Alertmanager to list alert X'`. */
  what: string;
  /** Gives up early, rejecting with the signal's reason (e.g. "the process exited"). Defaults to none. */
  signal?: AbortSignal;
}

/** Polls a condition; see {@link waitFor}. */
export type Probe<T> = () => T | Promise<T>;

/** `T` without its falsy members: what {@link waitFor} resolves with. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>;

const DEFAULT_INTERVAL_MS = 50;

/**
 * Calls `probe` until it returns (or resolves to) a truthy value, and resolves with that value.
 *
 * A falsy result and a thrown error (or rejection) both mean "not yet": the probe is retried every
 * `intervalMs` until `timeoutMs` has passed. Then the promise rejects with an `Error` whose message
 * names `what`, the time waited and the last error (or last falsy value); the last error is also its
 * `cause`. An attempt still pending at the deadline is abandoned, so a hanging probe cannot stretch
 * the wait past `timeoutMs`.
 *
 * @example
 * ```ts
 * const alerts = await waitFor(async () => (await am.getAlerts()).find((a) => a.labels.alertname === 'X'),
 *   { timeoutMs: 10_000, what: 'alert X in Alertmanager' });
 * ```
 */
export async function waitFor<T>(probe: Probe<T>, opts: WaitForOptions): Promise<Truthy<T>> {
  const { timeoutMs, what, signal } = opts;
  const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (!(timeoutMs > 0)) throw new TypeError(`waitFor(${what}): timeoutMs must be > 0, got ${timeoutMs}`);
  if (!(intervalMs >= 0)) throw new TypeError(`waitFor(${what}): intervalMs must be >= 0, got ${intervalMs}`);

  const started = Date.now();
  const deadline = started + timeoutMs;
  let lastError: unknown;
  let lastValue: unknown;
  let attempts = 0;

  for (;;) {
    signal?.throwIfAborted();
    attempts += 1;
    const outcome = await settleBefore(probe, deadline, signal);
    if (outcome.kind === 'value') {
      if (outcome.value) return outcome.value as Truthy<T>;
      lastValue = outcome.value;
      lastError = undefined;
    } else if (outcome.kind === 'error') {
      lastError = outcome.error;
    }
    const now = Date.now();
    if (outcome.kind === 'late' || now >= deadline) {
      const detail =
        lastError !== undefined
          ? `last error: ${describeError(lastError)}`
          : outcome.kind === 'late'
            ? 'last attempt was still pending at the deadline'
            : `last value: ${inspect(lastValue, { depth: 2, breakLength: Infinity })}`;
      throw new Error(
        `Timed out after ${now - started} ms (${attempts} attempts) waiting for ${what}; ${detail}`,
        lastError !== undefined ? { cause: lastError } : undefined,
      );
    }
    await pause(Math.min(intervalMs, deadline - now), signal);
  }
}

type Outcome<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'late' };

/** Runs one attempt, but stops waiting for it at the deadline or on abort. */
async function settleBefore<T>(probe: Probe<T>, deadline: number, signal?: AbortSignal): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const attempt = (async (): Promise<Outcome<T>> => {
    try {
      return { kind: 'value', value: await probe() };
    } catch (error) {
      return { kind: 'error', error };
    }
  })();
  const late = new Promise<Outcome<T>>((resolve, reject) => {
    timer = setTimeout(() => resolve({ kind: 'late' }), Math.max(0, deadline - Date.now()));
    if (signal) {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([attempt, late]);
  } finally {
    clearTimeout(timer);
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
  }
}

async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : '';
    return `${code ? `${code} ` : ''}${error.message}${cause}`;
  }
  return inspect(error);
}

/** Options of {@link probeHttp}. */
export interface ProbeHttpOptions {
  /** Status that counts as success. Defaults to any 2xx. */
  expectStatus?: number;
  /** Time limit of this single request, in milliseconds. Defaults to `2000`. */
  timeoutMs?: number;
}

/**
 * Makes one `GET url` request and resolves `true` when the status is as expected; otherwise throws an
 * error that says what was answered. Meant as a {@link waitFor} probe or a process readiness probe.
 */
export async function probeHttp(url: string, opts: ProbeHttpOptions = {}): Promise<true> {
  const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 2000) });
  // Drain the body so the connection is released at once.
  const body = await res.text();
  const ok = opts.expectStatus === undefined ? res.ok : res.status === opts.expectStatus;
  if (!ok) {
    const wanted = opts.expectStatus ?? '2xx';
    throw new Error(`GET ${url} answered ${res.status} (wanted ${wanted}): ${body.slice(0, 200)}`);
  }
  return true;
}

/**
 * Opens one TCP connection to `host:port` and resolves `true` once it is established (then closes it);
 * rejects with the socket error (e.g. `ECONNREFUSED`) otherwise.
 *
 * @param timeoutMs - Connect time limit in milliseconds. Defaults to `2000`.
 */
export async function probeTcp(host: string, port: number, timeoutMs = 2000): Promise<true> {
  return new Promise<true>((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy(new Error(`TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`));
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', reject);
  });
}

/** Options of {@link waitForHttp}. */
export interface WaitForHttpOptions {
  /** Overall deadline in milliseconds. */
  timeoutMs: number;
  /** Status that counts as ready. Defaults to any 2xx. */
  expectStatus?: number;
  /** Gives up early with the signal's reason. Defaults to none. */
  signal?: AbortSignal;
}

/** Waits until `GET url` answers the expected status (any 2xx by default), within `timeoutMs`. */
export async function waitForHttp(url: string, opts: WaitForHttpOptions): Promise<void> {
  const what = `GET ${url} to answer ${opts.expectStatus ?? '2xx'}`;
  const probeOpts: ProbeHttpOptions = { timeoutMs: Math.min(2000, opts.timeoutMs) };
  if (opts.expectStatus !== undefined) probeOpts.expectStatus = opts.expectStatus;
  await waitFor(() => probeHttp(url, probeOpts), {
    timeoutMs: opts.timeoutMs,
    what,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/** Options of {@link waitForTcp}. */
export interface WaitForTcpOptions {
  /** Overall deadline in milliseconds. */
  timeoutMs: number;
  /** Gives up early with the signal's reason. Defaults to none. */
  signal?: AbortSignal;
}

/** Waits until a TCP connection to `host:port` can be established, within `timeoutMs`. */
export async function waitForTcp(host: string, port: number, opts: WaitForTcpOptions): Promise<void> {
  await waitFor(() => probeTcp(host, port, Math.min(2000, opts.timeoutMs)), {
    timeoutMs: opts.timeoutMs,
    what: `TCP ${host}:${port} to accept connections`,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}
