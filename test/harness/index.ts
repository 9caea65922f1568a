/**
 * The integration-test harness: real servers on free loopback ports, with temp dirs, readiness
 * probes and guaranteed cleanup. Import from here: `import { startRedis } from '../harness/index.js'`.
 *
 * @module
 */
export * from './ports.js';
export * from './temp-dir.js';
export * from './wait.js';
export * from './managed-process.js';
export * from './redis.js';
export * from './redis-cluster.js';
export * from './nats.js';
export * from './alertmanager.js';
export * from './prometheus.js';
export * from './chromium.js';
