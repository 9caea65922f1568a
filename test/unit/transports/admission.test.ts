import { describe, expect, it } from 'vitest';
import type { CloseReason } from '../../../src/core/outbound.js';
import { admit, type SlotHolder } from '../../../src/transports/admission.js';

/** A gate that counts slots, like the connection limiter. */
function countingGate(): { acquire(ip: string): () => void; held: () => number } {
  let held = 0;
  return {
    acquire: () => {
      held++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held--;
      };
    },
    held: () => held,
  };
}

class FakeSession implements SlotHolder {
  state = 'open';
  private listeners: ((reason: CloseReason) => void)[] = [];
  onClose(listener: (reason: CloseReason) => void): void {
    if (this.state !== 'closed') this.listeners.push(listener);
  }
  close(): void {
    this.state = 'closed';
    for (const l of this.listeners) l({ code: 'done', message: '', wsCode: 1000 });
  }
}

describe('admit', () => {
  it('hands the slot to the session, which gives it back when it closes', () => {
    const gate = countingGate();
    const session = admit(gate, '10.0.0.1', undefined, () => new FakeSession());
    expect(gate.held()).toBe(1);
    session.close();
    expect(gate.held()).toBe(0);
  });

  it('gives the slot back at once when opening throws', () => {
    const gate = countingGate();
    expect(() =>
      admit(gate, '10.0.0.1', undefined, () => {
        throw new TypeError('no socket');
      }),
    ).toThrow('no socket');
    expect(gate.held()).toBe(0);
  });

  it('gives the slot back at once when the session is already closed', () => {
    const gate = countingGate();
    admit(gate, '10.0.0.1', undefined, () => {
      const s = new FakeSession();
      s.close();
      return s;
    });
    expect(gate.held()).toBe(0);
  });
});
