/**
 * Per-connection bookkeeping: which event numbers arrived (a growable bitset), so missing,
 * duplicate, out-of-order and unexpected (filter-violating) deliveries are exact.
 */

export class Received {
  private bits = new Uint8Array(256);
  unique = 0;
  duplicates = 0;
  outOfOrder = 0;
  unexpected = 0;
  lastN = -1;

  /** Record event `n`; `wanted` says whether the subscription's filter selects it. */
  add(n: number, wanted: boolean): void {
    if (n < 0 || !Number.isInteger(n)) {
      this.unexpected++;
      return;
    }
    if (!wanted) {
      this.unexpected++;
      return;
    }
    const byte = n >>> 3;
    if (byte >= this.bits.length) {
      let size = this.bits.length * 2;
      while (size <= byte) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.bits);
      this.bits = next;
    }
    const mask = 1 << (n & 7);
    const cur = this.bits[byte]!;
    if (cur & mask) {
      this.duplicates++;
    } else {
      this.bits[byte] = cur | mask;
      this.unique++;
    }
    if (n < this.lastN) this.outOfOrder++;
    else this.lastN = n;
  }

  has(n: number): boolean {
    const byte = n >>> 3;
    return byte < this.bits.length && (this.bits[byte]! & (1 << (n & 7))) !== 0;
  }
}
