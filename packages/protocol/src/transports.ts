/** The transports livegate speaks, by the one name used everywhere: config, SDK, URLs, docs. */

/** Every transport, in the default order of preference (the cheapest that works first). */
export const TRANSPORT_NAMES = ['sse', 'ws', 'poll'] as const;

/** `sse` (Server-Sent Events), `ws` (WebSocket) or `poll` (long-poll). */
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** Whether `value` is a {@link TransportName}. */
export function isTransportName(value: unknown): value is TransportName {
  return typeof value === 'string' && (TRANSPORT_NAMES as readonly string[]).includes(value);
}

/** Paths of the three transports on a livegate server. */
export const TRANSPORT_PATHS: Readonly<Record<TransportName, string>> = {
  sse: '/api/v2/events/stream',
  ws: '/ws/dashboard',
  poll: '/api/v2/events/poll',
};
