import { LivegateError } from '../errors.js';

/**
 * Counts open connections globally and per client address, and refuses new ones beyond the
 * limits: `too_many_connections` (503) and `too_many_connections_per_ip` (429). A slot is taken
 * before the handshake completes and released exactly once through the returned function.
 */
export class ConnectionLimiter {
  private total = 0;
  private readonly perIp = new Map<string, number>();

  constructor(
    private readonly maxConnections: number,
    private readonly maxPerIp: number,
  ) {}

  /** Open connections. */
  get size(): number {
    return this.total;
  }

  /** Client addresses holding at least one slot. */
  get addresses(): number {
    return this.perIp.size;
  }

  /** Takes a slot for `ip` or throws; call the returned function once when the connection ends. */
  acquire(ip: string): () => void {
    if (this.total >= this.maxConnections) {
      throw new LivegateError('too_many_connections', `server connection limit (${this.maxConnections}) reached`);
    }
    const current = this.perIp.get(ip) ?? 0;
    if (current >= this.maxPerIp) {
      throw new LivegateError('too_many_connections_per_ip', `at most ${this.maxPerIp} connections per client address`);
    }
    this.total++;
    this.perIp.set(ip, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left <= 0) this.perIp.delete(ip);
      else this.perIp.set(ip, left);
    };
  }
}
