/**
 * The one interface every transport implements. A transport owns one connection with one
 * filter; it reports through {@link TransportHandlers} and never decides about retries,
 * backoff or deduplication — the client does.
 */
export type { Transport, TransportFactory, TransportHandlers, TransportOpenInfo, TransportParams } from '../types.js';
