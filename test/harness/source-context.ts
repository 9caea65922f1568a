/**
 * A {@link SourceContext} for tests that drive a source without a server: what the test passes,
 * and for the rest a silent logger, the system clock, a node alone (no other nodes) and no HTTP
 * streams (a source that opens one in such a test is told so).
 */
import { pino } from 'pino';
import { systemClock } from '../../src/core/clock.js';
import { soloCluster } from '../../src/core/cluster.js';
import type { SourceContext, SourceStreams } from '../../src/sources/source.js';

const NO_STREAMS: SourceStreams = {
  authenticate: () => {
    throw new Error('no HTTP streams in this test (testSourceContext)');
  },
  sse: () => {
    throw new Error('no HTTP streams in this test (testSourceContext)');
  },
};

/** See the module comment. */
export function testSourceContext(
  parts: Pick<SourceContext, 'publish' | 'setHealth'> & Partial<SourceContext>,
): SourceContext {
  return { log: pino({ level: 'silent' }), clock: systemClock, streams: NO_STREAMS, cluster: soloCluster(), ...parts };
}
