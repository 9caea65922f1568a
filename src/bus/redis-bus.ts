import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';
import type { Bus } from '../core/bus.js';
import { LivegateError } from '../errors.js';
import { kickIfIdle, redisConnector, whenReady } from './redis-connection.js';
import type { LiveEvent, StampedDraft } from '../core/event.js';
import { deadline } from '../core/deadline.js';
import { formatEventId, newEpoch, parseEventId } from '../core/event-id.js';
import { APPEND_SCRIPT, decodeEntry, encodeDraft, epochOf, type StreamEntry } from './redis-codec.js';

/**
 * A bus shared by every node through one Redis stream.
 *
 * Ordering: a Lua script assigns `seq` from a counter kept beside the stream (`<stream>:meta`,
 * field `seq`) and `XADD`s every draft of a request with the explicit stream id `<seq>-0`, in one
 * round trip, so the stream id *is* the position and every node derives the same event id
 * `<epoch>-<seq>`. The epoch is stored in the same hash; when the stream and its meta are flushed
 * or recreated, the next append writes a new epoch and every reader reports the change, so ids
 * from the old life are answered with a `reset` instead of skipping events.
 *
 * Delivery: each node reads the stream with `XREAD BLOCK` on its own connection and hands every
 * batch to its listener in order; `append` resolves once Redis holds the events (the listener sees
 * them on the next read, a round trip later). A resume older than the local window reads `XRANGE`
 * ({@link RedisBus.read}).
 *
 * Faults: with Redis unreachable `append` rejects at once (no offline queue), so a publisher gets a
 * 503 and nothing is silently lost; the reader reconnects and continues from its last id.
 *
 * Bounded start and stop: `start` waits for each connection's `ready` event (ioredis reconnects on
 * its own meanwhile) and retries its first reads until {@link RedisBusOptions.startTimeoutMs}, then
 * rejects with {@link BusUnavailableError} naming the last error. It never awaits the promise of
 * `connect()`: ioredis' `Cluster` leaves that promise pending forever when its ready check fails
 * and it reconnects by itself. `stop` never waits for Redis: every await of the read loop also ends
 * when the bus stops, so a command that ioredis never settles cannot hold a shutdown.
 */

/** Health of a bus as a value and a change stream. */
export interface RedisBusHealth {
  readonly ok: boolean;
  readonly detail?: string;
}

/** Receives the ordered stream, one call per batch, in `seq` order. */
export type RedisBusListener = (events: readonly LiveEvent[]) => void;

/** Options of {@link RedisBus}. */
export interface RedisBusOptions {
  /** `redis://host:port/db`; ignored when {@link RedisBusOptions.connect} is given. */
  readonly url?: string;
  /** Stream key. Defaults to `livegate:events`. The meta hash is `<stream>:meta`. */
  readonly stream?: string;
  /** Approximate stream length kept (`XADD MAXLEN ~`). Defaults to 100,000. */
  readonly maxLen?: number;
  /** Entries per `XREAD`/`XRANGE` page. Defaults to 1,000. */
  readonly readCount?: number;
  /** `XREAD BLOCK` time; also how often a quiet reader re-checks the epoch. Defaults to 1,000 ms. */
  readonly blockMs?: number;
  /**
   * Builds a connection; called twice (commands and the blocking reader). Defaults to
   * `new Redis(url)`. Sentinel and Cluster deployments pass their own factory.
   */
  readonly connect?: () => Redis | Cluster;
  /** Reports reader errors that are retried (logged by the caller). */
  readonly onError?: (error: Error) => void;
  /**
   * How long {@link RedisBus.start} keeps trying to reach Redis (connections ready, epoch read,
   * history replayed) before it rejects with {@link BusUnavailableError}. Defaults to 30,000 ms.
   */
  readonly startTimeoutMs?: number;
}

/** Thrown by {@link RedisBus.append} while Redis is unreachable: `503 bus_unavailable`, nothing published. */
export class BusUnavailableError extends LivegateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bus_unavailable', message, options);
  }
}

type Connection = Redis | Cluster;

const DEFAULTS = {
  stream: 'livegate:events',
  maxLen: 100_000,
  readCount: 1000,
  blockMs: 1000,
  startTimeoutMs: 30_000,
} as const;

/** Redis Streams implementation of the bus seam; see the file comment. */
export class RedisBus implements Bus {
  readonly kind = 'redis';
  readonly retainsHistory = true;
  private readonly streamKey: string;
  private readonly metaKey: string;
  private readonly maxLen: number;
  private readonly readCount: number;
  private readonly blockMs: number;
  private readonly connect: () => Connection;
  private readonly onError: (error: Error) => void;
  private readonly startTimeoutMs: number;
  private commands: Connection | undefined;
  private reader: Connection | undefined;
  private listener: RedisBusListener | undefined;
  private currentEpoch = '';
  /** Last seq handed to the listener (stream id `<seq>-0`). */
  private lastSeq = 0;
  private running = false;
  private readLoop: Promise<void> | undefined;
  /** Aborted by {@link RedisBus.stop}: ends every wait of `start` and of the read loop. */
  private lifetime: AbortController | undefined;
  /** Last error a connection reported, for the message of a failed start. */
  private lastError: Error | undefined;
  private state: RedisBusHealth = { ok: false, detail: 'not started' };
  private readonly healthListeners = new Set<(health: RedisBusHealth) => void>();

  constructor(options: RedisBusOptions) {
    this.streamKey = options.stream ?? DEFAULTS.stream;
    this.metaKey = `${this.streamKey}:meta`;
    this.maxLen = options.maxLen ?? DEFAULTS.maxLen;
    this.readCount = options.readCount ?? DEFAULTS.readCount;
    this.blockMs = options.blockMs ?? DEFAULTS.blockMs;
    const url = options.url ?? 'redis://127.0.0.1:6379';
    this.connect = options.connect ?? redisConnector({ url });
    this.onError = options.onError ?? (() => {});
    this.startTimeoutMs = options.startTimeoutMs ?? DEFAULTS.startTimeoutMs;
    if (!(this.startTimeoutMs > 0)) {
      throw new TypeError(`RedisBus: startTimeoutMs must be a positive number of ms, got ${this.startTimeoutMs}`);
    }
  }

  /** Current epoch of the stream; valid after {@link RedisBus.start}. */
  get epoch(): string {
    return this.currentEpoch;
  }

  /**
   * Connects, replays the retained stream after `from` (or all of it) to `listener` before
   * resolving, then keeps reading live. `from` of another epoch replays everything retained.
   *
   * Retries while Redis is unreachable or not ready (a Cluster still agreeing on its slots) and
   * rejects with {@link BusUnavailableError} after {@link RedisBusOptions.startTimeoutMs}, or at
   * once when {@link RedisBus.stop} is called meanwhile; the connections are closed then.
   */
  async start(listener: RedisBusListener, from: string | null = null): Promise<void> {
    if (this.lifetime !== undefined) throw new Error('RedisBus: already started');
    const lifetime = new AbortController();
    this.lifetime = lifetime;
    this.listener = listener;
    this.lastError = undefined;
    const commands = this.connect();
    const reader = this.connect();
    this.commands = commands;
    this.reader = reader;
    this.watchConnection(commands);
    this.watchErrors(reader);
    const startBy = deadline(lifetime.signal, this.startTimeoutMs);
    try {
      await this.startWithin({ commands, reader, from, deadline: startBy.signal, lifetime });
    } finally {
      startBy.clear();
    }
    this.running = true;
    this.setHealth({ ok: true });
    this.readLoop = this.loop(lifetime.signal);
  }

  /** Connects, learns the epoch and catches up, retrying until it succeeds or `deadline` ends. */
  private async startWithin(start: {
    commands: Redis | Cluster;
    reader: Redis | Cluster;
    from: string | null;
    deadline: AbortSignal;
    lifetime: AbortController;
  }): Promise<void> {
    const { commands, reader, from, deadline, lifetime } = start;
    const position = from === null ? null : parseEventId(from);
    let epochKnown = false;
    for (let attempt = 1; ; attempt++) {
      try {
        await Promise.all([whenReady(commands, deadline, this.noteError), whenReady(reader, deadline, this.noteError)]);
        const epoch = await untilAborted(this.ensureEpoch(), deadline);
        if (!epochKnown) {
          this.currentEpoch = epoch;
          this.lastSeq = position !== null && position.epoch === epoch ? position.seq : 0;
          epochKnown = true;
        } else {
          this.adoptEpoch(epoch);
        }
        await untilAborted(this.catchUp(), deadline);
        return;
      } catch (error) {
        if (!deadline.aborted) {
          // Reached Redis but a command failed (a Cluster answering CLUSTERDOWN while it settles).
          this.noteError(error as Error);
          this.setHealth({ ok: false, detail: `Redis unreachable: ${(error as Error).message}` });
          await sleep(Math.min(100 * attempt, 1000), undefined, { signal: deadline }).catch(() => {});
        }
        if (deadline.aborted) throw await this.failStart(lifetime);
      }
    }
  }

  /** Closes what a start that gave up opened and says why it gave up. */
  private async failStart(lifetime: AbortController): Promise<BusUnavailableError> {
    const last = this.lastError;
    const detail = `last error: ${last?.message ?? 'none reported'}`;
    if (lifetime.signal.aborted) {
      return new BusUnavailableError(`the Redis bus was stopped while starting; ${detail}`, { cause: last });
    }
    const states = `commands ${this.commands?.status ?? 'none'}, reader ${this.reader?.status ?? 'none'}`;
    await this.stop();
    const why = `Redis was not ready within ${this.startTimeoutMs} ms (${states})`;
    this.setHealth({ ok: false, detail: `${why}; ${detail}` });
    return new BusUnavailableError(`${why}; ${detail}`, { cause: last });
  }

  /**
   * Appends drafts atomically in one round trip and resolves to them as ordered. Rejects with
   * {@link BusUnavailableError} while Redis is unreachable.
   */
  async append(drafts: readonly StampedDraft[]): Promise<LiveEvent[]> {
    const commands = this.commands;
    if (!commands || !this.running) throw new BusUnavailableError('the Redis bus is not started');
    if (drafts.length === 0) return [];
    let reply: unknown;
    try {
      reply = await commands.eval(
        APPEND_SCRIPT,
        2,
        this.streamKey,
        this.metaKey,
        String(this.maxLen),
        newEpoch(),
        ...drafts.map(encodeDraft),
      );
    } catch (error) {
      throw new BusUnavailableError(`Redis did not take the events: ${(error as Error).message}`, { cause: error });
    }
    const [epoch, firstSeq] = reply as [string, number];
    return drafts.map((draft, i) => {
      const seq = Number(firstSeq) + i;
      return { ...draft, id: formatEventId(epoch, seq), seq };
    });
  }

  /**
   * Reads up to `limit` events after `after` from Redis (for resumes older than a node's window).
   * Answers `'reset'` when `after` is of another epoch or its successor was trimmed.
   */
  async read(after: string, limit: number): Promise<LiveEvent[] | 'reset'> {
    const position = parseEventId(after);
    const commands = this.commands;
    if (!commands) throw new BusUnavailableError('the Redis bus is not started');
    if (position === null || position.epoch !== this.currentEpoch) return 'reset';
    const entries = (await commands.xrange(
      this.streamKey,
      `${position.seq + 1}-0`,
      '+',
      'COUNT',
      limit,
    )) as StreamEntry[];
    if (position.seq > 0 && entries.length > 0 && Number(entries[0]![0].split('-')[0]) !== position.seq + 1) {
      return 'reset';
    }
    if (entries.length === 0) {
      // Nothing after the position: it is the head (an empty page), before a trimmed start, or
      // ahead of the stream (a position this stream never gave out): the last two are `reset`.
      const [first, last] = (await Promise.all([
        commands.xrange(this.streamKey, '-', '+', 'COUNT', 1),
        commands.xrevrange(this.streamKey, '+', '-', 'COUNT', 1),
      ])) as [StreamEntry[], StreamEntry[]];
      const firstSeq = first.length > 0 ? Number(first[0]![0].split('-')[0]) : 0;
      const lastSeq = last.length > 0 ? Number(last[0]![0].split('-')[0]) : 0;
      if (firstSeq > position.seq + 1 || position.seq > lastSeq) return 'reset';
    }
    return entries.map((entry) => decodeEntry(entry, this.currentEpoch));
  }

  /** Current health. */
  health(): RedisBusHealth {
    return this.state;
  }

  /** Subscribes to health changes; returns the unsubscribe function. */
  onHealth(listener: (health: RedisBusHealth) => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /**
   * Stops reading and closes both connections. Idempotent. Never waits for Redis: a command still
   * pending on a connection (an `XREAD BLOCK` on a Cluster, a frozen server) is abandoned.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.lifetime?.abort();
    this.lifetime = undefined;
    const reader = this.reader;
    const commands = this.commands;
    this.reader = undefined;
    this.commands = undefined;
    reader?.disconnect();
    commands?.disconnect();
    // Returns promptly: each await of the loop also ends on the abort above.
    await this.readLoop?.catch(() => {});
    this.readLoop = undefined;
    this.listener = undefined;
    this.setHealth({ ok: false, detail: 'stopped' });
  }

  /** Reads the stored epoch, writing a new one when the stream has none yet. */
  private async ensureEpoch(): Promise<string> {
    const commands = this.commands!;
    await commands.hsetnx(this.metaKey, 'epoch', newEpoch());
    return (await commands.hget(this.metaKey, 'epoch'))!;
  }

  /** Replays everything after `lastSeq` with `XRANGE` pages, delivering each page in order. */
  private async catchUp(): Promise<void> {
    const reader = this.reader!;
    for (;;) {
      const entries = (await reader.xrange(
        this.streamKey,
        `${this.lastSeq + 1}-0`,
        '+',
        'COUNT',
        this.readCount,
      )) as StreamEntry[];
      if (entries.length === 0) return;
      this.deliver(entries);
      if (entries.length < this.readCount) return;
    }
  }

  /**
   * The live read loop: `XREAD BLOCK` from the last id; re-checks the epoch when quiet or after
   * errors. Every await ends when `stopped` is aborted, whatever ioredis does with the command.
   */
  private async loop(stopped: AbortSignal): Promise<void> {
    let failing = false;
    while (this.running && !stopped.aborted) {
      try {
        const reader = this.reader;
        if (!reader) return;
        if (failing) {
          kickIfIdle(reader, this.noteError);
          await untilAborted(this.checkEpoch(), stopped);
          await untilAborted(this.catchUp(), stopped);
          failing = false;
          this.setHealth({ ok: true });
        }
        const reply = (await untilAborted(
          reader.xread('COUNT', this.readCount, 'BLOCK', this.blockMs, 'STREAMS', this.streamKey, `${this.lastSeq}-0`),
          stopped,
        )) as [string, StreamEntry[]][] | null;
        if (reply === null) {
          await untilAborted(this.checkEpoch(), stopped);
          continue;
        }
        for (const [, entries] of reply) this.deliver(entries);
      } catch (error) {
        if (!this.running || stopped.aborted) return;
        failing = true;
        this.setHealth({ ok: false, detail: `Redis unreachable: ${(error as Error).message}` });
        this.onError(error as Error);
        await sleep(Math.min(this.blockMs, 250), undefined, { signal: stopped }).catch(() => {});
      }
    }
  }

  /** Notices a flushed or recreated stream: adopts the new epoch and reads it from the start. */
  private async checkEpoch(): Promise<void> {
    const reader = this.reader;
    if (!reader) return;
    const stored = await reader.hget(this.metaKey, 'epoch');
    if (stored === null) {
      // Flushed and not yet written to: the next append creates a new epoch; start over then.
      const epoch = await this.ensureEpochOn(reader);
      this.adoptEpoch(epoch);
    } else if (stored !== this.currentEpoch) {
      this.adoptEpoch(stored);
    }
  }

  private async ensureEpochOn(connection: Connection): Promise<string> {
    await connection.hsetnx(this.metaKey, 'epoch', newEpoch());
    return (await connection.hget(this.metaKey, 'epoch'))!;
  }

  private adoptEpoch(epoch: string): void {
    if (epoch === this.currentEpoch) return;
    this.currentEpoch = epoch;
    this.lastSeq = 0;
  }

  /**
   * Hands entries after `lastSeq` to the listener. An entry written under another epoch means the
   * stream was flushed or recreated: the reader adopts that epoch and continues from the entry.
   */
  private deliver(entries: readonly StreamEntry[]): void {
    const events: LiveEvent[] = [];
    for (const entry of entries) {
      const event = decodeEntry(entry, this.currentEpoch);
      const epoch = epochOf(event.id);
      if (epoch !== this.currentEpoch) {
        // Written in a newer life of the stream: hand over what came before, then continue in it.
        if (events.length > 0) this.listener?.(events.splice(0));
        this.adoptEpoch(epoch);
        this.lastSeq = event.seq - 1;
      }
      if (event.seq <= this.lastSeq) continue;
      this.lastSeq = event.seq;
      events.push(event);
    }
    if (events.length > 0) this.listener?.(events);
  }

  /** Remembers the last error for a failed start's message and reports it to `onError`. */
  private readonly noteError = (error: Error): void => {
    this.lastError = error;
    this.onError(error);
  };

  /**
   * A connection's errors go to {@link noteError}; a Cluster node's (`node error`) are only
   * remembered, for the message of a failed start.
   */
  private watchErrors(connection: Connection): void {
    connection.on('error', this.noteError);
    connection.on('node error', (error: Error) => {
      this.lastError = error;
    });
  }

  private watchConnection(connection: Connection): void {
    this.watchErrors(connection);
    connection.on('close', () => {
      if (this.running) this.setHealth({ ok: false, detail: 'Redis connection closed' });
    });
    connection.on('ready', () => {
      if (this.running) this.setHealth({ ok: true });
    });
  }

  private setHealth(next: RedisBusHealth): void {
    if (next.ok === this.state.ok && next.detail === this.state.detail) return;
    this.state = next;
    for (const listener of this.healthListeners) listener(next);
  }
}

/**
 * Settles like `promise`, or rejects with the signal's reason once `signal` aborts; the abandoned
 * promise's later rejection is swallowed. Lets start and stop be bounded whatever ioredis does.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
