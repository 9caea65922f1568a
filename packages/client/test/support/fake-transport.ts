import { LivegateError } from '../../src/errors.js';
import type {
  Transport,
  TransportFactory,
  TransportOpenInfo,
  TransportParams,
} from '../../src/transports/transport.js';
import type { LivegateEvent, SubscriptionFilter, TransportName } from '../../src/types.js';

interface PendingUpdate {
  readonly filter: SubscriptionFilter;
  readonly since: string | null;
  readonly snapshot: readonly string[];
  readonly resolve: () => void;
  readonly reject: (error: LivegateError) => void;
}

/** A scripted transport: the test decides when it opens, what it delivers and how it ends. */
export class FakeConnection implements Transport {
  readonly name: TransportName;
  readonly params: TransportParams;
  closedByClient = false;
  readonly updates: PendingUpdate[] = [];
  update?: (filter: SubscriptionFilter, since: string | null, snapshot?: readonly string[]) => Promise<void>;

  constructor(name: TransportName, params: TransportParams, canUpdate: boolean) {
    this.name = name;
    this.params = params;
    if (canUpdate) {
      this.update = (filter, since, snapshot = []) =>
        new Promise<void>((resolve, reject) => {
          this.updates.push({ filter, since, snapshot, resolve, reject });
        });
    }
  }

  get since(): string | null {
    return this.params.since;
  }

  /** State topics the attempt asked the server to snapshot beside `since`. */
  get snapshot(): readonly string[] {
    return this.params.snapshot ?? [];
  }

  get filter(): SubscriptionFilter {
    return this.params.filter;
  }

  open(info: Partial<TransportOpenInfo> = {}): this {
    this.params.handlers.open({ connection: null, epoch: null, heartbeatMs: null, ...info });
    return this;
  }

  emit(...events: LivegateEvent[]): this {
    this.params.handlers.events(events);
    return this;
  }

  heartbeat(position: string | null = null): this {
    this.params.handlers.heartbeat(position);
    return this;
  }

  reset(reason = 'epoch_changed'): this {
    this.params.handlers.reset(reason);
    return this;
  }

  /** The connection ends with `code` (default: a connect failure or a drop, as classified by the catalogue). */
  fail(code = 'connect_failed', details: ConstructorParameters<typeof LivegateError>[2] = {}): this {
    this.params.handlers.closed(new LivegateError(code, `fake ${code}`, details));
    return this;
  }

  close(): void {
    this.closedByClient = true;
  }
}

/** Records every connection the client makes, per transport. */
export class FakeNetwork {
  readonly connections: FakeConnection[] = [];

  factories(): Record<TransportName, TransportFactory> {
    const make =
      (name: TransportName): TransportFactory =>
      (params) => {
        const conn = new FakeConnection(name, params, name === 'ws');
        this.connections.push(conn);
        return conn;
      };
    return { sse: make('sse'), ws: make('ws'), poll: make('poll') };
  }

  /** The latest connection (of one transport, if given). */
  last(name?: TransportName): FakeConnection {
    const list = name === undefined ? this.connections : this.connections.filter((c) => c.name === name);
    const conn = list[list.length - 1];
    if (conn === undefined)
      throw new Error(`no ${name ?? ''} connection yet; made: ${this.connections.map((c) => c.name).join(', ')}`);
    return conn;
  }

  /** Transport names in the order they were tried. */
  names(): TransportName[] {
    return this.connections.map((c) => c.name);
  }

  /** Connections the client has not closed. */
  live(): FakeConnection[] {
    return this.connections.filter((c) => !c.closedByClient);
  }
}
