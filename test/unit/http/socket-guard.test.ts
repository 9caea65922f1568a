import { describe, expect, it } from 'vitest';
import { DESCRIPTOR_RESERVE, openFileLimit, resolveMaxSockets } from '../../../src/http/socket-guard.js';

describe('resolveMaxSockets', () => {
  it('keeps a configured value', () => {
    expect(resolveMaxSockets(500, 1024)).toBe(500);
  });

  it('derives 0 (automatic) from the open-file limit minus a reserve', () => {
    expect(resolveMaxSockets(0, 1024)).toBe(1024 - DESCRIPTOR_RESERVE);
    expect(resolveMaxSockets(0, 65_536)).toBe(65_536 - DESCRIPTOR_RESERVE);
  });

  it('never goes below 16, and has no limit when the open-file limit is unknown', () => {
    expect(resolveMaxSockets(0, 100)).toBe(16);
    expect(resolveMaxSockets(0, null)).toBeNull();
  });
});

describe('openFileLimit', () => {
  it.skipIf(process.platform !== 'linux')('reads the soft limit of this process on Linux', () => {
    const limit = openFileLimit();
    expect(limit === null || (Number.isInteger(limit) && limit > 0)).toBe(true);
  });
});
