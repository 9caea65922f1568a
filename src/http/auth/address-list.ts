import { BlockList, isIP } from 'node:net';

/**
 * A list of IP addresses and CIDR ranges, for `auth.writeAllowFrom`. IPv4-mapped IPv6 addresses
 * (`::ffff:10.0.0.1`) are checked as the IPv4 address they carry.
 */
export class AddressList {
  private readonly list = new BlockList();
  /** The entries as configured. */
  readonly entries: readonly string[];

  /** @throws {TypeError} naming the entry that is not an IP address or CIDR range. */
  constructor(entries: readonly string[], setting = 'auth.writeAllowFrom') {
    this.entries = Object.freeze([...entries]);
    for (const [i, entry] of entries.entries()) {
      const [addr = '', bits, extra] = entry.split('/');
      const family = isIP(addr);
      const max = family === 6 ? 128 : 32;
      if (
        family === 0 ||
        extra !== undefined ||
        (bits !== undefined && !/^\d{1,3}$/.test(bits)) ||
        Number(bits) > max
      ) {
        throw new TypeError(
          `${setting}[${i}] ${JSON.stringify(entry)} is not an IP address or CIDR range (10.0.0.0/8, fd00::/8)`,
        );
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(addr, type);
      else this.list.addSubnet(addr, Number(bits), type);
    }
  }

  /** Whether `address` is in the list. */
  has(address: string): boolean {
    const plain = unmapped(address);
    const family = isIP(plain);
    if (family === 0) return false;
    return this.list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** Whether `address` is a loopback address: all of 127.0.0.0/8 and ::1. */
export function isLoopback(address: string): boolean {
  const plain = unmapped(address);
  return plain === '::1' || (isIP(plain) === 4 && plain.startsWith('127.'));
}

function unmapped(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
