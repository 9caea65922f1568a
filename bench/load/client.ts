/** What a subscriber client reports to its connection; implemented by the worker. */
export interface ClientHandlers {
  /** The subscription is live: events published from now on must arrive. */
  onReady(): void;
  /**
   * A benchmark event arrived; its n and t are in `parsed` (see protocol.ts). `id` is the
   * envelope id when the protocol exposes it cheaply (needed for resume).
   */
  onEvent(id: string | undefined): void;
  /** A control message (`hello`, `heartbeat`, `reset`, `error`, `shutdown`, …). */
  onControl(name: string, data: string): void;
  /** The connection is gone (after or before ready). Called at most once. */
  onClose(reason: string, isError: boolean): void;
}

export interface SubscriberClient {
  /** Stop reading from the socket (the kernel buffers fill, the server sees backpressure). */
  pause(): void;
  /** Read again (a slow subscriber waking up: it then sees its backlog, or the server's close). */
  resume(): void;
  /** Close the connection now; `onClose` is not called for a close the caller asked for. */
  close(): void;
}

export interface OpenOptions {
  localAddress: string | undefined;
  /** Resume position (SSE `Last-Event-ID`, livegate WebSocket `since`). */
  resumeId: string | undefined;
  shard: number;
}
