import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatEventId, parseEventId } from '../core/event-id.js';
import {
  closeReasonFor,
  normalClose,
  type CloseReason,
  type Outbound,
  type TransportWriter,
} from '../core/outbound.js';
import { authorizeFilter } from '../core/principal.js';
import type { Session } from '../core/session.js';
import type { Subscription } from '../core/subscription.js';
import { LivegateError } from '../errors.js';
import { admit } from './admission.js';
import type { TransportContext } from './context.js';
import {
  filterFromQuery,
  intParam,
  listParam,
  singleParam,
  snapshotTopics,
  type QueryValues,
} from './subscription-params.js';

/** The long-poll response body. */
export interface PollBody {
  readonly events: unknown[];
  readonly lastEventId: string;
  readonly reset: boolean;
  /** Why the resume was impossible (`epoch_changed`, `window_trimmed`, `unknown_position`); only with `reset`. */
  readonly resetReason?: string;
}

/**
 * Collects what one poll's session receives in one flush and answers with it. The answer goes out
 * after the flush pass (a microtask), so replayed events, snapshots and a reset that arrive in the
 * same pass share one response.
 */
export class PollWriter implements TransportWriter {
  readonly kind = 'poll' as const;
  private events: string[] = [];
  private reset = false;
  private resetReason: string | undefined;
  private answered = false;
  private scheduled = false;
  /** Set after the session exists; gives the position to report. */
  position: (() => string) | undefined;

  /**
   * @param answer sends the `200` body, with the position it reports and whether it delivered
   *   anything (events or a reset).
   * @param fail answers with an error instead (`token_expired` when the token expired while
   *   waiting), rendered by the error handler like any other HTTP error.
   */
  constructor(
    private readonly answer: (body: string, position: { id: string; delivered: boolean }) => void,
    private readonly fail: (error: LivegateError) => void,
  ) {}

  write(items: readonly Outbound[]): boolean {
    if (this.answered) return true;
    for (const item of items) {
      if (item.kind === 'event') this.events.push(item.event.json);
      else if (item.kind === 'batch') for (const e of item.events) this.events.push(e.json);
      else if (item.kind === 'control' && item.name === 'reset') {
        this.reset = true;
        if (typeof item.data.reason === 'string') this.resetReason = item.data.reason;
      }
    }
    if (this.events.length > 0 || this.reset) this.schedule();
    return true;
  }

  needsDrain(): boolean {
    return false;
  }

  bufferedBytes(): number {
    return 0;
  }

  onDrain(): void {}

  close(reason: CloseReason): void {
    if (reason.code === 'token_expired' && !this.answered) {
      // Events collected so far stay unacknowledged: the client polls again with a new token from
      // the same position and gets them then.
      this.answered = true;
      this.fail(new LivegateError('token_expired', reason.message));
      return;
    }
    this.respond();
  }

  /** Answers now with whatever was collected (also on timeout and shutdown). Idempotent. */
  respond(): void {
    if (this.answered) return;
    this.answered = true;
    const lastEventId = this.position?.() ?? '';
    const reason = this.resetReason === undefined ? '' : `,"resetReason":${JSON.stringify(this.resetReason)}`;
    this.answer(
      `{"events":[${this.events.join(',')}],"lastEventId":${JSON.stringify(lastEventId)},"reset":${this.reset}${reason}}`,
      { id: lastEventId, delivered: this.events.length > 0 || this.reset },
    );
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.respond());
  }
}

/**
 * `GET /api/v2/events/poll`: answers at once with missed events (or a snapshot for a first poll),
 * else waits up to `timeout` seconds for the first matching event.
 */
export function handlePoll(ctx: TransportContext, request: FastifyRequest, reply: FastifyReply): Promise<string> {
  const query = request.query as QueryValues;
  if (ctx.shuttingDown()) throw new LivegateError('shutting_down');
  if (!ctx.origins.allows(request.headers.origin)) throw new LivegateError('origin_not_allowed');
  const principal = ctx.auth.principalOf(request);
  const filter = authorizeFilter(principal, filterFromQuery(query));
  // `lastEventId` is accepted too, so one parameter name works on every transport.
  const since = singleParam(query, 'since') || singleParam(query, 'lastEventId') || undefined;
  if (since !== undefined && parseEventId(since) === null) {
    throw new LivegateError('invalid_event_id', `"${since.slice(0, 80)}" is not a livegate event id`, {
      field: 'since',
    });
  }
  const snapshot = snapshotTopics(listParam(query, 'snapshot'));
  const timeout =
    intParam(query, 'timeout', 0, ctx.config.poll.maxTimeoutSeconds) ?? ctx.config.poll.defaultTimeoutSeconds;
  const ip = ctx.clientIp.resolve(request.socket.remoteAddress, request.headers['x-forwarded-for']);

  return new Promise<string>((resolve, reject) => {
    // What the answer earns the client's next poll from its position when it delivers nothing
    // (ConnectionGate.answered): set when the timeout ran out, not on shutdown or a client gone.
    let waited: 'any' | 'waiting' | null = null;
    // Close synchronously once answered: anything dispatched after this point is after `lastEventId`.
    const writer: PollWriter = new PollWriter(
      (body, position) => {
        if (position.id !== '') {
          const pass = position.delivered ? 'any' : waited;
          if (pass !== null) ctx.limiter.answered(ip, position.id, pass);
        }
        resolve(body);
        session.close(normalClose('done', 'answered'));
      },
      (error) => {
        reject(error);
        session.close(normalClose('done', 'answered'));
      },
    );
    let session: Session;
    try {
      // The session owns the connection slot from here; it goes back when the session closes.
      session = admit(ctx.limiter, ip, since === undefined ? undefined : { from: since, waits: timeout >= 1 }, () =>
        ctx.hub.openSession({ transport: writer, ip, principal }),
      );
    } catch (err) {
      reject(err);
      return;
    }
    session.onClose(() => writer.respond());
    reply.raw.on('close', () => session.close(normalClose('client_closed', 'client went away')));
    try {
      // Answers are sent from a later tick, never during subscribe, so the position can be set after it.
      const sub: Subscription = ctx.hub.subscribe(
        session,
        since === undefined ? { filter } : { filter, since, snapshot },
      );
      writer.position = () => (sub.mode !== 'live' ? formatEventId(ctx.hub.epoch, sub.cursor) : ctx.hub.head);
    } catch (err) {
      reject(err);
      session.close(closeReasonFor('internal', 'poll could not subscribe'));
      return;
    }
    if (session.state === 'open') {
      const open = session;
      session.setTimer('timeout', timeout * 1000, () => {
        // A wait of a second or more paces the client as well as an event does: its next poll
        // continues. A `timeout=0` answer earns only a poll that waits, or polls could spin for free.
        waited = timeout >= 1 ? 'any' : 'waiting';
        // Hand over what is queued first: the answer's lastEventId must not pass an event it lacks.
        open.flush();
        writer.respond();
      });
    }
    void reply.type('application/json; charset=utf-8').header('cache-control', 'no-store');
  });
}
