import type { ControlName, Outbound } from '../core/outbound.js';
import { textFrame } from '../core/serialized-event.js';

/**
 * Wire forms shared by the transports. Event frames come pre-built from `SerializedEvent`; this
 * module builds the rest: SSE control events, WebSocket control ops, batches and source messages.
 * SSE names and ids never contain CR or LF (control names come from a fixed set, message names are
 * checked by `isMessageName`, ids come from the bus), and data is JSON, which has no raw newlines,
 * so no frame can be split or injected.
 */

/** `retry: <ms>\n\n`, the first bytes of every SSE stream. */
export function sseRetry(ms: number): Buffer {
  return Buffer.from(`retry: ${ms}\n\n`);
}

/**
 * `event: <name>\ndata: <json>\n\n`. A `reset` or `heartbeat` with a `lastEventId` also carries
 * `id: <lastEventId>`, so a browser EventSource moves its own resume id forward (and never asks for
 * an impossible resume again after a reset).
 */
export function sseControl(name: ControlName, data: Readonly<Record<string, unknown>>): Buffer {
  const id =
    (name === 'reset' || name === 'heartbeat') && typeof data.lastEventId === 'string'
      ? `id: ${data.lastEventId}\n`
      : '';
  return Buffer.from(`event: ${name}\n${id}data: ${JSON.stringify(data)}\n\n`);
}

/** Builds the SSE bytes of a flush: every event frame, batches flattened, controls named. */
export function sseChunks(items: readonly Outbound[], named: boolean): Buffer[] {
  const chunks: Buffer[] = [];
  for (const item of items) {
    if (item.kind === 'event') chunks.push(item.event.sse(named));
    else if (item.kind === 'batch') for (const event of item.events) chunks.push(event.sse(named));
    else if (item.kind === 'message') chunks.push(Buffer.from(`event: ${item.name}\ndata: ${item.json}\n\n`));
    else
      chunks.push(sseControl(item.name, item.sub === undefined ? item.data : { ...item.data, subscription: item.sub }));
  }
  return chunks;
}

/**
 * The complete WebSocket frame of one item: the shared pre-framed event, an `events` batch, or a
 * control op. Writers put these bytes on the socket as they are.
 */
export function wsFrameOf(item: Outbound): Buffer {
  if (item.kind === 'event') return item.event.wsFrame(item.sub);
  if (item.kind === 'batch') {
    let body = `{"op":"events","subscription":${JSON.stringify(item.sub)},"events":[`;
    for (let i = 0; i < item.events.length; i++) body += (i === 0 ? '' : ',') + item.events[i]!.json;
    return textFrame(Buffer.from(`${body}]}`));
  }
  if (item.kind === 'message') {
    const sub = item.sub === undefined ? '' : `,"subscription":${JSON.stringify(item.sub)}`;
    return textFrame(Buffer.from(`{"op":${JSON.stringify(item.name)}${sub},"data":${item.json}}`));
  }
  return textFrame(
    Buffer.from(
      JSON.stringify(
        item.sub === undefined
          ? { op: item.name, ...item.data }
          : { op: item.name, subscription: item.sub, ...item.data },
      ),
    ),
  );
}

/** Names a source may give its stream messages: 1–64 of `A–Z a–z 0–9 _ . : -`. */
const MESSAGE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Whether `name` is safe as an SSE event name and a WebSocket op (no CR, LF, quotes or spaces). */
export function isMessageName(name: string): boolean {
  return MESSAGE_NAME.test(name);
}
