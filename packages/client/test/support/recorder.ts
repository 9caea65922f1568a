import type { LivegateError } from '../../src/errors.js';
import type { TransportHandlers } from '../../src/transports/transport.js';

/** Transport handlers that log every call as a readable line. */
export class Recorder {
  readonly log: string[] = [];
  error: LivegateError | null = null;
  readonly handlers: TransportHandlers = {
    open: (info) => this.log.push(`open ${info.connection ?? '-'} ${info.heartbeatMs ?? '-'}`),
    events: (events) => this.log.push(`events ${events.map((e) => e.id).join(',')}`),
    heartbeat: (position) => this.log.push(`heartbeat ${position ?? '-'}`),
    reset: (reason) => this.log.push(`reset ${reason}`),
    warning: (error) => this.log.push(`warning ${error.code}`),
    closed: (error) => {
      this.error = error;
      this.log.push(`closed ${error.code} ${error.disposition}`);
    },
  };

  has(line: string): boolean {
    return this.log.includes(line);
  }

  get closed(): boolean {
    return this.error !== null;
  }
}
