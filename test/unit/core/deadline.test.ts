import { describe, expect, it } from 'vitest';
import { deadline } from '../../../src/core/deadline.js';
import { waitFor } from '../../harness/wait.js';

describe('deadline', () => {
  it('aborts with a TimeoutError once the time has passed', async () => {
    const { signal } = deadline(new AbortController().signal, 20);
    expect(signal.aborted).toBe(false);
    await waitFor(() => signal.aborted, { timeoutMs: 5000, what: 'the deadline to fire' });
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('aborts with the parent, with the parent’s reason, and at once for an aborted parent', () => {
    const parent = new AbortController();
    const { signal } = deadline(parent.signal, 60_000);
    parent.abort(new Error('stopped'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('stopped');
    expect(deadline(parent.signal, 60_000).signal.aborted).toBe(true);
  });

  it('does not fire after clear, nor follow the parent any more', async () => {
    const parent = new AbortController();
    const { signal, clear } = deadline(parent.signal, 10);
    clear();
    parent.abort();
    const later = deadline(new AbortController().signal, 50).signal;
    await waitFor(() => later.aborted, { timeoutMs: 5000, what: 'a later deadline to fire' });
    expect(signal.aborted).toBe(false);
  });
});
