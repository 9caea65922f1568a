/**
 * Reading what the server sends: JSON text into envelopes and control payloads, checked just
 * enough that the client's bookkeeping can rely on `id`, `seq`, `topic` and `type`.
 */
import type { LivegateEvent } from '../types.js';

/** Parses JSON text; `undefined` when it is not JSON. */
export function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A plain JSON object, or `null`. */
export function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** The envelope in `value`, or `null` when it lacks a field the client relies on. */
export function asEnvelope(value: unknown): LivegateEvent | null {
  const e = asRecord(value);
  if (e === null) return null;
  if (typeof e.id !== 'string' || e.id === '' || typeof e.topic !== 'string' || typeof e.type !== 'string') return null;
  if (typeof e.seq !== 'number' || !Number.isFinite(e.seq)) return null;
  if (e.labels === undefined || e.labels === null) return { ...e, labels: {} } as unknown as LivegateEvent;
  return e as unknown as LivegateEvent;
}

/** A list of envelopes; `null` when any element is malformed. */
export function asEnvelopes(value: unknown): LivegateEvent[] | null {
  if (!Array.isArray(value)) return null;
  const out: LivegateEvent[] = [];
  for (const item of value) {
    const event = asEnvelope(item);
    if (event === null) return null;
    out.push(event);
  }
  return out;
}

/** A string field, or `null`. */
export function stringField(record: Record<string, unknown> | null, name: string): string | null {
  const value = record?.[name];
  return typeof value === 'string' ? value : null;
}

/** A positive finite number field, or `null`. */
export function positiveNumberField(record: Record<string, unknown> | null, name: string): number | null {
  const value = record?.[name];
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

/** Decodes a WebSocket message payload (string in browsers; string or bytes from `ws`). */
export function messageText(data: unknown): string | null {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data);
  return null;
}
