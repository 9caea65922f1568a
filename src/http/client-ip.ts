import { BlockList, isIP } from 'node:net';

/**
 * Works out the client address of a request. `X-Forwarded-For` is believed only when the direct
 * peer is a configured trusted proxy; then the right-most address not itself a trusted proxy is
 * the client (addresses further left were written by the client and can be forged).
 */
export class ClientIpResolver {
  private readonly trusted: BlockList;
  private readonly any: boolean;

  /** @param trustedProxies IPs or CIDRs (validated by the config loader). */
  constructor(trustedProxies: readonly string[]) {
    this.trusted = new BlockList();
    this.any = trustedProxies.length > 0;
    for (const entry of trustedProxies) {
      const [addr, bits] = entry.split('/') as [string, string | undefined];
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.trusted.addAddress(addr, family);
      else this.trusted.addSubnet(addr, Number(bits), family);
    }
  }

  /** The client address for a peer address and an optional `X-Forwarded-For` header. */
  resolve(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    const direct = normalize(peer ?? 'unknown');
    if (!this.any || forwardedFor === undefined || !this.isTrusted(direct)) return direct;
    const chain = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((part) => normalize(part.trim()))
      .filter((part) => isIP(part) !== 0);
    for (let i = chain.length - 1; i >= 0; i--) {
      if (!this.isTrusted(chain[i]!)) return chain[i]!;
    }
    return chain[0] ?? direct;
  }

  /** Whether a direct peer address is a trusted proxy. */
  isTrustedProxy(peer: string): boolean {
    return this.any && this.isTrusted(normalize(peer));
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    return this.trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, so limits count one client once. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
