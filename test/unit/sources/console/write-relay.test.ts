import { describe, expect, it } from 'vitest';
import { LocalChannel } from '../../../../src/core/cluster.js';
import { PlatformError } from '../../../../src/sources/console/platform.js';
import { WriteRelay } from '../../../../src/sources/console/write-relay.js';

const topic = {
  name: 'orders',
  subjects: ['orders.>'],
  messages: 0,
  bytes: 0,
  firstSeq: 0,
  lastSeq: 0,
  consumers: 0,
  retention: 'limits',
  maxAgeSeconds: null,
};

describe('console write relay', () => {
  it('carries a write to the serving end and its answer back, errors with their kind', async () => {
    const channel = new LocalChannel();
    const holder = new WriteRelay(channel, 'c');
    const sender = new WriteRelay(channel, 'c');
    const stop = holder.serve(async (write) => {
      if (write.op === 'delete') throw new PlatformError('not_found', `no topic "${write.name}"`);
      return topic;
    });
    await expect(sender.send({ op: 'create', spec: { name: 'orders', subjects: ['orders.>'] } })).resolves.toEqual(
      topic,
    );
    await expect(sender.send({ op: 'delete', name: 'x' })).rejects.toMatchObject({
      kind: 'not_found',
      message: 'no topic "x"',
    });
    stop();
    sender.close();
  });

  it('refuses as unreachable when nobody serves within the timeout, and ignores other clusters', async () => {
    const channel = new LocalChannel();
    new WriteRelay(channel, 'other').serve(async () => topic);
    const sender = new WriteRelay(channel, 'c', 50);
    await expect(sender.send({ op: 'delete', name: 'x' })).rejects.toMatchObject({ kind: 'unreachable' });
    sender.close();
  });
});
