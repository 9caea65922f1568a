import { describe, expect, it } from 'vitest';
import { ResumeCursor, epochOf, seqOf } from '../src/resume.js';
import { ev, snapshot } from './support/events.js';

describe('event ids', () => {
  it('splits the epoch at the last dash', () => {
    expect(epochOf('abc-12')).toBe('abc');
    expect(epochOf('a-b-c-12')).toBe('a-b-c');
    expect(epochOf('opaque')).toBeNull();
    expect(epochOf('-12')).toBeNull();
  });

  it('reads the seq only when it is a decimal integer', () => {
    expect(seqOf('abc-12')).toBe(12);
    expect(seqOf('abc-x')).toBeNull();
    expect(seqOf('abc-')).toBeNull();
    expect(seqOf('nodash')).toBeNull();
  });
});

describe('ResumeCursor', () => {
  it('has no resume point until something is delivered, unless given one', () => {
    expect(new ResumeCursor().lastId).toBeNull();
    expect(new ResumeCursor('epocha-7').lastId).toBe('epocha-7');
  });

  it('delivers new events and advances the resume point', () => {
    const c = new ResumeCursor();
    expect(c.accept(ev(1))).toBe(true);
    expect(c.accept(ev(2))).toBe(true);
    expect(c.lastId).toBe('epocha-2');
  });

  it('drops an event replayed after a reconnect or transport switch', () => {
    const c = new ResumeCursor();
    c.accept(ev(1));
    c.accept(ev(2));
    expect(c.accept(ev(2))).toBe(false);
    expect(c.accept(ev(1))).toBe(false);
    expect(c.lastId).toBe('epocha-2');
  });

  it('drops events at or below an initial resume id in the same epoch', () => {
    const c = new ResumeCursor('epocha-5');
    expect(c.accept(ev(5))).toBe(false);
    expect(c.accept(ev(4))).toBe(false);
    expect(c.accept(ev(6))).toBe(true);
  });

  it('does not compare seq across epochs (after a server restart seq starts over)', () => {
    const c = new ResumeCursor();
    c.accept(ev(100, { epoch: 'old' }));
    expect(c.accept(ev(1, { epoch: 'new' }))).toBe(true);
    expect(c.lastId).toBe('new-1');
  });

  it('falls back to id equality for ids without an epoch', () => {
    const c = new ResumeCursor();
    const opaque = { ...ev(3), id: 'opaque' };
    expect(c.accept(opaque)).toBe(true);
    expect(c.accept(opaque)).toBe(false);
    expect(c.accept({ ...ev(1), id: 'other' })).toBe(true);
  });

  it('always delivers snapshots, though every snapshot of a subscription shares one position', () => {
    const c = new ResumeCursor();
    expect(c.accept(snapshot(40, 'alerts', {}))).toBe(true);
    expect(c.accept(snapshot(40, 'health', {}))).toBe(true);
    expect(c.lastId).toBe('epocha-40');
    expect(c.accept(ev(41))).toBe(true);
  });

  it('never moves the resume point backwards for a snapshot', () => {
    const c = new ResumeCursor();
    c.accept(ev(50));
    expect(c.accept(snapshot(40, 'alerts', {}))).toBe(true);
    expect(c.lastId).toBe('epocha-50');
  });

  it('adopts a later confirmed position in the same epoch', () => {
    const c = new ResumeCursor();
    c.accept(ev(3));
    expect(c.advanceTo('epocha-9')).toBe(true);
    expect(c.lastId).toBe('epocha-9');
    expect(c.accept(ev(8))).toBe(false);
    expect(c.accept(ev(10))).toBe(true);
  });

  it('ignores a confirmed position that is behind, from another epoch or unreadable', () => {
    const c = new ResumeCursor();
    c.accept(ev(5));
    expect(c.advanceTo('epocha-4')).toBe(false);
    expect(c.advanceTo('other-99')).toBe(false);
    expect(c.advanceTo('garbage')).toBe(false);
    expect(c.lastId).toBe('epocha-5');
  });

  it('adopts a confirmed position when it has none', () => {
    const c = new ResumeCursor();
    expect(c.advanceTo('epocha-12')).toBe(true);
    expect(c.lastId).toBe('epocha-12');
  });

  it('forgets everything on clear, so the next subscription starts with snapshots', () => {
    const c = new ResumeCursor();
    c.accept(ev(5));
    c.clear();
    expect(c.lastId).toBeNull();
    expect(c.accept(ev(1))).toBe(true);
  });
});
